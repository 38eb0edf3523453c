/**
 * What the figures were measured on: cores, CPU model, memory, OS and the versions of every
 * part whose speed is measured. Published with every result file, since figures from
 * different machines or versions are not comparable.
 */
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { arch, cpus, loadavg, platform, release, totalmem } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";

const exec = promisify(execFile);
const root = join(import.meta.dirname, "..", "..");

/** Machine description written into result files. */
export interface MachineInfo {
  cores: number;
  cpuModel: string;
  memoryGiB: number;
  os: string;
  /** 1-minute load average when the run started (a busy shared machine shows here). */
  loadAverage1m: number;
  versions: Record<string, string | null>;
}

function packageVersion(name: string): string | null {
  try {
    const pkg = JSON.parse(readFileSync(join(root, "node_modules", name, "package.json"), "utf8")) as {
      version?: string;
    };
    return pkg.version ?? null;
  } catch {
    return null;
  }
}

async function commandVersion(cmd: string, args: string[], pattern: RegExp): Promise<string | null> {
  try {
    const { stdout, stderr } = await exec(cmd, args, { timeout: 5_000 });
    return pattern.exec(stdout + stderr)?.[1] ?? null;
  } catch (err) {
    // Some tools print their version and exit non-zero.
    const e = err as { stdout?: string; stderr?: string };
    return pattern.exec(`${e.stdout ?? ""}${e.stderr ?? ""}`)?.[1] ?? null;
  }
}

/** Collects {@link MachineInfo}; tools that are missing show as `null`. */
export async function machineInfo(): Promise<MachineInfo> {
  const list = cpus();
  const [wireguardGo, wgTools, iperf3, postgres] = await Promise.all([
    commandVersion("wireguard-go", ["--version"], /v?(\d+\.\d+\.\d+\S*)/),
    commandVersion("wg", ["--version"], /v(\d+\.\d+\.\d+\S*)/),
    commandVersion("iperf3", ["--version"], /iperf (\d+\.\d+\S*)/),
    commandVersion("psql", ["--version"], /(\d+\.\d+)/),
  ]);
  return {
    cores: list.length,
    cpuModel: list[0]?.model.trim() ?? "unknown",
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    os: `${platform()} ${release()} ${arch()}`,
    loadAverage1m: Math.round((loadavg()[0] ?? 0) * 100) / 100,
    versions: {
      node: process.versions.node,
      v8: process.versions.v8,
      hardhat: packageVersion("hardhat"),
      solc: packageVersion("solc"),
      viem: packageVersion("viem"),
      "graphql-yoga": packageVersion("graphql-yoga"),
      "@prisma/client": packageVersion("@prisma/client"),
      autocannon: packageVersion("autocannon"),
      "wireguard-go": wireguardGo,
      "wireguard-tools": wgTools,
      iperf3,
      postgresql: postgres,
    },
  };
}
