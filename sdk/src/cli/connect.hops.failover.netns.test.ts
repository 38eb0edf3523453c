/**
 * Failover per hop, as users run it: `dvpn connect --hops 2 --region NL --up --grace 5` in the
 * two-hop lab with a spare exit (NL) and a spare entry (US). The first exit's agent and its
 * wireguard-go are killed: the entry session stays and a session with the spare exit opens, carried
 * by the same entry. Then the first entry's are killed: the exit session stays (its WireGuard
 * re-handshakes through the new entry) and a session with the spare entry opens. The destination
 * answers through each pair, the kill switch holds throughout (nothing reaches the entry's
 * underlay by TCP), and Ctrl-C closes the live sessions: two per hop in the CLI's result.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import type { ChildProcess } from "node:child_process";
import { join } from "node:path";
import { dataPlaneUnavailableReason, TOPOLOGY } from "../../../test/kit/dataPlane.ts";
import { killByInterface } from "../../test/failoverLab.ts";
import { HOPS, startTwoHopLab, type TwoHopLab } from "../../test/twoHopLab.ts";

const unavailable = await dataPlaneUnavailableReason();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("dvpn connect --hops 2 fails over per hop (real agents, network namespaces)", { skip: unavailable }, () => {
  let lab: TwoHopLab;
  const tag = `sf${process.pid % 100000}`;
  const children: ChildProcess[] = [];

  before(async () => {
    lab = await startTwoHopLab(tag, { spares: true });
  });
  after(async () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
    await lab?.stop();
  });

  it(
    "replaces a dead exit under the same entry, and a dead entry under the same exit",
    { timeout: 400_000 },
    async () => {
      const { topo, chain, exitNs, dir } = lab;
      const server = topo.spawn(topo.internet, process.execPath, [
        "-e",
        `require("http").createServer((q, r) => r.end(q.socket.remoteAddress)).listen(5280, "${HOPS.internetAddress}")`,
      ]);
      children.push(server);
      children.push(
        topo.spawn(topo.provider, process.execPath, [
          "-e",
          'require("net").createServer((c) => c.end("x")).listen(5202, "0.0.0.0")',
        ]),
      );
      const who = () =>
        topo.run(topo.client, "timeout", [
          "60",
          process.execPath,
          "-e",
          `(async () => { for (let i = 0; i < 200; i++) { try { const r = await fetch("http://${HOPS.internetAddress}:5280/", { signal: AbortSignal.timeout(1000) }); process.stdout.write(await r.text()); return; } catch { await new Promise((w) => setTimeout(w, 250)); } } process.exit(1); })()`,
        ]);
      const leaks = () =>
        topo
          .run(topo.client, process.execPath, [
            "-e",
            `const s = require("net").connect(5202, "${TOPOLOGY.providerToClient}"); s.setTimeout(1500, () => process.exit(1)); s.on("data", () => process.exit(0)); s.on("error", () => process.exit(1));`,
          ])
          .then(
            () => true,
            () => false,
          );
      const { cli, out, exited } = lab.dvpn(
        [
          ...["connect", "--hops", "2", "--region", "NL", "--max-price-gib", "0.1", "--deposit", "5", "--up"],
          ...["--config", join(dir, `dv${tag}c.conf`), "--grace", "5", "--dns", "none", "--json"],
        ],
        "state",
      );
      children.push(cli);
      const ups = (hop: string) =>
        out.stderr.split("\n").filter((l) => new RegExp(`^${hop}: tunnel \\S+ up`).test(l)).length;
      const waitUps = async (hop: string, n: number) => {
        for (const deadline = Date.now() + 150_000; ups(hop) < n;) {
          assert.ok(
            Date.now() < deadline && cli.exitCode === null,
            `${hop} tunnel #${n} did not come up; CLI: ${out.stderr}`,
          );
          if (/kill switch on/.test(out.stderr)) assert.equal(await leaks(), false, "traffic left outside the tunnels");
          await sleep(500);
        }
      };
      await waitUps("exit", 1);
      assert.equal((await who()).replace(/^::ffff:/, ""), HOPS.exitToInternet);

      // The exit dies: the entry stays, the spare exit comes in through it.
      assert.ok(killByInterface(exitNs, `dv${tag}wx`) > 0, "found no process of the first exit");
      await waitUps("exit", 2);
      assert.match(out.stderr, new RegExp(`exit: session \\d+ opened with ${lab.spareExit!.address}`));
      assert.doesNotMatch(out.stderr, /entry: leaving/, "the entry was left when the exit died");
      assert.equal((await who()).replace(/^::ffff:/, ""), HOPS.exitToInternet);

      // The entry dies: the exit session stays, the spare entry (another region than the exit's) carries it.
      const exitLeavesBefore = out.stderr.split("exit: leaving").length;
      assert.ok(killByInterface(topo.provider, `dv${tag}we`) > 0, "found no process of the first entry");
      await waitUps("entry", 2);
      assert.match(out.stderr, new RegExp(`entry: session \\d+ opened with ${lab.spareEntry!.address}`));
      assert.equal((await who()).replace(/^::ffff:/, ""), HOPS.exitToInternet);
      assert.equal(out.stderr.split("exit: leaving").length, exitLeavesBefore, "the exit was left when the entry died");

      cli.kill("SIGINT");
      let timer: NodeJS.Timeout | undefined;
      const code = await Promise.race([
        exited,
        new Promise<null>((r) => (timer = setTimeout(() => r(null), 90_000))),
      ]).finally(() => clearTimeout(timer));
      assert.equal(code, 0, `the CLI did not end cleanly: ${out.stderr.slice(-3000)}`);
      const result = JSON.parse(out.stdout) as { sessions: { hop: string; provider: string; left: string }[] };
      const of = (hop: string) =>
        result.sessions.filter((s) => s.hop === hop).map((s) => [s.provider.toLowerCase(), s.left]);
      assert.deepEqual(of("entry"), [
        [lab.entry.address.toLowerCase(), "unreachable"],
        [lab.spareEntry!.address.toLowerCase(), "stopped"],
      ]);
      assert.deepEqual(of("exit"), [
        [lab.exit.address.toLowerCase(), "unreachable"],
        [lab.spareExit!.address.toLowerCase(), "stopped"],
      ]);
    },
  );
});
