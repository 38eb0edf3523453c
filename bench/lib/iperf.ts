/**
 * One iperf3 run inside a network namespace of a {@link Topology}, bounded in time, parsed from
 * iperf3's JSON report; and the CPU time a process used, read from /proc.
 */
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { promisify } from "node:util";
import type { Topology } from "../../scripts/lib/netns.ts";

const exec = promisify(execFile);

/** What one iperf3 run measured. */
export interface IperfResult {
  /** Receiver-side goodput in Mbit/s (10^6 bit/s), omitted seconds excluded. */
  mbps: number;
  /** Bytes the receiver got in the measured interval. */
  bytes: number;
  /** Length of the measured interval in seconds. */
  seconds: number;
  /** TCP retransmissions of the sender. */
  retransmits: number;
}

interface IperfJson {
  error?: string;
  end?: {
    sum_received?: { bits_per_second: number; bytes: number; seconds: number };
    sum_sent?: { retransmits?: number };
  };
}

/**
 * Runs `iperf3 -c target` in namespace `ns` for `seconds` (+ `omit` warm-up seconds that
 * iperf3 leaves out of its sums) and returns the parsed result. Killed after a grace period.
 */
export async function runIperf(
  topology: Topology,
  ns: string,
  target: string,
  seconds: number,
  omit: number,
): Promise<IperfResult> {
  // The server takes a moment to wind down the previous test and refuses the next one meanwhile
  // ("the server is busy running a test"); wait and retry that case only (bounded).
  for (let attempt = 1; ; attempt++) {
    try {
      return await runIperfOnce(topology, ns, target, seconds, omit);
    } catch (err) {
      if (attempt >= 20 || !/server is busy/.test((err as Error).message)) throw err;
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}

async function runIperfOnce(
  topology: Topology,
  ns: string,
  target: string,
  seconds: number,
  omit: number,
): Promise<IperfResult> {
  const args = ["-c", target, "-t", String(seconds), "-O", String(omit), "-J", "--connect-timeout", "3000"];
  const child = topology.spawn(ns, "iperf3", args, { stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  let err = "";
  child.stdout?.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr?.on("data", (d: Buffer) => (err += d.toString()));
  const limitMs = (seconds + omit + 15) * 1000;
  const code = await new Promise<number | string>((resolve) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      resolve("timeout");
    }, limitMs);
    child.once("exit", (c, sig) => {
      clearTimeout(timer);
      resolve(c ?? sig ?? "unknown");
    });
  });
  if (code === "timeout") throw new Error(`iperf3 to ${target} did not finish within ${limitMs / 1000} s`);
  let report: IperfJson;
  try {
    report = JSON.parse(out) as IperfJson;
  } catch {
    throw new Error(`iperf3 to ${target} exited ${code} without a JSON report: ${err.trim().slice(0, 200)}`);
  }
  if (report.error) throw new Error(`iperf3 to ${target}: ${report.error}`);
  const recv = report.end?.sum_received;
  if (!recv || code !== 0) throw new Error(`iperf3 to ${target} exited ${code} without a receiver summary`);
  return {
    mbps: recv.bits_per_second / 1e6,
    bytes: recv.bytes,
    seconds: recv.seconds,
    retransmits: report.end?.sum_sent?.retransmits ?? 0,
  };
}

/** Clock ticks per second for /proc/<pid>/stat (USER_HZ, 100 on Linux). */
const USER_HZ = 100;

/** User + system CPU seconds process `pid` has used so far (0 if it is gone). */
export function cpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Fields after the parenthesised command name; utime and stime are fields 14 and 15.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) / USER_HZ;
  } catch {
    return 0;
  }
}

/** PIDs of processes named `comm` inside network namespace `ns`. */
export async function pidsNamed(ns: string, comm: string): Promise<number[]> {
  const { stdout } = await exec("ip", ["netns", "pids", ns]);
  return stdout
    .split(/\s+/)
    .filter(Boolean)
    .map(Number)
    .filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/comm`, "utf8").trim() === comm;
      } catch {
        return false;
      }
    });
}
