import { formatUnits, parseUnits } from "viem";
import { InvalidInputError } from "../errors/input.ts";

/** A token's display facts. */
export interface TokenInfo {
  symbol: string;
  decimals: number;
}

/** Parses a human amount ("12.5") into the token's smallest unit, rejecting anything else. */
export function parseAmount(value: string, token: TokenInfo, field: string): bigint {
  if (!/^\d+(\.\d+)?$/.test(value)) {
    throw new InvalidInputError({ field, value, reason: `must be a non-negative decimal number of ${token.symbol}` });
  }
  const [, frac = ""] = value.split(".");
  if (frac.length > token.decimals) {
    throw new InvalidInputError({ field, value, reason: `${token.symbol} has only ${token.decimals} decimals` });
  }
  return parseUnits(value, token.decimals);
}

/** Formats a smallest-unit amount as "12.5 SYMBOL". */
export function formatAmount(value: bigint, token: TokenInfo): string {
  return `${formatUnits(value, token.decimals)} ${token.symbol}`;
}

/** Formats a unix time as ISO-8601 (UTC, seconds), or "-" for 0. */
export function formatTime(seconds: number | bigint): string {
  const n = Number(seconds);
  return n === 0 ? "-" : new Date(n * 1000).toISOString().replace(".000Z", "Z");
}

/** Formats a duration in seconds as "1h 2m 3s". */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  const parts = [
    [Math.floor(s / 86400), "d"],
    [Math.floor((s % 86400) / 3600), "h"],
    [Math.floor((s % 3600) / 60), "m"],
    [s % 60, "s"],
  ] as const;
  const shown = parts.filter(([n]) => n > 0).map(([n, u]) => `${n}${u}`);
  return shown.length ? shown.join(" ") : "0s";
}

/** Formats a byte count with binary units. */
export function formatBytes(bytes: bigint): string {
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let v = Number(bytes);
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${i === 0 ? v : v.toFixed(2)} ${units[i]}`;
}
