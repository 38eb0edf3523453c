/** Display formats, the same as the `dvpn` CLI's (amounts, bytes, times, durations). */
import {
  formatAmount as amount,
  formatBytes,
  formatDuration,
  formatTime,
  type TokenInfo,
} from "../../../sdk/src/cli/format.ts";

/** `amount`: "12.5 SYMBOL", as the CLI prints amounts. */
export { amount, formatBytes, formatDuration, formatTime, type TokenInfo };

/** A price per GiB or per minute. */
export function price(value: bigint, token: TokenInfo, unit: "GiB" | "min"): string {
  return `${amount(value, token)}/${unit}`;
}

/** 0x1234…abcd (the full address in a title for hover and screen readers). */
export function shortAddress(address: string): string {
  return `${address.slice(0, 6)}…${address.slice(-4)}`;
}

/** A share 0–1 as a percentage with one decimal, or "-" when null. */
export function percent(share: number | null | undefined): string {
  return share === null || share === undefined ? "-" : `${(share * 100).toFixed(1)} %`;
}

/** Basis points as a percentage ("250 bps" → "2.5 %"). */
export function bps(value: number | bigint): string {
  return `${Number(value) / 100} %`;
}

/** A score 0–100 with two decimals. */
export function score(value: number): string {
  return value.toFixed(2);
}

/** "in 3m 2s" / "5m ago" relative to `now` (unix seconds). */
export function relative(seconds: number, now: number): string {
  if (seconds === 0) return "-";
  const d = seconds - now;
  return d >= 0 ? `in ${formatDuration(d)}` : `${formatDuration(-d)} ago`;
}
