/**
 * No leaks, as users run it: `dvpn connect --up` (full tunnel, the defaults) in a client namespace
 * that has a LAN resolver (on the provider's underlay address) and IPv6 on its uplink, against
 * the real gateway agent with its firewall (NAT v4 and v6) and its DNS forwarder, whose upstream
 * is a stand-in resolver in the "internet" namespace, so nothing leaves the machine.
 * While connected: the client's resolver file names the gateway, names resolve through the
 * tunnel (UDP and TCP) and the upstream sees the provider's address asking; the LAN resolver is
 * unreachable and hears nothing; IPv6 goes through the tunnel to the internet (NATed by the
 * provider) and not around it; the forwarder refuses a query from outside the tunnel. A capture
 * of the client's uplink from the kill switch on to after a SIGKILL of the client holds only
 * the WireGuard flow and the JSON-RPC: no port 53, no IPv6. `dvpn disconnect` puts the resolver
 * file back byte for byte. Then lockdown: after Ctrl-C the kill switch stays, `dvpn status` says
 * so, `dvpn disconnect` keeps it, a run after a (simulated) reboot closes it again before opening a
 * session, and only `dvpn unlock` lifts it.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFileSync, type ChildProcess } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { dataPlaneUnavailableReason, TOPOLOGY, type Topology, type AgentService } from "../../../test/kit/dataPlane.ts";
import type { CliChain } from "../../test/cliChain.ts";
import { startClientLab } from "../../test/clientUplink.ts";
import { startLabProvider } from "../../test/labProvider.ts";

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
  (await dataPlaneUnavailableReason()) ?? (has("nft") ? undefined : "nft is missing (apt-get install -y nftables)");
const hasTcpdump = has("tcpdump");

/** IPv6 on the lab's underlay (the demo topology is IPv4 only). */
const V6 = {
  providerToClient: "fd99:2::1",
  client: "fd99:2::2",
  providerToInternet: "fd99:1::1",
  internet: "fd99:1::2",
};
const LAN_ANSWER = "198.51.100.7";
const ORIGINAL_RESOLV = "nameserver 10.99.2.1\noptions timeout:1 attempts:2\n";

/** A DNS query from the client namespace: `{ rcode, ip }` of the answer, or undefined without one. */
const DNS_SCRIPT = `
const [server, name, transport] = process.argv.slice(1);
const q = Buffer.concat([Buffer.from([0x42, 0x42, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0]),
  ...name.split(".").map((l) => Buffer.concat([Buffer.from([l.length]), Buffer.from(l)])), Buffer.from([0, 0, 1, 0, 1])]);
const done = (m) => { const rc = m.readUInt16BE(2) & 15; const an = m.readUInt16BE(6);
  console.log(JSON.stringify({ rcode: rc, ip: an ? [...m.subarray(-4)].join(".") : null })); process.exit(0); };
setTimeout(() => process.exit(1), 3000);
if (transport === "tcp") {
  const s = require("net").connect(53, server, () => { const l = Buffer.alloc(2); l.writeUInt16BE(q.length); s.write(Buffer.concat([l, q])); });
  let b = Buffer.alloc(0);
  s.on("data", (d) => { b = Buffer.concat([b, d]); if (b.length >= 2 && b.length >= 2 + b.readUInt16BE(0)) done(b.subarray(2)); });
  s.on("error", () => process.exit(1));
} else {
  const s = require("dgram").createSocket(server.includes(":") ? "udp6" : "udp4");
  s.on("message", done); s.on("error", () => process.exit(1)); s.send(q, 53, server);
}`;

