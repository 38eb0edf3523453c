/**
 * `dvpn connect --up` paying a full-speed transfer, as users run it: a `hardhat node`, the real
 * gateway agent (default voucher lag tolerance: 1 MiB + 5 % of its meter as it read 10 s earlier)
 * with wireguard-go in a provider namespace, the CLI in a client namespace with a full tunnel and
 * its kill switch, iperf3 downloading from the provider's gateway through the tunnel for 60 s with
 * the vouchers held up for 4 s in the middle (dropped in the provider's namespace, as a saturated
 * tunnel on a loaded machine delays them), then a 256 MiB HTTP download. The agent must not cut the
 * session, and what the client signed must stay within the agent's tolerance of its meter on one
 * side and within the client's credit of its own counter on the other. `dvpn status` reports the
 * connection; nothing reaches the provider's underlay outside the tunnel, also after the client is
 * killed with SIGKILL, and (with tcpdump installed) a capture of the client's uplink holds only the
 * WireGuard flow and the JSON-RPC; then `dvpn disconnect` finds the session in the state file,
 * takes the tunnel down, lifts the kill switch and closes the session, which the agent settles.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, statSync as stat } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ChildProcess } from "node:child_process";
import { dataPlaneUnavailableReason, TOPOLOGY, type Topology, type AgentService } from "../../../test/kit/dataPlane.ts";
import { priceUsage } from "../vouchers/usage.ts";
import { creditCap, DEFAULT_CREDIT_POLICY } from "../tunnel/paymentPlan.ts";
import { VOUCHER_API_PORT } from "../tunnel/voucherApi.ts";
import type { CliChain } from "../../test/cliChain.ts";
import { startClientLab } from "../../test/clientUplink.ts";
import { LAB_TOLERANCE as TOLERANCE, startLabProvider } from "../../test/labProvider.ts";

const root = join(import.meta.dirname, "../../..");
const unavailable =
  (await dataPlaneUnavailableReason()) ??
  (await import("node:child_process")
    .then(({ execFileSync }) => execFileSync("sh", ["-c", "command -v iperf3 && command -v nft"]))
    .then(
      () => undefined,
      () => "iperf3 or nft is missing (apt-get install -y iperf3 nftables)",
    ));
const hasTcpdump = await import("node:child_process").then(({ execFileSync }) => {
  try {
    execFileSync("sh", ["-c", "command -v tcpdump"]);
    return true;
  } catch {
    return false;
  }
});
const TRANSFER_SECONDS = 60;
/** Bytes of the HTTP download that follows the iperf3 transfer. */
const HTTP_BYTES = 256 << 20;
/** The agent's default payment grace (lagGraceSeconds). */
const GRACE_SECONDS = 10;
/** How long the vouchers are held up mid-transfer (within the grace; the agent's meter runs on). */
const HOLD_SECONDS = 4;

/** nftables script that adds (or deletes) a table dropping the agent's voucher API traffic. */
const holdVouchers = (tag: string, op: "add" | "delete") =>
  op === "add"
    ? `table inet dvpn_hold_${tag} {\n chain in {\n type filter hook input priority -10; policy accept;\n tcp dport ${VOUCHER_API_PORT} counter drop\n }\n}\n`
    : `delete table inet dvpn_hold_${tag}\n`;

interface AgentSessionRow {
  sessionId: string;
  status: string;
  cutReason: string | null;
  meteredBytes: string;
  voucherBytes: string;
}

