/**
 * Failover as users run it, shared by the namespace test and `npm run bench:failover`: a
 * `hardhat node`, two providers in DE (two real gateway agents with their own wireguard-go
 * interfaces, ports and tunnel pools in the provider namespace; the first is cheaper, so it is
 * picked first), `dvpn connect --up --region DE` in the client namespace with its kill switch, and
 * a download from the "internet" namespace through the tunnel whose server names the client
 * address it sees (so each byte says which provider carried it). Mid-transfer the first
 * provider's agent and its wireguard-go are killed (SIGKILL); the lab then probes the provider's
 * underlay from the client every ~0.5 s (a leak if it answers) until the first byte arrives
 * through the second provider, lets it run, stops the client with Ctrl-C and reads every
 * session's money from the chain. Everything it creates is removed, also on failure.
 */
import { execFileSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Address } from "viem";
import { TOPOLOGY, type Topology, type AgentService } from "../../test/kit/dataPlane.ts";
import type { CliChain } from "./cliChain.ts";
import { startClientLab } from "./clientUplink.ts";
import { labClient, startLabProvider } from "./labProvider.ts";

const root = join(import.meta.dirname, "../..");
/** The second agent shares the first one's namespace: a pool of its own, outside the derived range (10.64.0.0/10). */
const SECOND_POOL = "10.142.0.0/16";

/** One session of the client as the chain and the CLI saw it. */
export interface LabSession {
  sessionId: string;
  provider: Address;
  /** Which of the lab's providers: "first" (killed) or "second". */
  which: "first" | "second";
  /** Why the client left it (the CLI's `left`). */
  left: string;
  status: string;
  /** Gross amount claimed on chain so far (payment-token base units). */
  paid: string;
  claimedBytes: string;
  /** The best voucher the provider took (bytes), as the CLI reports it. */
  signedBytes: string | null;
  /** The most the provider may still be paid: the best voucher's price (client-closed sessions). */
  owedAtMost: string | null;
  money: string;
}

