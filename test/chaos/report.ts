/**
 * Figures of the chaos suite. Each chaos test records what it did under a category; when the
 * suite runs under `npm run chaos` (DVPN_CHAOS_REPORT names a file) the records are appended
 * there as JSON lines and summed into bench/results/chaos.json. Outside it, recording is a no-op.
 */
import { appendFileSync } from "node:fs";

/** The per-category counts the suite reports. Every field is a count. */
export interface ChaosFigures {
  /** Faults injected (RPC faults, kills, malicious calls that reached the system). */
  faultsInjected: number;
  /** Times the system recovered and then checked out correct. */
  recoveries: number;
  /** Records, payments or deposits missing after recovery (must be 0). */
  dataLost: number;
  /** Payments made twice or above what a voucher allows (must be 0). */
  doublePayments: number;
  /** Hostile or malformed inputs tried. */
  badInputsTried: number;
  /** Unexpected crashes of the system under test (must be 0). */
  crashes: number;
}

/** A figure record: the counts plus free-form details (gas, timings, seeds). */
export interface ChaosRecord extends Partial<ChaosFigures> {
  category: string;
  details?: Record<string, unknown>;
}

/** Whether the suite runs in its full mode (large counts) rather than the short everyday mode. */
export const FULL = process.env.DVPN_CHAOS_MODE === "full";

/** `short` in the everyday mode, `full` under `npm run chaos`. */
export const count = (short: number, full: number): number => (FULL ? full : short);

/** Appends a record to the suite's report file, if there is one. */
export function record(entry: ChaosRecord): void {
  const file = process.env.DVPN_CHAOS_REPORT;
  if (!file) return;
  appendFileSync(file, JSON.stringify(entry, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v)) + "\n");
}
