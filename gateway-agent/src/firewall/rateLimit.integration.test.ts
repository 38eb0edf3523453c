/**
 * Fair sharing on a real data plane: two clients tunnelled (wireguard-go) to a provider whose
 * nftables table limits every peer to 20 Mbit/s each way. Both push at full speed (iperf3, one
 * with four streams) at once: after the first seconds (the kernel's one-second bucket) each
 * stays under its limit + 5 %, and the heavy one does not take the other below a fraction of its
 * own; a download is limited too. The figures are printed as test diagnostics; the lower bound
 * is generous on purpose (2-core machines). Skips, saying
 * why, without root, /dev/net/tun, wireguard-go, nft or iperf3.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { runCommand } from "../wireguard/exec.ts";
import { createExitLab, EXIT, type ExitClient, type ExitLab } from "../testing/exitLab.ts";
import { dataPlaneUnavailable } from "../testing/netns.ts";
import { createFirewall } from "./nftables.ts";

const LIMIT_MBIT = 20;
/** The sustained rate stays under the limit plus 5 % (iperf3 counts payload, ~4 % under the IP bytes the kernel meters). */
const MARGIN = 1.05;
const why = dataPlaneUnavailable(["nft", "iperf3"]);
if (why) console.log(`# rate-limit integration test skipped: ${why}`);

let lab: ExitLab;

before(async () => {
  if (why) return;
  lab = await createExitLab(2);
  await createFirewall({
    iface: lab.iface,
    netns: lab.provider,
    pool4: EXIT.pool4,
    pool6: EXIT.pool6,
    policy: { denyPorts: [], allowPorts: [], denyRanges: [], allowRanges: [] },
    rateLimitMbit: LIMIT_MBIT,
    maxConnections: 0,
    log: { info() {}, warn() {} },
  }).ensure();
  for (const port of [5301, 5302]) {
    lab.spawnIn(lab.internet, "iperf3", ["-s", "-p", String(port)]);
    await listening(lab.internet, port);
  }
});

after(async () => {
  if (lab) await lab.cleanup();
});

/** Waits (up to 10 s) until something listens on TCP `port` in `ns`. */
async function listening(ns: string, port: number): Promise<void> {
  for (let i = 0; i < 200; i++) {
    const out = await runCommand("ip", ["netns", "exec", ns, "ss", "-Hltn", `sport = :${port}`]);
    if (out.trim() !== "") return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`nothing listens on ${port} in ${ns}`);
}

/**
 * Seconds iperf3 leaves out at the start: in byte mode the kernel's bucket holds one second of
 * the rate (see render.ts), which a fresh peer may send at full speed before it is held to it.
 */
const OMIT_S = 2;
const RUN_S = 6;

/** Mbit/s the receiver counted after the first {@link OMIT_S} seconds (the sustained rate). */
async function iperf(c: ExitClient, port: number, extra: string[]): Promise<number> {
  const args = ["-c", EXIT.internet4, "-p", String(port), "-t", String(RUN_S), "-O", String(OMIT_S), "-J"];
  const out = await c.exec("iperf3", [...args, ...extra], 60_000);
  const r = JSON.parse(out) as { end: { sum_received: { bits_per_second: number } } };
  return r.end.sum_received.bits_per_second / 1e6;
}

test(
  "a client pushing at full speed is slowed to its limit and leaves the other its share",
  { skip: why },
  async () => {
    const [a, b] = [lab.clients[0]!, lab.clients[1]!];
    const [heavy, light] = await Promise.all([iperf(a, 5301, ["-P", "4"]), iperf(b, 5302, [])]);
    console.log(
      `# upload at once, limit ${LIMIT_MBIT} Mbit/s: heavy (4 streams) ${heavy.toFixed(1)}, light ${light.toFixed(1)} Mbit/s sustained`,
    );
    assert.ok(heavy > 0 && heavy < MARGIN * LIMIT_MBIT, `heavy client ${heavy} Mbit/s`);
    assert.ok(light < MARGIN * LIMIT_MBIT, `light client ${light} Mbit/s`);
    assert.ok(light > 0.3 * LIMIT_MBIT, `the light client kept ${light} Mbit/s of its ${LIMIT_MBIT}`);
  },
);

test("a download is limited too (slowed, the connection stays up)", { skip: why }, async () => {
  const down = await iperf(lab.clients[0]!, 5301, ["-R"]);
  console.log(`# download, limit ${LIMIT_MBIT} Mbit/s: ${down.toFixed(1)} Mbit/s sustained`);
  assert.ok(down > 0 && down < MARGIN * LIMIT_MBIT, `download ${down} Mbit/s`);
});
