import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  creditCap,
  DEFAULT_CREDIT_POLICY,
  DEFAULT_VOUCHER_TOLERANCE,
  meterRatio,
  planVoucherBytes,
  type PlanInput,
} from "./paymentPlan.ts";

const MiB = 1n << 20n;
const base: PlanInput = {
  counter: 0n,
  rate: 0,
  ratio: 1,
  signed: 0n,
  tolerance: DEFAULT_VOUCHER_TOLERANCE,
  policy: DEFAULT_CREDIT_POLICY,
};

describe("payment plan", () => {
  it("caps what is signed at the counter plus 25 % plus 64 MiB", () => {
    assert.equal(creditCap(0n, DEFAULT_CREDIT_POLICY), 64n * MiB);
    assert.equal(creditCap(100n * MiB, DEFAULT_CREDIT_POLICY), 125n * MiB + 64n * MiB);
    // However fast the counter grows, the plan never goes over the cap.
    const p = planVoucherBytes({ ...base, counter: 100n * MiB, rate: 10e9, ratio: 1.25 });
    assert.equal(p.bytes, creditCap(100n * MiB, DEFAULT_CREDIT_POLICY));
  });

  it("signs ahead by the rate over the horizon times the ratio, plus a standing lead", () => {
    const p = planVoucherBytes({ ...base, counter: 100n * MiB, rate: 10 * 2 ** 20, ratio: 1.1 });
    // 1.1 × (100 MiB + 0.3 s × 10 MiB/s) + 6 MiB
    assert.equal(p.bytes, 110n * MiB + (33n * MiB) / 10n + 6n * MiB);
    assert.equal(p.due, true);
    // An agent with a larger fixed tolerance: that is the lead.
    const big = { ...DEFAULT_VOUCHER_TOLERANCE, bytes: 32n * MiB };
    assert.equal(planVoucherBytes({ ...base, tolerance: big }).bytes, 32n * MiB);
  });

  it("is not due while more than half the lead is left, and due below it", () => {
    const counter = 100n * MiB;
    const rate = 10 * 2 ** 20;
    const full = planVoucherBytes({ ...base, counter, rate }).bytes; // 100 + 3 + 6 MiB
    assert.equal(full, 109n * MiB);
    assert.equal(planVoucherBytes({ ...base, counter, rate, signed: full }).due, false);
    // Half the lead: 100 + 1.5 + 3 MiB.
    assert.equal(planVoucherBytes({ ...base, counter, rate, signed: 104n * MiB + MiB / 2n }).due, false);
    assert.equal(planVoucherBytes({ ...base, counter, rate, signed: 104n * MiB + MiB / 2n - 1n }).due, true);
  });

  it("never plans below what is already signed", () => {
    const p = planVoucherBytes({ ...base, counter: MiB, signed: 50n * MiB });
    assert.deepEqual(p, { due: false, bytes: 50n * MiB });
  });

  it("learns the agent's meter ratio within [1, 1.25], ignoring small counters", () => {
    assert.equal(meterRatio(116n * MiB, 100n * MiB, DEFAULT_CREDIT_POLICY), 1.16);
    assert.equal(meterRatio(90n * MiB, 100n * MiB, DEFAULT_CREDIT_POLICY), 1);
    assert.equal(meterRatio(300n * MiB, 100n * MiB, DEFAULT_CREDIT_POLICY), 1.25);
    assert.equal(meterRatio(3n * MiB, 1n * MiB, DEFAULT_CREDIT_POLICY), 1);
  });

  it("keeps a lossy meter within the tolerance through a jump from idle to 80 MiB/s", () => {
    // The agent's meter runs 18 % ahead of the client's counter (what wireguard-go loses here at
    // line rate; the client learned the ratio). The client reads its counter every 50 ms and
    // measures the rate from the previous reading; a voucher lands 20 ms after its reading; the
    // agent checks every millisecond. Idle for a second, then 80 MiB/s (670 Mbit/s) for 5 s.
    const rate = 80 * 2 ** 20;
    const policy = DEFAULT_CREDIT_POLICY;
    const tol = DEFAULT_VOUCHER_TOLERANCE;
    let signed = 0n;
    let worst = 0n;
    let previous = 0n;
    let vouchers = 0;
    const counterAt = (t: number) => (t < 1_000 ? 0n : BigInt(Math.floor((rate * (t - 1_000)) / 1000)));
    for (let t = 0; t <= 6_000; t++) {
      const counter = counterAt(t);
      const meter = (counter * 118n) / 100n;
      if (t % 50 === 0) {
        const measured = Number(counter - previous) * 20;
        previous = counter;
        const p = planVoucherBytes({ counter, rate: measured, ratio: 1.18, signed, tolerance: tol, policy });
        if (p.due) {
          vouchers++;
          const bytes = p.bytes;
          setTimeoutVirtual(t + 20, () => (signed = bytes > signed ? bytes : signed));
        }
      }
      runVirtual(t);
      const allowed = tol.bytes + (meter * BigInt(tol.percent * 100)) / 10_000n;
      if (meter - signed > worst) worst = meter - signed;
      assert.ok(meter - signed <= allowed, `t=${t} ms: meter ${meter} − signed ${signed} > ${allowed}`);
      assert.ok(signed <= creditCap(counter, policy), `t=${t}: over the cap`);
    }
    assert.ok(worst > 0n, "the meter never got ahead: the test tests nothing");
    // Bytes drive the vouchers: at this rate one every ~0.2 s (half the lead), not one per time interval.
    assert.ok(vouchers >= 15, `${vouchers} vouchers`);
  });
});

const queue: { at: number; fn: () => void }[] = [];
function setTimeoutVirtual(at: number, fn: () => void): void {
  queue.push({ at, fn });
}
function runVirtual(now: number): void {
  for (let i = 0; i < queue.length;) {
    if (queue[i]!.at <= now) queue.splice(i, 1)[0]!.fn();
    else i++;
  }
}