describe("dvpn connect --up pays a full-speed transfer (real agent, network namespaces)", { skip: unavailable }, () => {
  let topo: Topology;
  let chain: CliChain;
  let agent: AgentService | undefined;
  let dir: string;
  const tag = `sp${process.pid % 100000}`;
  const children: ChildProcess[] = [];

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "dvpn-pay-"));
    ({ topo, chain } = await startClientLab(tag, 2));
  });
  after(async () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
    await agent?.stop();
    await topo?.destroy();
    await chain?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it(
    "is never cut by the agent and pays within the agent's tolerance and the client's credit",
    { timeout: 300_000 },
    async () => {
      const lab = await startLabProvider({ topology: topo, chain, i: 0, iface: `dv${tag}w`, dir });
      agent = lab.agent;
      const provider = lab.client;
      const agentSessions = async (): Promise<AgentSessionRow[]> => {
        const res = await fetch(agent!.metricsUrl.replace(/metrics$/, "sessions"), {
          signal: AbortSignal.timeout(5000),
        });
        return ((await res.json()) as { sessions: AgentSessionRow[] }).sessions;
      };

      const configPath = join(dir, `dv${tag}c.conf`);
      const stateDir = join(dir, "state");
      const cliEnv = {
        PATH: process.env.PATH ?? "",
        HOME: process.env.HOME ?? "/tmp",
        DVPN_RPC_URL: chain.url,
        DVPN_DEPLOYMENTS_DIR: chain.dir,
        DVPN_PRIVATE_KEY: chain.keys[1]!,
        DVPN_STATE_DIR: stateDir,
        DVPN_PROGRESS_MS: "1000",
      };
      const dvpn = async (args: string[]) =>
        JSON.parse(
          await topo.run(topo.client, "timeout", [
            "90",
            "env",
            ...Object.entries(cliEnv).map(([k, v]) => `${k}=${v}`),
            "bash",
            join(root, "bin/dvpn"),
            ...args,
            "--json",
          ]),
        ) as Record<string, unknown>;
      // A TCP service in the provider namespace on every address: reached through the tunnel at the
      // gateway, and (a leak) at the provider's underlay address outside it.
      const probeServer = topo.spawn(topo.provider, process.execPath, [
        "-e",
        'require("net").createServer((c) => c.end("x")).listen(5202, "0.0.0.0")',
      ]);
      children.push(probeServer);
      const reaches = async (address: string): Promise<boolean> => {
        const script = `const s = require("net").connect(5202, "${address}"); s.setTimeout(1500, () => process.exit(1)); s.on("data", () => process.exit(0)); s.on("error", () => process.exit(1));`;
        return topo.run(topo.client, process.execPath, ["-e", script]).then(
          () => true,
          () => false,
        );
      };
      let reachable = false;
      for (let i = 0; i < 20 && !reachable; i++) {
        reachable = await reaches(TOPOLOGY.providerToClient);
        if (!reachable) await new Promise((r) => setTimeout(r, 250));
      }
      assert.equal(reachable, true, "the probe does not work without a kill switch");
      const cli = topo.spawn(
        topo.client,
        "bash",
        [
          join(root, "bin/dvpn"),
          "connect",
          "--provider",
          provider.account!.address,
          "--max-price-gib",
          "0.05",
          "--deposit",
          "5",
          "--up",
          "--dns",
          "none",
          "--config",
          configPath,
          "--json",
        ],
        {
          env: cliEnv,
        },
      );
      children.push(cli);
      let stdout = "";
      let stderr = "";
      cli.stdout!.on("data", (d: Buffer) => (stdout += d.toString()));
      cli.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
      const exited = new Promise<number | null>((resolve) => cli.on("close", resolve));

      for (const deadline = Date.now() + 90_000; !/tunnel \S+ up/.test(stderr);) {
        assert.ok(Date.now() < deadline && cli.exitCode === null, `the tunnel did not come up; CLI stderr: ${stderr}`);
        await new Promise((r) => setTimeout(r, 100));
      }

      // Capture what the client sends on its uplink from now until the crashed client is cleaned up (when tcpdump is installed).
      const capture = join(dir, "uplink.pcap");
      const tcpdump = hasTcpdump
        ? topo.spawn(topo.client, "tcpdump", ["-i", `dv${tag}cp`, "-Q", "out", "-n", "-U", "-w", capture], {
            stdio: "ignore",
          })
        : undefined;
      if (tcpdump) children.push(tcpdump);
      await new Promise((r) => setTimeout(r, 500));

      // Full speed, provider → client (the agent's meter runs ahead of the client's counter by what is lost).
      const server = topo.spawn(topo.provider, "iperf3", ["-s", "-1", "-B", agent!.gateway, "-p", "5201"]);
      children.push(server);
      await new Promise((r) => setTimeout(r, 300));
      const transfer = topo
        .run(topo.client, "timeout", [
          String(TRANSFER_SECONDS + 30),
          "iperf3",
          "--connect-timeout",
          "5000",
          "-c",
          agent!.gateway,
          "-p",
          "5201",
          "-R",
          "-t",
          String(TRANSFER_SECONDS),
          "-J",
        ])
        .catch(async (err: Error) => {
          const agentLog = readFileSync(join(dir, "agent0/agent.log"), "utf8").slice(-1500);
          throw new Error(
            `iperf3 failed (${err.message.split("\n")[0]}); CLI: ${stderr.slice(-1500)}; agent: ${agentLog}`,
          );
        });
      // Mid-transfer the vouchers are held up for HOLD_SECONDS, as a saturated tunnel on a loaded machine
      // does: the provider's namespace drops the voucher API's packets. The agent must wait out its grace.
      await new Promise((r) => setTimeout(r, 20_000));
      await topo.run(topo.provider, "nft", ["-f", "-"], holdVouchers(tag, "add"));
      await new Promise((r) => setTimeout(r, HOLD_SECONDS * 1000));
      const held = await topo.run(topo.provider, "nft", ["list", "table", "inet", `dvpn_hold_${tag}`]);
      await topo.run(topo.provider, "nft", ["-f", "-"], holdVouchers(tag, "delete"));
      const iperfOut = await transfer;
      // The client kept sending vouchers (or retrying them) while they were held.
      const dropped = Number(/counter packets (\d+)/.exec(held)?.[1] ?? 0);
      assert.ok(dropped > 0, `no voucher packet was held up: ${held}`);
      const iperf = JSON.parse(iperfOut) as { end: { sum_received: { bytes: number; bits_per_second: number } } };
      process.stderr.write(
        `iperf3: ${iperf.end.sum_received.bytes} bytes received at ${(iperf.end.sum_received.bits_per_second / 1e6).toFixed(0)} Mbit/s\n`,
      );
      // Then an HTTP download from the gateway, as a browser would fetch a file.
      const httpServer = topo.spawn(topo.provider, process.execPath, [
        "-e",
        `const chunk = Buffer.alloc(1 << 20, 120); require("http").createServer((q, r) => { r.writeHead(200, { "content-length": ${HTTP_BYTES} }); let n = 0; const more = () => { while (n < ${HTTP_BYTES >> 20}) { n++; if (!r.write(chunk)) return r.once("drain", more); } r.end(); }; more(); }).listen(5203, "${agent!.gateway}")`,
      ]);
      children.push(httpServer);
      const fetchScript = `(async () => { for (let i = 0; i < 20; i++) { try { const r = await fetch("http://${agent!.gateway}:5203/"); let n = 0; for await (const c of r.body) n += c.length; console.log(n); return; } catch { await new Promise((w) => setTimeout(w, 250)); } } process.exit(1); })()`;
      const downloaded = Number(await topo.run(topo.client, "timeout", ["120", process.execPath, "-e", fetchScript]));
      httpServer.kill();
      assert.equal(downloaded, HTTP_BYTES, "the HTTP download through the tunnel was cut short");
      const received = BigInt(iperf.end.sum_received.bytes) + BigInt(downloaded);

      // The client has the agent's grace to pay for what it used: once the transfer is over, its
      // vouchers must reach the agent's final meter within that (polled every second, bounded).
      let row: AgentSessionRow | undefined;
      let metered = 0n;
      let signed = 0n;
      let tolerance = 0n;
      for (const deadline = Date.now() + (GRACE_SECONDS + 5) * 1000; ;) {
        await new Promise((r) => setTimeout(r, 1_000));
        [row] = await agentSessions();
        assert.ok(row, `the agent has no open session; CLI stderr: ${stderr}`);
        assert.equal(row.cutReason, null, `the agent cut the session: ${JSON.stringify(row)}`);
        metered = BigInt(row.meteredBytes);
        signed = BigInt(row.voucherBytes);
        tolerance = TOLERANCE.bytes + (metered * BigInt(TOLERANCE.percent * 100)) / 10_000n;
        if (signed >= metered - tolerance || Date.now() > deadline) break;
      }
      assert.equal(cli.exitCode, null, `the CLI stopped: ${stderr}`);
      assert.ok(metered > received, `the agent metered ${metered} bytes for ${received} received`);
      assert.ok(
        signed >= metered - tolerance,
        `signed ${signed} trails the meter ${metered} by more than ${tolerance} ${GRACE_SECONDS + 5} s after the transfer`,
      );

      // The kill switch: through the tunnel yes, around it no.
      assert.equal(await reaches(agent!.gateway), true, "the gateway is not reachable through the tunnel");
      assert.equal(await reaches(TOPOLOGY.providerToClient), false, "traffic left outside the tunnel");
      const status = await dvpn(["status"]);
      assert.equal(status.connected, true, JSON.stringify(status));
      assert.equal(status.killSwitch, true);
      assert.equal(status.status, "Active");
      assert.ok(BigInt(status.bytes as string) >= received);
      assert.equal(stat(join(stateDir, "connection.json")).mode & 0o777, 0o600);

      process.stderr.write(
        stderr
          .split("\n")
          .filter((l) => l.includes("used "))
          .join("\n") + "\n",
      );
      // The client is killed: the kill switch holds, and the next command finds and closes the session.
      const state = JSON.parse(readFileSync(join(stateDir, "connection.json"), "utf8")) as {
        pid: number;
        sessionId: string;
      };
      process.kill(state.pid, "SIGKILL");
      let timer: NodeJS.Timeout | undefined;
      const gone1 = await Promise.race([
        exited.then(() => true),
        new Promise<boolean>((r) => (timer = setTimeout(() => r(false), 30_000))),
      ]).finally(() => clearTimeout(timer));
      assert.ok(gone1, "the killed client's process did not end");
      assert.equal(await reaches(TOPOLOGY.providerToClient), false, "the kill switch did not survive the crash");
      const afterCrash = await dvpn(["status"]);
      assert.equal(afterCrash.clientRunning, false);
      if (tcpdump) {
        // On the wire: only the WireGuard flow to the provider and the JSON-RPC to the chain; no probe,
        // no DNS, no IPv6, nothing else in the clear, before or after the crash.
        tcpdump.kill("SIGINT");
        await new Promise((r) => tcpdump.once("exit", r));
        const rpcPort = new URL(chain.url).port;
        // `--count` prints "N packets".
        const all = Number(
          /(\d+) packets?/.exec(await topo.run(topo.client, "tcpdump", ["-r", capture, "--count"]))?.[1],
        );
        const others = await topo.run(topo.client, "tcpdump", [
          "-r",
          capture,
          "-n",
          `(ip or ip6) and not (udp and host ${TOPOLOGY.providerToClient} and port 51820) and not (tcp and host ${chain.url.split("/")[2]!.split(":")[0]} and port ${rpcPort})`,
        ]);
        assert.ok(all > 1000, `the capture saw ${all} packets`);
        assert.equal(others.trim(), "", "packets outside the tunnel's flow");
      }
      const gone = await dvpn(["disconnect"]);
      assert.equal(gone.action, "closed", JSON.stringify(gone));
      assert.match(String(gone.money), /^closed: /);
      assert.equal(await reaches(TOPOLOGY.providerToClient), true, "disconnect did not lift the kill switch");
      await assert.rejects(topo.run(topo.client, "ip", ["link", "show", `dv${tag}c`]), "the tunnel is still up");
      assert.deepEqual(await dvpn(["status"]), { connected: false });

      // The agent settles at once with the best voucher it holds: within its tolerance of its meter,
      // within the client's credit of the client's counter.
      const sessionId = BigInt(state.sessionId);
      let s = await provider.getSession({ sessionId });
      for (const deadline = Date.now() + 30_000; s.status !== "Closed" && Date.now() < deadline;) {
        await new Promise((r) => setTimeout(r, 250));
        s = await provider.getSession({ sessionId });
      }
      assert.equal(
        s.status,
        "Closed",
        `session ${s.status}; agent log: ${readFileSync(join(dir, "agent0/agent.log"), "utf8").slice(-2000)}`,
      );
      const counter = BigInt(status.bytes as string);
      assert.ok(s.claimedBytes >= signed, `claimed ${s.claimedBytes} below the voucher ${signed} seen before`);
      assert.ok(
        s.claimedBytes <= creditCap(BigInt(afterCrash.bytes as string), DEFAULT_CREDIT_POLICY),
        "over the credit",
      );
      assert.equal(s.paid, priceUsage(s, { bytes: s.claimedBytes, seconds: s.claimedSeconds }));
      process.stderr.write(
        `paid ${s.claimedBytes} bytes for an agent meter of ${metered} and a client counter of ${counter} (read before the crash): ` +
          `${((Number(s.claimedBytes) / Number(counter) - 1) * 100).toFixed(1)} % over the client's counter\n`,
      );
    },
  );
});