/** What one failover run measured (every figure counted by the code). */
export interface FailoverRun {
  /** SIGKILL of the first provider → first byte received through the second provider (ms). */
  outageMs: number;
  /** SIGKILL → the CLI saying it leaves the first provider (ms): the grace plus detection. */
  detectMs: number | null;
  /** Probes of the provider's underlay outside the tunnel between the kill and the first new byte, and how many got through. */
  leakProbes: number;
  leaks: number;
  /** Bytes the download received through each provider. */
  bytesFirst: number;
  bytesSecond: number;
  /** Packets captured on the client's uplink and those outside the WireGuard flows and the JSON-RPC (tcpdump). */
  capture: { packets: number; outside: string[] } | null;
  cliExitCode: number | null;
  cliResult: Record<string, unknown>;
  cliStderr: string;
  killSwitchAfterStop: boolean;
  sessions: LabSession[];
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * SIGKILLs every process of namespace `ns` whose command line names `iface` (an agent, its guard, its wireguard-go).
 * @returns how many processes were killed.
 */
export function killByInterface(ns: string, iface: string): number {
  const pids = execFileSync("ip", ["netns", "pids", ns]).toString().split(/\s+/).filter(Boolean);
  let n = 0;
  for (const pid of pids) {
    let cmd = "";
    try {
      cmd = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").join(" ");
    } catch {
      continue;
    }
    if (!new RegExp(`(^|\\s)${iface}(\\s|$)`).test(cmd)) continue;
    try {
      process.kill(Number(pid), "SIGKILL");
      n++;
    } catch {
      /* gone */
    }
  }
  return n;
}

/**
 * Runs the failover scenario once.
 * @param p the topology tag (unique per run) and how long to download through the second provider.
 * @returns the figures.
 */
export async function runFailoverLab(p: {
  tag: string;
  afterSeconds?: number;
  log?: (l: string) => void;
}): Promise<FailoverRun> {
  const { tag } = p;
  const log = p.log ?? (() => undefined);
  const dir = mkdtempSync(join(tmpdir(), "dvpn-failover-"));
  const children: ChildProcess[] = [];
  const agents: AgentService[] = [];
  let topo: Topology | undefined;
  let chain: CliChain | undefined;
  try {
    ({ topo, chain } = await startClientLab(tag, 3));
    const t = topo;
    await t.run(t.internet, "ip", ["route", "add", SECOND_POOL, "via", TOPOLOGY.providerToInternet]);
    const providers = [
      { i: 0, port: 51820, price: 40_000n, iface: `dv${tag}wa`, metricsPort: 9464 },
      {
        i: 1,
        port: 51821,
        price: 50_000n,
        iface: `dv${tag}wb`,
        pool: SECOND_POOL,
        v6: "fd8e:dead:beef::/64",
        metricsPort: 9465,
      },
    ];
    const addresses: Address[] = [];
    for (const { price, ...pr } of providers) {
      const lab = await startLabProvider({ topology: t, chain, dir, pricePerGiB: price, ...pr });
      addresses.push(lab.address);
      agents.push(lab.agent);
    }
    log(`providers ${addresses.join(", ")} registered, agents up`);

    // A TCP service on the provider's underlay: answering the client outside a tunnel is a leak.
    children.push(
      t.spawn(t.provider, process.execPath, [
        "-e",
        'require("net").createServer((c) => c.end("x")).listen(5202, "0.0.0.0")',
      ]),
    );
    // The download's server: names the client address it sees, then streams ~2 MiB/s.
    const server = `const chunk = Buffer.alloc(65536, 120);
require("net").createServer((c) => {
  c.write("FROM " + c.remoteAddress + "\\n");
  const timer = setInterval(() => c.write(chunk), 30);
  c.on("error", () => clearInterval(timer)); c.on("close", () => clearInterval(timer));
}).listen(5203, "${TOPOLOGY.internetAddress}");`;
    children.push(t.spawn(t.internet, process.execPath, ["-e", server]));
    const reaches = async (address: string): Promise<boolean> => {
      const script = `const s = require("net").connect(5202, "${address}"); s.setTimeout(1500, () => process.exit(1)); s.on("data", () => process.exit(0)); s.on("error", () => process.exit(1));`;
      return t.run(t.client, process.execPath, ["-e", script]).then(
        () => true,
        () => false,
      );
    };

    const stateDir = join(dir, "state");
    const cliEnv = {
      PATH: process.env.PATH ?? "",
      HOME: process.env.HOME ?? "/tmp",
      DVPN_RPC_URL: chain.url,
      DVPN_DEPLOYMENTS_DIR: chain.dir,
      DVPN_PRIVATE_KEY: chain.keys[2]!,
      DVPN_STATE_DIR: stateDir,
      DVPN_PROGRESS_MS: "1000",
    };
    const args = ["connect", "--region", "DE", "--max-price-gib", "0.05", "--deposit", "5", "--up", "--dns", "none"];
    args.push("--config", join(dir, `dv${tag}c.conf`), "--grace", "5", "--accept-timeout", "30", "--json");
    const cli = t.spawn(t.client, "bash", [join(root, "bin/dvpn"), ...args], { env: cliEnv });
    children.push(cli);
    let stdout = "";
    let stderr = "";
    const stamped: { t: number; line: string }[] = [];
    cli.stdout!.on("data", (d: Buffer) => (stdout += d.toString()));
    cli.stderr!.on("data", (d: Buffer) => {
      stderr += d.toString();
      for (const line of d.toString().split("\n")) if (line.trim()) stamped.push({ t: Date.now(), line });
    });
    const exited = new Promise<number | null>((resolve) => cli.on("close", resolve));
    for (const deadline = Date.now() + 120_000; !/tunnel \S+ up/.test(stderr);) {
      if (Date.now() > deadline || cli.exitCode !== null) throw new Error(`the tunnel did not come up; CLI: ${stderr}`);
      await sleep(100);
    }
    log("tunnel up through the first provider");

    const capture = join(dir, "uplink.pcap");
    let hasTcpdump = true;
    try {
      execFileSync("sh", ["-c", "command -v tcpdump"]);
    } catch {
      hasTcpdump = false;
    }
    const tcpdump = hasTcpdump
      ? t.spawn(t.client, "tcpdump", ["-i", `dv${tag}cp`, "-Q", "out", "-n", "-U", "-w", capture], { stdio: "ignore" })
      : undefined;
    if (tcpdump) children.push(tcpdump);
    await sleep(500);

    // The download: reconnects on every failure and prints what it received, through whom, when.
    const downloader = `let total = 0;
const connect = () => {
  const s = require("net").connect(5203, "${TOPOLOGY.internetAddress}");
  let from = ""; let head = "";
  s.setTimeout(2000, () => s.destroy());
  s.on("data", (d) => {
    if (!from) { head += d.toString("latin1"); const nl = head.indexOf("\\n"); if (nl < 0) return; from = head.slice(5, nl); d = Buffer.from(head.slice(nl + 1), "latin1"); }
    total += d.length;
    process.stdout.write(JSON.stringify({ t: Date.now(), from, bytes: d.length }) + "\\n");
  });
  s.on("error", () => {}); s.on("close", () => setTimeout(connect, 200));
};
connect();`;
    const dl = t.spawn(t.client, process.execPath, ["-e", downloader]);
    children.push(dl);
    const received: { t: number; from: string; bytes: number }[] = [];
    let partial = "";
    dl.stdout!.on("data", (d: Buffer) => {
      partial += d.toString();
      const lines = partial.split("\n");
      partial = lines.pop()!;
      for (const l of lines) if (l) received.push(JSON.parse(l) as { t: number; from: string; bytes: number });
    });
    const viaSecond = (r: { from: string }) => r.from.startsWith("10.142.");
    for (const deadline = Date.now() + 30_000; received.reduce((n, r) => n + r.bytes, 0) < 4 << 20;) {
      if (Date.now() > deadline) throw new Error(`the download did not start; CLI: ${stderr}`);
      await sleep(100);
    }
    log("download running through the first provider; killing its agent and wireguard-go");

    const killedAt = Date.now();
    const killed = killByInterface(t.provider, providers[0]!.iface);
    if (killed === 0) throw new Error("found no process of the first provider to kill");
    let leakProbes = 0;
    let leaks = 0;
    for (const deadline = Date.now() + 180_000; !received.some((r) => r.t > killedAt && viaSecond(r));) {
      if (Date.now() > deadline || cli.exitCode !== null)
        throw new Error(`no byte through the second provider; CLI: ${stderr}`);
      leakProbes++;
      if (await reaches(TOPOLOGY.providerToClient)) leaks++;
      await sleep(500);
    }
    const firstNew = received.find((r) => r.t > killedAt && viaSecond(r))!;
    log(`first byte through the second provider ${firstNew.t - killedAt} ms after the kill`);
    await sleep((p.afterSeconds ?? 5) * 1000);
    leakProbes++;
    if (await reaches(TOPOLOGY.providerToClient)) leaks++;
    dl.kill("SIGKILL");
    // The capture covers the connection, not what the machine sends after it ended (the kill
    // switch is lifted then, and the kernel's IPv6 router solicitations may go out).
    if (tcpdump) {
      tcpdump.kill("SIGINT");
      await new Promise((r) => tcpdump.once("exit", r));
    }

    cli.kill("SIGINT");
    let timer: NodeJS.Timeout | undefined;
    const code = await Promise.race([
      exited,
      new Promise<null>((r) => (timer = setTimeout(() => r(null), 90_000))),
    ]).finally(() => clearTimeout(timer));
    let outside: string[] = [];
    let packets = 0;
    if (tcpdump) {
      const rpc = new URL(chain.url);
      packets = Number(/(\d+) packets?/.exec(await t.run(t.client, "tcpdump", ["-r", capture, "--count"]))?.[1] ?? 0);
      const filter = `(ip or ip6) and not (udp and host ${TOPOLOGY.providerToClient} and (port 51820 or port 51821)) and not (tcp and host ${rpc.hostname} and port ${rpc.port})`;
      outside = (await t.run(t.client, "tcpdump", ["-r", capture, "-n", filter])).split("\n").filter((l) => l.trim());
    }
    const killSwitchAfterStop = await t.run(t.client, "nft", ["list", "table", "inet", "dvpn_client"]).then(
      () => true,
      () => false,
    );
    const cliResult = (stdout.trim() ? JSON.parse(stdout) : {}) as Record<string, unknown>;
    const reader = labClient(chain, 2);
    const sessions: LabSession[] = [];
    for (const s of (cliResult.sessions ?? []) as Record<string, unknown>[]) {
      const sessionId = BigInt(s.sessionId as string);
      let rec = await reader.getSession({ sessionId });
      // A live provider settles a session its client closed at once, with its best voucher.
      const live = (s.provider as string).toLowerCase() !== addresses[0]!.toLowerCase();
      for (const deadline = Date.now() + 30_000; live && rec.status === "Closing" && Date.now() < deadline;) {
        await sleep(250);
        rec = await reader.getSession({ sessionId });
      }
      const outcome = s.outcome as { owedAtMost?: string };
      sessions.push({
        sessionId: String(s.sessionId),
        provider: s.provider as Address,
        which: (s.provider as string).toLowerCase() === addresses[0]!.toLowerCase() ? "first" : "second",
        left: String(s.left),
        status: rec.status,
        paid: String(rec.paid),
        claimedBytes: String(rec.claimedBytes),
        signedBytes: s.usage ? String((s.usage as { bytes: string }).bytes) : null,
        owedAtMost: outcome.owedAtMost !== undefined ? String(outcome.owedAtMost) : null,
        money: String(s.money),
      });
    }
    const leftAt = stamped.find((s) => s.t >= killedAt && s.line.includes(`leaving ${addresses[0]}`))?.t;
    return {
      outageMs: firstNew.t - killedAt,
      detectMs: leftAt !== undefined ? leftAt - killedAt : null,
      leakProbes,
      leaks,
      bytesFirst: received.filter((r) => !viaSecond(r)).reduce((n, r) => n + r.bytes, 0),
      bytesSecond: received.filter(viaSecond).reduce((n, r) => n + r.bytes, 0),
      capture: tcpdump ? { packets, outside } : null,
      cliExitCode: code,
      cliResult,
      cliStderr: stderr,
      killSwitchAfterStop,
      sessions,
    };
  } finally {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
    for (const a of agents) await a.stop().catch(() => undefined);
    await topo?.destroy();
    await chain?.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
