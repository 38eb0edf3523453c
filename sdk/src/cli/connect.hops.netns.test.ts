/**
 * Two hops as users run them: `dvpn connect --hops 2 --region NL --up` in the client namespace of
 * the two-hop lab (sdk/test/twoHopLab.ts: a real entry agent in DE, a real exit agent in NL in its
 * own namespace, both with NAT and their exit policy), the exit paid by a second account
 * (`--exit-key-file`). Captures in every namespace while a page is fetched and a name resolved
 * through both tunnels:
 * - at the entry (every interface of its namespace): no packet to or from the destination, and
 *   the page's marker nowhere (the entry carries only WireGuard to the exit's endpoint);
 * - on the "internet": every packet to the destination comes from the exit's address, and the
 *   marker is there in clear (the exit sees destinations);
 * - on the client's uplink: only UDP to the entry's endpoint and the chain's JSON-RPC.
 * The kill switch holds (nothing reaches the entry's underlay or the exit's endpoint by TCP), the
 * exit's resolver answers, and after Ctrl-C each hop's session is settled on chain for its own
 * interface's bytes: the entry's claim follows the entry counter (which carries the exit's
 * encrypted traffic and so exceeds it), the exit's follows the exit counter.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFileSync, type ChildProcess } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { dataPlaneUnavailableReason, TOPOLOGY } from "../../../test/kit/dataPlane.ts";
import { creditCap, DEFAULT_CREDIT_POLICY } from "../tunnel/paymentPlan.ts";
import { labClient, LAB_TOLERANCE } from "../../test/labProvider.ts";
import { HOPS, startTwoHopLab, type TwoHopLab } from "../../test/twoHopLab.ts";

const root = join(import.meta.dirname, "../../..");
const has = (cmd: string) => {
  try {
    execFileSync("sh", ["-c", `command -v ${cmd}`]);
    return true;
  } catch {
    return false;
  }
};
const unavailable =
  (await dataPlaneUnavailableReason()) ??
  (has("nft") && has("tcpdump") ? undefined : "nft or tcpdump is missing (apt-get install -y nftables tcpdump)");
const PAGE_BYTES = 16 << 20;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe(
  "dvpn connect --hops 2: no provider sees both ends (real agents, network namespaces)",
  { skip: unavailable },
  () => {
    let lab: TwoHopLab;
    const tag = `sh${process.pid % 100000}`;
    const children: ChildProcess[] = [];

    before(async () => {
      lab = await startTwoHopLab(tag);
    });
    after(async () => {
      for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
      await lab?.stop();
    });

    it(
      "hides the destination from the entry, the client from the exit, and pays each hop for its own bytes",
      { timeout: 400_000 },
      async () => {
        const { topo, chain, exitNs, dir } = lab;
        const marker = `dvpn-two-hop-marker-${process.pid}-${Date.now()}`;
        const spawn = (ns: string, cmd: string, args: string[]) => {
          const c = topo.spawn(ns, cmd, args);
          children.push(c);
          return c;
        };
        // The destination: a page holding the marker, and a service naming who reached it; a resolver.
        spawn(topo.internet, process.execPath, [
          "-e",
          `const body = Buffer.alloc(${PAGE_BYTES}, " "); const m = Buffer.from("${marker}\\n"); for (let i = 0; i + m.length <= body.length; i += 4096) m.copy(body, i);
require("http").createServer((q, r) => q.url === "/who" ? r.end(q.socket.remoteAddress) : r.end(body)).listen(5280, "${HOPS.internetAddress}");`,
        ]);
        const dnsLog: string[] = [];
        createInterface({
          input: spawn(topo.internet, process.execPath, [
            join(root, "sdk/test/tinyDns.ts"),
            HOPS.internetAddress,
            HOPS.internetAddress,
          ]).stdout!,
        }).on("line", (l) => dnsLog.push(l));
        // Probe targets on the entry's and the exit's underlay (reaching them by TCP from the client is a leak).
        spawn(topo.provider, process.execPath, [
          "-e",
          'require("net").createServer((c) => c.end("x")).listen(5202, "0.0.0.0")',
        ]);
        spawn(exitNs, process.execPath, [
          "-e",
          'require("net").createServer((c) => c.end("x")).listen(5202, "0.0.0.0")',
        ]);
        mkdirSync(`/etc/netns/${topo.client}`, { recursive: true });
        writeFileSync(`/etc/netns/${topo.client}/resolv.conf`, `nameserver ${TOPOLOGY.providerToClient}\n`);
        const reaches = (address: string) =>
          topo
            .run(topo.client, process.execPath, [
              "-e",
              `const s = require("net").connect(5202, "${address}"); s.setTimeout(1500, () => process.exit(1)); s.on("data", () => process.exit(0)); s.on("error", () => process.exit(1));`,
            ])
            .then(
              () => true,
              () => false,
            );
        let reachable = false;
        for (let i = 0; i < 20 && !reachable; i++) {
          reachable = await reaches(TOPOLOGY.providerToClient);
          if (!reachable) await sleep(250);
        }
        assert.equal(reachable, true, "the probe does not work without the kill switch");

        // Captures: the entry's whole namespace, the internet's (and below, the client's uplink).
        const pcap = (name: string) => join(dir, `${name}.pcap`);
        const dumps = [
          spawn(topo.provider, "tcpdump", ["-i", "any", "-n", "-U", "-s", "0", "-w", pcap("entry")]),
          spawn(topo.internet, "tcpdump", ["-i", "any", "-n", "-U", "-s", "0", "-w", pcap("internet")]),
        ];
        await sleep(1000);

        const exitKeyFile = chain.keyFiles[3]!;
        const { cli, out, exited } = lab.dvpn(
          [
            ...["connect", "--hops", "2", "--region", "NL", "--max-price-gib", "0.05", "--deposit", "5", "--up"],
            ...["--config", join(dir, `dv${tag}c.conf`), "--exit-key-file", exitKeyFile, "--json"],
          ],
          "state",
        );
        children.push(cli);
        const agentLogs = () =>
          ["agent0", "agent1"]
            .map((a) => `${a}: ${readFileSync(join(dir, a, "agent.log"), "utf8").slice(-1500)}`)
            .join("\n");
        // The client's uplink from the kill switch on (before it, the kernel's own IPv6 router solicitations go out).
        for (const deadline = Date.now() + 120_000; !/kill switch on/.test(out.stderr);) {
          assert.ok(Date.now() < deadline && cli.exitCode === null, `no kill switch; CLI: ${out.stderr}`);
          await sleep(50);
        }
        dumps.push(spawn(topo.client, "tcpdump", ["-i", `dv${tag}cp`, "-Q", "out", "-n", "-U", "-w", pcap("uplink")]));
        for (const deadline = Date.now() + 120_000; !/exit: tunnel \S+ up/.test(out.stderr);) {
          assert.ok(
            Date.now() < deadline && cli.exitCode === null,
            `the exit tunnel did not come up; CLI: ${out.stderr}\n${agentLogs()}`,
          );
          await sleep(100);
        }
        assert.match(
          out.stderr,
          new RegExp(`two hops: entry ${lab.entry.address} \\(DE\\), exit ${lab.exit.address} \\(NL\\)`),
        );

        // Through both tunnels: the destination sees the exit, the page arrives whole, names resolve at the exit.
        const fetchScript = (path: string) =>
          `(async () => { for (let i = 0; i < 40; i++) { try { const r = await fetch("http://${HOPS.internetAddress}:5280${path}"); const b = Buffer.from(await r.arrayBuffer()); process.stdout.write(${path === "/who" ? "b.toString()" : "String(b.length) + ' ' + String(b.includes('" + marker + "'))"}); return; } catch { await new Promise((w) => setTimeout(w, 250)); } } process.exit(1); })()`;
        const who = await topo.run(topo.client, "timeout", ["60", process.execPath, "-e", fetchScript("/who")]);
        assert.equal(
          who.replace(/^::ffff:/, ""),
          HOPS.exitToInternet,
          "the destination did not see the exit's address",
        );
        const page = await topo.run(topo.client, "timeout", ["120", process.execPath, "-e", fetchScript("/")]);
        assert.equal(page, `${PAGE_BYTES} true`, "the page did not arrive whole");
        assert.match(
          readFileSync(`/etc/netns/${topo.client}/resolv.conf`, "utf8"),
          new RegExp(`^nameserver ${lab.exit.agent.gateway.replace(/\./g, "\\.")}$`, "m"),
        );
        const resolved = await topo
          .run(topo.client, "timeout", ["20", "getent", "ahostsv4", "hops.dvpn.test"])
          .catch(() => "");
        assert.equal(
          resolved.split(/\s+/)[0],
          HOPS.internetAddress,
          `the exit's resolver did not answer; CLI: ${out.stderr.slice(-1500)}`,
        );
        const asked = dnsLog
          .filter((l) => l.startsWith("{"))
          .map((l) => JSON.parse(l) as { from: string; name: string });
        assert.deepEqual(
          [...new Set(asked.filter((q) => q.name === "hops.dvpn.test").map((q) => q.from))],
          [HOPS.exitToInternet],
        );

        // The kill switch: no TCP to the entry's underlay, nor to the exit's endpoint through the entry.
        assert.equal(await reaches(TOPOLOGY.providerToClient), false, "traffic left outside the tunnels");
        assert.equal(
          await reaches(HOPS.exitAddress),
          false,
          "the entry tunnel carried more than the exit's WireGuard flow",
        );

        // Let the vouchers catch up, then stop: each hop closes its own session.
        await sleep(6000);
        cli.kill("SIGINT");
        let timer: NodeJS.Timeout | undefined;
        const code = await Promise.race([
          exited,
          new Promise<null>((r) => (timer = setTimeout(() => r(null), 90_000))),
        ]).finally(() => clearTimeout(timer));
        assert.equal(code, 0, `the CLI did not end cleanly: ${out.stderr.slice(-3000)}`);
        for (const d of dumps) {
          d.kill("SIGINT");
          await new Promise((r) => d.once("exit", r));
        }

        // The entry never saw the destination or the plaintext; the internet saw only the exit.
        const count = async (ns: string, file: string, filter: string) =>
          Number(
            /(\d+) packets?/.exec(
              await topo.run(ns, "tcpdump", ["-r", file, "-n", "--count", ...(filter ? [filter] : [])]),
            )?.[1],
          );
        const entryPackets = await count(topo.provider, pcap("entry"), "");
        assert.ok(entryPackets > 10_000, `the entry's capture holds ${entryPackets} packets`);
        assert.equal(
          await count(topo.provider, pcap("entry"), `host ${HOPS.internetAddress}`),
          0,
          "the entry saw the destination",
        );
        assert.equal(readFileSync(pcap("entry")).includes(marker), false, "the entry saw the page in clear");
        const toDestination = await count(topo.internet, pcap("internet"), `tcp and dst host ${HOPS.internetAddress}`);
        assert.ok(toDestination > 1000, `the internet saw ${toDestination} packets to the destination`);
        assert.equal(
          await count(
            topo.internet,
            pcap("internet"),
            `dst host ${HOPS.internetAddress} and not src host ${HOPS.exitToInternet}`,
          ),
          0,
          "the destination was reached from another address than the exit's",
        );
        assert.equal(
          readFileSync(pcap("internet")).includes(marker),
          true,
          "the marker is not in the internet's capture",
        );
        const rpc = new URL(chain.url);
        const outside = await topo.run(topo.client, "tcpdump", [
          "-r",
          pcap("uplink"),
          "-n",
          `(ip or ip6) and not (udp and host ${TOPOLOGY.providerToClient} and port 51820) and not (tcp and host ${rpc.hostname} and port ${rpc.port})`,
        ]);
        assert.equal(
          outside.trim(),
          "",
          "the client's uplink carried more than the entry's WireGuard flow and the JSON-RPC",
        );

        // Each hop paid for its own interface's bytes, by its own account.
        const result = JSON.parse(out.stdout) as {
          sessions: { hop: string; sessionId: string; counter: string | null; usage: { bytes: string } | null }[];
        };
        const byHop = (hop: string) => {
          const s = result.sessions.filter((x) => x.hop === hop);
          assert.equal(s.length, 1, `${hop}: ${JSON.stringify(result.sessions)}`);
          return s[0]!;
        };
        const reader = labClient(chain, 2);
        const settled = async (sessionId: bigint) => {
          let s = await reader.getSession({ sessionId });
          for (const deadline = Date.now() + 30_000; s.status !== "Closed" && Date.now() < deadline;) {
            await sleep(250);
            s = await reader.getSession({ sessionId });
          }
          return s;
        };
        const counters: Record<string, bigint> = {};
        for (const [hop, payer] of [
          ["entry", chain.addresses[2]!],
          ["exit", chain.addresses[3]!],
        ] as const) {
          const row = byHop(hop);
          const s = await settled(BigInt(row.sessionId));
          const counter = BigInt(row.counter!);
          counters[hop] = counter;
          assert.equal(s.status, "Closed", `${hop} session ${row.sessionId} is ${s.status}`);
          assert.equal(s.client.toLowerCase(), payer.toLowerCase(), `${hop} paid by the wrong account`);
          const tolerance = LAB_TOLERANCE.bytes + (counter * BigInt(LAB_TOLERANCE.percent)) / 100n;
          assert.ok(
            s.claimedBytes + tolerance >= counter,
            `${hop}: claimed ${s.claimedBytes} for a counter of ${counter}`,
          );
          assert.ok(
            s.claimedBytes <= creditCap(counter, DEFAULT_CREDIT_POLICY),
            `${hop}: claimed ${s.claimedBytes} over the credit of ${counter}`,
          );
          process.stderr.write(
            `${hop}: session ${row.sessionId} claimed ${s.claimedBytes} bytes for an interface counter of ${counter}\n`,
          );
        }
        assert.ok(counters.exit! >= BigInt(PAGE_BYTES), "the exit's counter missed the page");
        assert.ok(counters.entry! > counters.exit!, "the entry's counter does not carry the exit's traffic");
      },
    );
  },
);
