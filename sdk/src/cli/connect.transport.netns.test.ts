/**
 * A transport a censor cannot single out, as users meet it (sdk/test/transportLab.ts): one
 * provider whose real agent runs wireguard-go and the V2Ray transport server, its offer published
 * on chain, and a censor namespace on the client's link that drops WireGuard handshake
 * initiations by their payload and every other UDP datagram (sdk/test/censor.ts).
 * - `--transport wireguard`: no handshake ever completes, the censor's handshake rule counts the
 *   client's attempts, and the client leaves the provider as unreachable.
 * - `--transport auto`: no handshake within the bound, so the client falls back to the provider's
 *   v2ray transport (its kill switch now lets out TCP 443 to the provider instead of UDP); a
 *   full-speed iperf3 download passes and is paid: the agent never cuts the session, the
 *   vouchers reach its meter within its tolerance and the chain's claim covers them.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { dataPlaneUnavailableReason } from "../../../test/kit/dataPlane.ts";
import { priceUsage } from "../vouchers/usage.ts";
import { LAB_TOLERANCE, startTransportLab, type TransportLab } from "../../test/transportLab.ts";

const unavailable =
  (await dataPlaneUnavailableReason()) ??
  (await import("node:child_process")
    .then(({ execFileSync }) => execFileSync("sh", ["-c", "command -v iperf3 && command -v nft && command -v v2ray"]))
    .then(
      () => undefined,
      () => "iperf3, nft or v2ray is missing (apt-get install -y iperf3 nftables v2ray)",
    ));
const TRANSFER_SECONDS = 10;

describe("dvpn connect behind a censor (real agent, v2ray, network namespaces)", { skip: unavailable }, () => {
  let lab: TransportLab;
  const tag = `tc${process.pid % 100000}`;

  before(async () => {
    lab = await startTransportLab({ tag, censor: true });
  });
  after(async () => {
    await lab?.stop();
  });

  it("publishes the agent's offer, which the chain returns", async () => {
    const offer = await lab.providerClient.getTransport({ provider: lab.provider });
    assert.equal(offer?.kind, "v2ray");
    assert.equal(offer?.port, 443);
    assert.deepEqual(lab.published.transport, offer);
  });

  it("plain WireGuard gets no handshake through the censor", { timeout: 240_000 }, async () => {
    const before = await lab.censor!.counters();
    const run = lab.connect(["--transport", "wireguard", "--no-failover", "--grace", "5"]);
    await run.waitFor(/tunnel \S+ up/, 90_000);
    let handshakes = 0;
    for (let i = 0; i < 40 && run.child.exitCode === null; i++) {
      const out = await lab.topo.run(lab.topo.client, "wg", ["show", `dv${tag}c`, "latest-handshakes"]).catch(() => "");
      handshakes += out
        .split("\n")
        .filter((l) => l.trim())
        .filter((l) => Number(l.split("\t")[1]) > 0).length;
      await new Promise((r) => setTimeout(r, 500));
    }
    const code = await Promise.race([run.exited, new Promise<null>((r) => setTimeout(() => r(null), 120_000))]);
    if (code === null) await run.stop();
    const why = `CLI stderr: ${run.stderr().slice(-3000)}`;
    assert.equal(handshakes, 0, "a WireGuard handshake got through the censor");
    const after = await lab.censor!.counters();
    assert.ok(after.handshakes > before.handshakes, `the censor dropped no handshake: ${JSON.stringify(after)}`);
    assert.equal(code, 3, why);
    const result = JSON.parse(run.stdout()) as { ended: string };
    assert.equal(result.ended, "unreachable", why);
    // The kill switch stayed (nothing leaves outside a tunnel); disconnect closes the session and lifts it.
    const gone = await lab.disconnect();
    assert.match(String(gone.action), /closed|none/, JSON.stringify(gone));
  });

  it(
    "auto falls back to the v2ray transport, which carries a full-speed transfer and is paid",
    { timeout: 300_000 },
    async () => {
      const before = await lab.censor!.counters();
      const run = lab.connect(["--transport", "auto", "--handshake-timeout", "3", "--no-failover"]);
      await run.waitFor(/falling back to its v2ray transport/, 90_000);
      await run.waitFor(/transport: v2ray/, 30_000);
      await run.waitFor(/tunnel \S+ up/, 30_000);
      const why = () => `CLI stderr: ${run.stderr().slice(-3000)}\nagent: ${lab.agentLog().slice(-1500)}`;
      const after = await lab.censor!.counters();
      assert.ok(after.handshakes > before.handshakes, "plain WireGuard was not tried (and dropped) first");
      // The kill switch lets out TCP 443 to the provider, no longer its WireGuard UDP port.
      const rules = await lab.topo.run(lab.topo.client, "nft", ["list", "table", "inet", "dvpn_client"]);
      assert.match(rules, /ip daddr 10\.99\.2\.1 tcp dport 443 accept/);
      assert.doesNotMatch(rules, /udp dport 51820/);

      const transfer = await lab.iperf(TRANSFER_SECONDS).catch((err: Error) => {
        throw new Error(`iperf3 through the transport failed (${err.message.split("\n")[0]}); ${why()}`);
      });
      process.stderr.write(
        `iperf3 through v2ray: ${transfer.bytes} bytes at ${(transfer.bitsPerSecond / 1e6).toFixed(0)} Mbit/s\n`,
      );
      assert.ok(transfer.bytes > 10 << 20, `only ${transfer.bytes} bytes passed`);

      // Paid: the vouchers reach the agent's meter within its tolerance (bounded wait).
      let metered = 0n;
      let signed = 0n;
      let tolerance = 0n;
      let sessionId = "";
      for (const deadline = Date.now() + 20_000; ;) {
        await new Promise((r) => setTimeout(r, 1_000));
        const [row] = await lab.agentSessions();
        assert.ok(row, `the agent has no open session; ${why()}`);
        assert.equal(row.cutReason, null, `the agent cut the session: ${JSON.stringify(row)}`);
        sessionId = row.sessionId;
        metered = BigInt(row.meteredBytes);
        signed = BigInt(row.voucherBytes);
        tolerance = LAB_TOLERANCE.bytes + (metered * BigInt(LAB_TOLERANCE.percent * 100)) / 10_000n;
        if (signed >= metered - tolerance || Date.now() > deadline) break;
      }
      assert.ok(metered >= BigInt(transfer.bytes), `the agent metered ${metered} for ${transfer.bytes} received`);
      assert.ok(
        signed >= metered - tolerance,
        `signed ${signed} trails the meter ${metered} by more than ${tolerance}`,
      );

      assert.equal(await run.stop(), 0, why());
      const result = JSON.parse(run.stdout()) as { ended: string };
      assert.equal(result.ended, "stopped", why());
      // The agent settles at once with the best voucher: the claim covers what it metered, within its tolerance.
      let s = await lab.providerClient.getSession({ sessionId: BigInt(sessionId) });
      for (const deadline = Date.now() + 30_000; s.status !== "Closed" && Date.now() < deadline;) {
        await new Promise((r) => setTimeout(r, 250));
        s = await lab.providerClient.getSession({ sessionId: BigInt(sessionId) });
      }
      assert.equal(s.status, "Closed", why());
      assert.ok(s.claimedBytes >= metered - tolerance, `claimed ${s.claimedBytes} for a meter of ${metered}`);
      assert.ok(s.paid > 0n && s.paid === priceUsage(s, { bytes: s.claimedBytes, seconds: s.claimedSeconds }));
      process.stderr.write(`paid ${s.paid} for ${s.claimedBytes} bytes claimed, agent meter ${metered}\n`);
      // Nothing of the client's is left: the kill switch lifted, its v2ray gone.
      await assert.rejects(lab.topo.run(lab.topo.client, "nft", ["list", "table", "inet", "dvpn_client"]));
      const left = () =>
        execFileSync("ip", ["netns", "pids", lab.topo.client])
          .toString()
          .split(/\s+/)
          .filter(Boolean)
          .map((pid) => readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").join(" "));
      for (let i = 0; i < 25 && left().length > 0; i++) await new Promise((r) => setTimeout(r, 200));
      assert.deepEqual(left(), [], "processes left in the client namespace");
    },
  );
});
