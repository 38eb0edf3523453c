/**
 * The obfuscated transport as users run it, shared by the namespace test and `npm run
 * bench:transport`: a `hardhat node`, one provider in DE whose real gateway agent runs wireguard-go
 * and the V2Ray transport server on TCP 443 (`--transport v2ray`), its offer published with `dvpn
 * provider transport`, optionally a censor on the client's link (sdk/test/censor.ts), and `dvpn
 * connect --up` runs in the client namespace with iperf3 transfers from the provider's gateway.
 * Everything it creates is removed by `stop()`, also when the start fails.
 */
import { execFile, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { defineChain, http, type Address } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { TOPOLOGY, type Topology, startAgentService, type AgentService } from "../../test/kit/dataPlane.ts";
import { transportFiles } from "../../gateway-agent/src/transport/credentials.ts";
import { createDvpnClient, type DvpnClient } from "../src/client/createDvpnClient.ts";
import { generateWgKeyPair } from "../src/wireguard/keys.ts";
import { insertCensor, type Censor } from "./censor.ts";
import type { CliChain } from "./cliChain.ts";
import { startClientLab } from "./clientUplink.ts";

const root = join(import.meta.dirname, "../..");
/** The agent's voucher lag tolerance in the lab (its default). */
export const LAB_TOLERANCE = { bytes: 1n << 20n, percent: 5 };

/** One `dvpn connect --up` run in the client namespace. */
export interface CliRun {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  exited: Promise<number | null>;
  /** Waits until stderr matches `re` (throws after `ms` or when the CLI exits first). */
  waitFor(re: RegExp, ms: number): Promise<void>;
  /** Ctrl-C, then the exit code (null: it did not stop within 90 s and was killed). */
  stop(): Promise<number | null>;
}

/** An open session as the agent's admin API reports it. */
export interface AgentSessionRow {
  sessionId: string;
  status: string;
  cutReason: string | null;
  meteredBytes: string;
  voucherBytes: string;
}

/** The lab. */
export interface TransportLab {
  topo: Topology;
  chain: CliChain;
  tag: string;
  dir: string;
  provider: Address;
  /** The provider's SDK client (reads sessions from the chain). */
  providerClient: DvpnClient;
  censor: Censor | undefined;
  /** The `dvpn provider transport` answer that published the offer. */
  published: Record<string, unknown>;
  /** Starts `dvpn connect --up --provider <the provider> … --json` with `args` added. */
  connect(args: string[]): CliRun;
  /** `dvpn disconnect --json` in the client namespace (after a run that left its session open). */
  disconnect(): Promise<Record<string, unknown>>;
  agentSessions(): Promise<AgentSessionRow[]>;
  agentLog(): string;
  /** iperf3 from the provider's gateway to the client (-R) for `seconds`: bytes received and bit/s. */
  iperf(seconds: number): Promise<{ bytes: number; bitsPerSecond: number }>;
  stop(): Promise<void>;
}

/**
 * Starts the lab.
 * @param p the topology tag (unique per run) and whether a censor sits on the client's link.
 */
export async function startTransportLab(p: { tag: string; censor: boolean }): Promise<TransportLab> {
  const { tag } = p;
  const dir = mkdtempSync(join(tmpdir(), "dvpn-transport-lab-"));
  const children: ChildProcess[] = [];
  let topo: Topology | undefined;
  let chain: CliChain | undefined;
  let agent: AgentService | undefined;
  let censor: Censor | undefined;
  const stop = async () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
    await agent?.stop();
    await censor?.remove();
    await topo?.destroy(); // kills the agent's v2ray and wireguard-go with the namespace's processes
    await chain?.stop();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    ({ topo, chain } = await startClientLab(tag, 2));
    const t = topo;
    const c = chain;
    const viemChain = defineChain({
      id: 31337,
      name: "hardhat",
      nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
      rpcUrls: { default: { http: [c.url] } },
    });
    const providerClient = createDvpnClient({
      chain: viemChain,
      transport: http(c.url),
      account: privateKeyToAccount(c.keys[0]!),
      deployment: c.deployment,
      pollingInterval: 50,
    });
    const gw = generateWgKeyPair();
    const wgKeyFile = join(dir, "wg.key");
    writeFileSync(wgKeyFile, gw.privateKey + "\n", { mode: 0o600 });
    await providerClient.registerProvider({
      endpoint: `${TOPOLOGY.providerToClient}:51820`,
      wgPublicKey: gw.publicKey,
      region: "DE",
      pricePerGiB: 50_000n,
      pricePerMinute: 100n,
      maxSessions: 4,
      stake: 1_000n * 10n ** 18n,
    });
    const agentDir = join(dir, "agent");
    agent = await startAgentService({
      topology: t,
      rpcUrl: c.url,
      deploymentFile: join(c.dir, "31337.json"),
      providerKeyFile: c.keyFiles[0]!,
      wgPrivateKeyFile: wgKeyFile,
      iface: `dv${tag}w`,
      dataDir: agentDir,
      lagTolerance: LAB_TOLERANCE,
      extraArgs: ["--transport", "v2ray", "--transport-port", "443"],
    });
    // Publish what the agent made, as an operator does.
    const files = transportFiles(agentDir);
    const { stdout } = await promisify(execFile)(
      "bash",
      [
        join(root, "bin/dvpn"),
        "provider",
        "transport",
        "--kind",
        "v2ray",
        "--port",
        "443",
        "--cert",
        files.certificate,
        "--client-id-file",
        files.clientId,
        "--json",
      ],
      { env: { ...process.env, DVPN_RPC_URL: c.url, DVPN_DEPLOYMENTS_DIR: c.dir, DVPN_PRIVATE_KEY: c.keys[0]! } },
    );
    const published = JSON.parse(stdout) as Record<string, unknown>;
    if (p.censor) censor = await insertCensor(t, tag);
    const cliEnv = {
      PATH: process.env.PATH ?? "",
      HOME: process.env.HOME ?? "/tmp",
      DVPN_RPC_URL: c.url,
      DVPN_DEPLOYMENTS_DIR: c.dir,
      DVPN_PRIVATE_KEY: c.keys[1]!,
      DVPN_STATE_DIR: join(dir, "state"),
      DVPN_PROGRESS_MS: "1000",
    };
    const provider = providerClient.account!.address;
    return {
      topo: t,
      chain: c,
      tag,
      dir,
      provider,
      providerClient,
      censor,
      published,
      connect(args) {
        const base = ["connect", "--provider", provider, "--max-price-gib", "0.05", "--deposit", "5", "--up"];
        base.push("--dns", "none", "--config", join(dir, `dv${tag}c.conf`), "--json");
        const child = t.spawn(t.client, "bash", [join(root, "bin/dvpn"), ...base, ...args], { env: cliEnv });
        children.push(child);
        let out = "";
        let err = "";
        child.stdout!.on("data", (d: Buffer) => (out += d.toString()));
        child.stderr!.on("data", (d: Buffer) => (err += d.toString()));
        const exited = new Promise<number | null>((resolve) => child.on("close", resolve));
        return {
          child,
          stdout: () => out,
          stderr: () => err,
          exited,
          async waitFor(re, ms) {
            for (const deadline = Date.now() + ms; !re.test(err);) {
              if (Date.now() > deadline || child.exitCode !== null)
                throw new Error(`the CLI never said ${re}; its stderr: ${err.slice(-3000)}`);
              await new Promise((r) => setTimeout(r, 100));
            }
          },
          async stop() {
            if (child.exitCode === null) child.kill("SIGINT");
            let timer: NodeJS.Timeout | undefined;
            const code = await Promise.race([
              exited,
              new Promise<null>((r) => (timer = setTimeout(() => r(null), 90_000))),
            ]).finally(() => clearTimeout(timer));
            if (code === null) child.kill("SIGKILL");
            return code;
          },
        };
      },
      async disconnect() {
        const env = Object.entries(cliEnv).map(([k, v]) => `${k}=${v}`);
        const args = ["90", "env", ...env, "bash", join(root, "bin/dvpn"), "disconnect", "--json"];
        return JSON.parse(await t.run(t.client, "timeout", args)) as Record<string, unknown>;
      },
      async agentSessions() {
        const res = await fetch(agent!.metricsUrl.replace(/metrics$/, "sessions"), {
          signal: AbortSignal.timeout(5000),
        });
        return ((await res.json()) as { sessions: AgentSessionRow[] }).sessions;
      },
      agentLog: () => readFileSync(join(agentDir, "agent.log"), "utf8"),
      async iperf(seconds) {
        const server = t.spawn(t.provider, "iperf3", ["-s", "-1", "-B", agent!.gateway, "-p", "5201"]);
        children.push(server);
        await new Promise((r) => setTimeout(r, 300));
        const out = await t.run(t.client, "timeout", [
          String(seconds + 30),
          "iperf3",
          "--connect-timeout",
          "5000",
          "-c",
          agent!.gateway,
          "-p",
          "5201",
          "-R",
          "-t",
          String(seconds),
          "-J",
        ]);
        const r = JSON.parse(out) as { end: { sum_received: { bytes: number; bits_per_second: number } } };
        return { bytes: r.end.sum_received.bytes, bitsPerSecond: r.end.sum_received.bits_per_second };
      },
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}
