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

/**
 * Makes text from the chain or a provider safe to print on a terminal: control characters
 * (C0, DEL, C1, so every escape sequence) become `\xNN`, and invisible direction or line
 * controls (U+200E–U+200F, U+2028–U+202E, U+2066–U+2069) become `\u{NNNN}`. Characters in
 * `keep` (e.g. "\n" for multi-line output) are left as they are.
 * @example printable("gw.example.org\x1b[2J:51820") // "gw.example.org\\x1b[2J:51820"
 */
export function printable(text: string, keep = ""): string {
  return text.replace(/[\u0000-\u001f\u007f-\u009f\u200e\u200f\u2028-\u202e\u2066-\u2069]/g, (c) => {
    if (keep.includes(c)) return c;
    const code = c.charCodeAt(0);
    return code < 0x100 ? `\\x${code.toString(16).padStart(2, "0")}` : `\\u{${code.toString(16)}}`;
  });
}
