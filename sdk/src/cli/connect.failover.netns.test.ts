/**
 * `dvpn connect --up` survives its provider, as users run it: two providers in DE (two real
 * gateway agents with wireguard-go), the client connected to the cheaper one with its kill switch
 * and a download running; the first provider's agent and wireguard-go are killed mid-transfer
 * (sdk/test/failoverLab.ts). The client must move to the second provider, nothing may leave
 * outside a tunnel meanwhile (probes of the provider's underlay, and a capture of the client's
 * uplink holding only the WireGuard flows and the JSON-RPC), the first session must be closed by
 * the client with its best voucher (the provider may claim at most that), and the second paid.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { dataPlaneUnavailableReason } from "../../../test/kit/dataPlane.ts";
import { runFailoverLab } from "../../test/failoverLab.ts";

const unavailable =
  (await dataPlaneUnavailableReason()) ??
  (await import("node:child_process")
    .then(({ execFileSync }) => execFileSync("sh", ["-c", "command -v nft"]))
    .then(
      () => undefined,
      () => "nft is missing (apt-get install -y nftables)",
    ));

describe(
  "dvpn connect --up fails over to the next provider (real agents, network namespaces)",
  { skip: unavailable },
  () => {
    it(
      "moves to the second provider with the kill switch holding; the first session is closed with its best voucher",
      { timeout: 420_000 },
      async () => {
        const run = await runFailoverLab({
          tag: `fo${process.pid % 100000}`,
          afterSeconds: 3,
          log: (l) => process.stderr.write(`${l}\n`),
        });
        const why = `CLI stderr:\n${run.cliStderr.slice(-4000)}`;
        process.stderr.write(
          `outage ${run.outageMs} ms (detected after ${run.detectMs} ms); ${run.leakProbes} leak probes; ${JSON.stringify(run.sessions)}\n`,
        );
        // Nothing left outside a tunnel while the client failed over.
        assert.ok(run.leakProbes >= 2, `only ${run.leakProbes} probes`);
        assert.equal(run.leaks, 0, `the provider's underlay answered outside the tunnel: ${why}`);
        if (run.capture) {
          assert.ok(run.capture.packets > 100, `the capture saw ${run.capture.packets} packets`);
          assert.deepEqual(run.capture.outside, [], "packets outside the WireGuard flows and the JSON-RPC");
        }
        // The transfer went through both providers, and the client stopped cleanly on Ctrl-C.
        assert.ok(run.bytesFirst > 0 && run.bytesSecond > 0, `bytes ${run.bytesFirst} / ${run.bytesSecond}`);
        assert.equal(run.cliExitCode, 0, why);
        assert.equal(run.cliResult.ended, "stopped", why);
        assert.equal(run.killSwitchAfterStop, false, "Ctrl-C of a healthy run lifts the kill switch");
        assert.match(run.cliStderr, /kill switch swapped/);
        // First provider: left as unreachable, closed by the client; it may claim at most its best voucher.
        assert.equal(run.sessions.length, 2, why);
        const [first, second] = run.sessions as [(typeof run.sessions)[0], (typeof run.sessions)[0]];
        assert.equal(first.which, "first");
        assert.equal(first.left, "unreachable", why);
        assert.equal(first.status, "Closing", "closed by the client; the settlement window is open");
        assert.ok(first.signedBytes !== null && first.owedAtMost !== null, why);
        assert.ok(BigInt(first.claimedBytes) <= BigInt(first.signedBytes), "claimed beyond the best voucher");
        assert.ok(BigInt(first.paid) <= BigInt(first.owedAtMost), "paid beyond the best voucher's price");
        assert.match(first.money, /may claim up to .* \(its best voucher\)/);
        // Second provider: the session the client stopped, settled by its agent.
        assert.equal(second.which, "second");
        assert.equal(second.left, "stopped");
        assert.equal(second.status, "Closed", why);
        assert.ok(BigInt(second.paid) > 0n, "the second provider was paid");
        assert.ok(
          BigInt(second.claimedBytes) <= BigInt(second.signedBytes ?? "0"),
          "claimed beyond the signed voucher",
        );
      },
    );
  },
);
