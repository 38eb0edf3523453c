/**
 * The agent's nftables table on a real data plane: wireguard-go in network namespaces, real
 * nftables. A client's traffic reaches an "internet" namespace that has no route back to the
 * tunnel pool (so only the masquerade brings answers back), IPv4 and IPv6; the exit policy
 * refuses port 25 and a denied range while other ports pass; the table is repaired when edited
 * by hand, never touches another table, and is removed on uninstall. Skips, saying why, without
 * root, /dev/net/tun, wireguard-go or nft.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { runCommand } from "../wireguard/exec.ts";
import { createExitLab, EXIT, type ExitLab } from "../testing/exitLab.ts";
import { dataPlaneUnavailable } from "../testing/netns.ts";
import { createFirewall, type Firewall } from "./nftables.ts";
import { DEFAULT_DENY_RANGES, parsePorts, parseRanges } from "./policy.ts";

const why = dataPlaneUnavailable(["nft"]);
if (why) console.log(`# nftables integration test skipped: ${why}`);

let lab: ExitLab;
let fw: Firewall;
const silent = { info() {}, warn() {} };

before(async () => {
  if (why) return;
  lab = await createExitLab(1);
  await lab.serve([25, 80, 8080, "9000:hold"]);
  fw = createFirewall({ ...fwParams(), log: silent });
});

after(async () => {
  if (lab) await lab.cleanup();
});

const nftIn = (ns: string, args: string[], stdin?: string) =>
  runCommand("ip", ["netns", "exec", ns, "nft", ...args], stdin === undefined ? {} : { stdin });

test("without the table nothing comes back: the internet has no route to the tunnel pool", { skip: why }, async () => {
  await runCommand("ip", ["netns", "exec", lab.provider, "sysctl", "-q", "-w", "net.ipv4.ip_forward=1"]);
  const r = await lab.probe(lab.clients[0]!, EXIT.internet4, 80);
  assert.equal(r.ok, false);
});

test("a client's traffic reaches the internet through the masquerade, IPv4 and IPv6", { skip: why }, async () => {
  assert.equal(await fw.ensure(), true);
  const c = lab.clients[0]!;
  assert.deepEqual(await lab.probe(c, EXIT.internet4, 80), { ok: true, seen: EXIT.provider4 });
  assert.deepEqual(await lab.probe(c, EXIT.internet6, 8080), { ok: true, seen: EXIT.provider6 });
});

test("the exit policy refuses port 25 and a denied range at once; other ports pass", { skip: why }, async () => {
  const c = lab.clients[0]!;
  assert.deepEqual(await lab.probe(c, EXIT.internet4, 25), { ok: false, code: "ECONNREFUSED" });
  assert.deepEqual(await lab.probe(c, EXIT.internet6, 25), { ok: false, code: "ECONNREFUSED" });
  const denied = await lab.probe(c, EXIT.other4, 80);
  assert.equal(denied.ok, false);
  assert.notEqual(denied.code, "ETIMEDOUT", "a denied range is refused (ICMP), not left to time out");
  assert.equal((await lab.probe(c, EXIT.internet4, 8080)).ok, true);
});

test("a client cannot hold more connections than the cap; closing them frees it", { skip: why }, async () => {
  const c = lab.clients[0]!;
  const r = await lab.hold(c, EXIT.internet4, 9000, 80);
  console.log(`# 80 connections at once, cap 64: ${r.opened} opened, ${r.failed} refused`);
  assert.ok(r.opened <= 64 && r.opened >= 48, `opened ${r.opened} of 80 with a cap of 64`);
  assert.ok(r.failed >= 16, `refused ${r.failed}`);
  assert.equal((await lab.probe(c, EXIT.internet4, 80)).ok, true, "new connections pass once the held ones closed");
});

test("reconcile: unchanged table left alone, a hand edit repaired, other tables untouched", { skip: why }, async () => {
  await nftIn(
    lab.provider,
    ["-f", "-"],
    "table inet operator_own {\n chain input { type filter hook input priority 10; }\n}\n",
  );
  assert.equal(await fw.ensure(), false, "nothing to do when the table is as written");
  await nftIn(lab.provider, ["flush", "chain", "inet", fw.table, "from_peers"]);
  const c = lab.clients[0]!;
  assert.equal((await lab.probe(c, EXIT.internet4, 25)).ok, true, "the hand edit opened port 25");
  assert.equal(await fw.ensure(), true, "the drift is seen and the table rewritten");
  assert.deepEqual(await lab.probe(c, EXIT.internet4, 25), { ok: false, code: "ECONNREFUSED" });
  const tables = await nftIn(lab.provider, ["list", "tables"]);
  assert.match(tables, /table inet operator_own/);
  // A new owner (agent restart) with the same configuration adopts the table.
  const again = createFirewall({ ...fwParams(), log: silent });
  assert.equal(await again.ensure(), false);
});

test("uninstall removes only the agent's table", { skip: why }, async () => {
  await fw.remove();
  const tables = await nftIn(lab.provider, ["list", "tables"]);
  assert.doesNotMatch(tables, new RegExp(fw.table));
  assert.match(tables, /table inet operator_own/);
  assert.equal((await lab.probe(lab.clients[0]!, EXIT.internet4, 80)).ok, false);
});

function fwParams() {
  return {
    iface: lab.iface,
    netns: lab.provider,
    pool4: EXIT.pool4,
    pool6: EXIT.pool6,
    policy: {
      denyPorts: parsePorts("exitDenyPorts", "25,6881-6889"),
      allowPorts: [],
      denyRanges: parseRanges("exitDenyRanges", `${DEFAULT_DENY_RANGES},203.0.113.0/24`),
      allowRanges: [],
    },
    rateLimitMbit: 0,
    maxConnections: 64,
  };
}