describe("dvpn connect --up leaks no DNS and no IPv6 (real agent, network namespaces)", { skip: unavailable }, () => {
  let topo: Topology;
  let chain: CliChain;
  let agent: AgentService | undefined;
  let dir: string;
  const tag = `sn${process.pid % 100000}`;
  const children: ChildProcess[] = [];

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "dvpn-dns-"));
    ({ topo, chain } = await startClientLab(tag, 2));
    const add6 = (ns: string, address: string, dev: string) =>
      topo.run(ns, "ip", ["-6", "addr", "add", `${address}/64`, "dev", dev, "nodad"]);
    await add6(topo.provider, V6.providerToClient, `dv${tag}pc`);
    await add6(topo.client, V6.client, `dv${tag}cp`);
    await add6(topo.provider, V6.providerToInternet, `dv${tag}pi`);
    await add6(topo.internet, V6.internet, `dv${tag}ip`);
    // The client's ISP routes IPv6 (in the clear, through the provider's namespace) to the internet.
    await topo.run(topo.client, "ip", ["-6", "route", "add", "default", "via", V6.providerToClient]);
    await topo.run(topo.internet, "ip", ["-6", "route", "add", "fd99:2::/64", "via", V6.providerToInternet]);
    await topo.run(topo.provider, "sysctl", ["-q", "-w", "net.ipv6.conf.all.forwarding=1"]);
    // The client's own resolver: `ip netns exec` shows this file as /etc/resolv.conf (removed with the topology).
    mkdirSync(`/etc/netns/${topo.client}`, { recursive: true });
    writeFileSync(`/etc/netns/${topo.client}/resolv.conf`, ORIGINAL_RESOLV);
  });
  after(async () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
    await agent?.stop();
    await topo?.destroy();
    await chain?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it(
    "resolves through the gateway, and nothing on port 53 or IPv6 leaves outside the tunnel",
    { timeout: 400_000 },
    async () => {
      const spawnLogged = (ns: string, args: string[]) => {
        const child = topo.spawn(ns, process.execPath, args);
        children.push(child);
        const lines: string[] = [];
        createInterface({ input: child.stdout! }).on("line", (l) => lines.push(l));
        return lines;
      };
      const waitFor = async (what: string, ok: () => boolean, ms = 90_000) => {
        for (const deadline = Date.now() + ms; !ok();) {
          assert.ok(Date.now() < deadline, `timed out waiting for ${what}`);
          await new Promise((r) => setTimeout(r, 100));
        }
      };
      // The upstream resolver on the internet, the LAN resolver on the provider's underlay addresses.
      const upstreamLog = spawnLogged(topo.internet, [
        join(root, "sdk/test/tinyDns.ts"),
        TOPOLOGY.internetAddress,
        TOPOLOGY.internetAddress,
      ]);
      const lanLog = spawnLogged(topo.provider, [
        join(root, "sdk/test/tinyDns.ts"),
        LAN_ANSWER,
        TOPOLOGY.providerToClient,
        V6.providerToClient,
      ]);
      // A service on the internet that says who reached it, and a probe target on the provider's underlay.
      const whoServer = 'require("net").createServer((c) => c.end(c.remoteAddress)).listen(5203, "::")';
      children.push(topo.spawn(topo.internet, process.execPath, ["-e", whoServer]));
      children.push(
        topo.spawn(topo.provider, process.execPath, [
          "-e",
          'require("net").createServer((c) => c.end("x")).listen(5202, "::")',
        ]),
      );
      await waitFor("the resolvers", () => upstreamLog.includes("ready") && lanLog.includes("ready"));
      const queried = (log: string[], name: string) =>
        log
          .filter((l) => l.startsWith("{"))
          .map((l) => JSON.parse(l) as { from: string; name: string; transport: string })
          .filter((q) => q.name === name);

      const dns = async (ns: string, server: string, name: string, transport: "udp" | "tcp" = "udp") =>
        topo.run(ns, process.execPath, ["-e", DNS_SCRIPT, server, name, transport]).then(
          (out) => JSON.parse(out) as { rcode: number; ip: string | null },
          () => undefined,
        );
      const resolveName = async (name: string) =>
        topo.run(topo.client, "timeout", ["20", "getent", "ahostsv4", name]).then(
          (out) => out.split(/\s+/)[0],
          () => undefined,
        );
      const tcpSays = async (address: string, port: number) => {
        const script = `const s = require("net").connect(${port}, "${address}"); let d = ""; s.setTimeout(2500, () => process.exit(1)); s.on("data", (x) => (d += x)); s.on("end", () => (console.log(d), process.exit(0))); s.on("error", () => process.exit(1));`;
        return topo.run(topo.client, process.execPath, ["-e", script]).then(
          (out) => out.trim(),
          () => undefined,
        );
      };

      // Without the VPN, each path this test watches works (so "blocked" below means something).
      assert.equal(await resolveName("before.dvpn.test"), LAN_ANSWER);
      let v6 = await tcpSays(V6.internet, 5203);
      for (let i = 0; i < 20 && v6 === undefined; i++) {
        await new Promise((r) => setTimeout(r, 250));
        v6 = await tcpSays(V6.internet, 5203);
      }
      assert.equal(v6, V6.client, "IPv6 to the internet does not work without the tunnel");
      assert.equal(await tcpSays(TOPOLOGY.providerToClient, 5202), "x");

      // Forwarding and NAT v4/v6 by the agent; the lab's "internet" is a private range, so allow it.
      const lab = await startLabProvider({
        topology: topo,
        chain,
        i: 0,
        iface: `dv${tag}w`,
        dir,
        extraArgs: [
          "--firewall",
          "true",
          "--exit-deny-ranges",
          "192.0.2.0/24",
          "--dns-upstream",
          TOPOLOGY.internetAddress,
        ],
      });
      agent = lab.agent;
      const provider = lab.client;
      const agentLog = () => readFileSync(join(dir, "agent0/agent.log"), "utf8").slice(-2000);

      const stateDir = join(dir, "state");
      const cliEnv = {
        PATH: process.env.PATH ?? "",
        HOME: process.env.HOME ?? "/tmp",
        DVPN_RPC_URL: chain.url,
        DVPN_DEPLOYMENTS_DIR: chain.dir,
        DVPN_PRIVATE_KEY: chain.keys[1]!,
        DVPN_STATE_DIR: stateDir,
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
      const connect = (extra: string[]) => {
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
            "--config",
            join(dir, `dv${tag}c.conf`),
            "--json",
            ...extra,
          ],
          { env: cliEnv },
        );
        children.push(cli);
        const run = { cli, stderr: "", exited: new Promise<number | null>((resolve) => cli.on("close", resolve)) };
        cli.stderr!.on("data", (d: Buffer) => (run.stderr += d.toString()));
        return run;
      };
      const resolvConf = () => topo.run(topo.client, "cat", ["/etc/resolv.conf"]);

      // The gateway of the agent's pool (derived from its account), as a regular expression.
      const gw = lab.agent.gateway.replace(/\./g, "\\.");
      const first = connect([]);
      await waitFor("the kill switch", () => /kill switch on/.test(first.stderr) || first.cli.exitCode !== null);
      // Capture the client's uplink from the kill switch on until after the client is killed.
      const capture = join(dir, "uplink.pcap");
      const tcpdump = hasTcpdump
        ? topo.spawn(topo.client, "tcpdump", ["-i", `dv${tag}cp`, "-Q", "out", "-n", "-U", "-w", capture], {
            stdio: "ignore",
          })
        : undefined;
      if (tcpdump) children.push(tcpdump);
      await new Promise((r) => setTimeout(r, 500));

      await waitFor(
        "the tunnel and its DNS",
        () => new RegExp(`DNS: \\S+ asks ${gw} through the tunnel`).test(first.stderr) || first.cli.exitCode !== null,
      );
      assert.equal(first.cli.exitCode, null, `the CLI stopped: ${first.stderr}; agent: ${agentLog()}`);
      assert.match(await resolvConf(), new RegExp(`^nameserver ${gw}$`, "m"));

      // Names resolve through the gateway's forwarder, which asks the upstream from the provider.
      assert.equal(await resolveName("exit.dvpn.test"), TOPOLOGY.internetAddress, `agent: ${agentLog()}`);
      assert.deepEqual(
        queried(upstreamLog, "exit.dvpn.test").map((q) => q.from),
        [TOPOLOGY.providerToInternet],
        "the upstream was not asked by the provider",
      );
      assert.deepEqual(await dns(topo.client, lab.agent.gateway, "tcp.dvpn.test", "tcp"), {
        rcode: 0,
        ip: TOPOLOGY.internetAddress,
      });
      assert.equal(queried(upstreamLog, "tcp.dvpn.test")[0]?.transport, "tcp");
      // The LAN resolver cannot be reached (v4 or v6) and heard nothing.
      assert.equal(await dns(topo.client, TOPOLOGY.providerToClient, "leak.dvpn.test"), undefined);
      assert.equal(await dns(topo.client, V6.providerToClient, "leak6.dvpn.test"), undefined);
      assert.equal(await dns(topo.client, TOPOLOGY.providerToClient, "leaktcp.dvpn.test", "tcp"), undefined);
      for (const name of ["exit.dvpn.test", "leak.dvpn.test", "leak6.dvpn.test", "leaktcp.dvpn.test"]) {
        assert.deepEqual(queried(lanLog, name), [], `the LAN resolver was asked for ${name}`);
      }
      // Someone outside the tunnel asking the gateway's resolver is refused.
      assert.equal((await dns(topo.internet, lab.agent.gateway, "outsider.dvpn.test"))?.rcode, 5);
      assert.deepEqual(queried(upstreamLog, "outsider.dvpn.test"), []);
      // IPv6 goes through the tunnel (the internet sees the provider's address), not around it.
      assert.equal(await tcpSays(V6.internet, 5203), V6.providerToInternet);
      assert.equal(await tcpSays(V6.providerToClient, 5202), undefined, "IPv6 left outside the tunnel");
      assert.equal(await tcpSays(TOPOLOGY.providerToClient, 5202), undefined, "IPv4 left outside the tunnel");
      const status = await dvpn(["status"]);
      assert.equal(status.dns, lab.agent.gateway, JSON.stringify(status));
      assert.equal(status.killSwitch, true);

      // A crash keeps the tunnel's resolver (and the kill switch) until the next command.
      const state = JSON.parse(readFileSync(join(stateDir, "connection.json"), "utf8")) as { pid: number };
      process.kill(state.pid, "SIGKILL");
      await first.exited;
      assert.match(await resolvConf(), new RegExp(`^nameserver ${gw}$`, "m"));
      assert.equal(await dns(topo.client, TOPOLOGY.providerToClient, "crash.dvpn.test"), undefined);
      if (tcpdump) {
        tcpdump.kill("SIGINT");
        await new Promise((r) => tcpdump.once("exit", r));
        const read = (filter: string) => topo.run(topo.client, "tcpdump", ["-r", capture, "-n", filter]);
        const all = Number(
          /(\d+) packets?/.exec(await topo.run(topo.client, "tcpdump", ["-r", capture, "--count"]))?.[1],
        );
        const rpc = new URL(chain.url);
        assert.ok(all > 20, `the capture saw ${all} packets`);
        assert.equal((await read("port 53")).trim(), "", "DNS on the uplink");
        assert.equal((await read("ip6")).trim(), "", "IPv6 on the uplink");
        assert.equal(
          (
            await read(
              `(ip or ip6) and not (udp and host ${TOPOLOGY.providerToClient} and port 51820) and not (tcp and host ${rpc.hostname} and port ${rpc.port})`,
            )
          ).trim(),
          "",
          "packets outside the tunnel's flow",
        );
      }

      // The next command puts the resolver file back byte for byte and lifts the kill switch.
      const gone = await dvpn(["disconnect"]);
      assert.equal(gone.action, "closed", JSON.stringify(gone));
      assert.equal(await resolvConf(), ORIGINAL_RESOLV);
      assert.equal(await resolveName("after.dvpn.test"), LAN_ANSWER);
      assert.equal(await tcpSays(TOPOLOGY.providerToClient, 5202), "x");

      // Lockdown: Ctrl-C ends the connection but not the kill switch; only `dvpn unlock` does.
      const second = connect(["--lockdown"]);
      await waitFor(
        "the lockdown tunnel",
        () => new RegExp(`DNS: \\S+ asks ${gw}`).test(second.stderr) || second.cli.exitCode !== null,
      );
      assert.equal(second.cli.exitCode, null, `the CLI stopped: ${second.stderr}`);
      assert.equal(await resolveName("locked.dvpn.test"), TOPOLOGY.internetAddress);
      second.cli.kill("SIGINT");
      assert.equal(await second.exited, 0, second.stderr);
      assert.match(second.stderr, /lockdown: the kill switch stays on; `dvpn unlock` lifts it/);
      assert.equal(await resolvConf(), ORIGINAL_RESOLV);
      assert.equal(await tcpSays(TOPOLOGY.providerToClient, 5202), undefined, "lockdown let traffic out");
      assert.equal(await tcpSays(V6.internet, 5203), undefined, "lockdown let IPv6 out");
      assert.deepEqual(await dvpn(["status"]), { connected: false, lockdown: true });
      assert.deepEqual(await dvpn(["disconnect"]), { disconnected: false });
      assert.equal(await tcpSays(TOPOLOGY.providerToClient, 5202), undefined, "disconnect lifted the lockdown");
      // A reboot empties nftables; lockdown is sticky: the next connect (no flag) closes the switch before it opens a session.
      await topo.run(topo.client, "nft", ["delete", "table", "inet", "dvpn_client"]);
      assert.equal(await tcpSays(TOPOLOGY.providerToClient, 5202), "x");
      const third = connect([]);
      await waitFor(
        "the tunnel after the reboot",
        () => new RegExp(`DNS: \\S+ asks ${gw}`).test(third.stderr) || third.cli.exitCode !== null,
      );
      assert.equal(third.cli.exitCode, null, `the CLI stopped: ${third.stderr}`);
      const reclosed = third.stderr.indexOf("lockdown: the kill switch was gone");
      const opened = third.stderr.search(/session \d+ opened/);
      assert.ok(reclosed >= 0 && opened > reclosed, third.stderr);
      third.cli.kill("SIGINT");
      assert.equal(await third.exited, 0, third.stderr);
      assert.equal(await tcpSays(TOPOLOGY.providerToClient, 5202), undefined, "lockdown did not stay after the reboot");
      assert.deepEqual(await dvpn(["unlock"]), { unlocked: true, wasLockedDown: true });
      assert.equal(await tcpSays(TOPOLOGY.providerToClient, 5202), "x");
      assert.deepEqual(await dvpn(["status"]), { connected: false });
    },
  );
});
