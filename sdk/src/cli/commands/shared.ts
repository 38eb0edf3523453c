import { z } from "zod";
import type { Address } from "viem";
import type { ProviderRecord } from "../../actions/read/getProvider.ts";
import { describeExitPolicy } from "../../exitPolicy/exitPolicy.ts";
import { describeTransport, type TransportOffer } from "../../transport/offer.ts";
import type { TokenInfo } from "../format.ts";
import { formatAmount, formatTime } from "../format.ts";

/** A decimal amount of tokens as typed on the command line ("12.5"). */
export const amountText = z.string().regex(/^\d+(\.\d+)?$/, "must be a decimal number such as 12.5");

/** A 0x address (checksum verified later by the SDK). */
export const addressText = z
  .string()
  .regex(/^0x[0-9a-fA-F]{40}$/, "must be a 0x-prefixed 20-byte address")
  .transform((s) => s as Address);

/** An ISO 3166-1 alpha-2 region code, in any case ("de" → "DE"). */
export const regionText = z
  .string()
  .regex(/^[A-Za-z]{2}$/, "must be an ISO 3166-1 alpha-2 code such as DE")
  .transform((s) => s.toUpperCase());

/** Exactly one positional: a numeric id (session or proposal). */
export const idPositional = (what: string) =>
  z
    .array(z.string())
    .length(1, `give the ${what} id, e.g. 1`)
    .transform((a) => a[0]!)
    .pipe(z.string().regex(/^\d+$/, `the ${what} id must be a positive integer`))
    .transform((s) => BigInt(s));

/** No positional arguments. */
export const noPositionals = z.array(z.string()).max(0, "this command takes no arguments");

/** Table/JSON view of a provider's chain record. */
export function providerView(p: ProviderRecord & { available?: boolean }) {
  return {
    address: p.address,
    registered: p.registered,
    available: p.available,
    paused: p.paused,
    region: p.region,
    endpoint: p.endpoint,
    wgPublicKey: p.wgPublicKeyBase64,
    pricePerGiB: p.pricePerGiB,
    pricePerMinute: p.pricePerMinute,
    stake: p.stake,
    unbonding: p.unbonding,
    unbondingEnd: p.unbondingEnd,
    activeSessions: p.activeSessions,
    maxSessions: p.maxSessions,
    lastHeartbeat: p.lastHeartbeat,
  };
}

/** Human lines for a provider's chain record. */
export function providerLines(
  p: ReturnType<typeof providerView>,
  t: { token: TokenInfo; paymentToken: TokenInfo },
): [string, string][] {
  return [
    ["address", p.address],
    ["registered", String(p.registered)],
    ...(p.available !== undefined ? [["available", String(p.available)] as [string, string]] : []),
    ["paused", String(p.paused)],
    ["region", p.region || "-"],
    ["endpoint", p.endpoint || "-"],
    ["wg public key", p.wgPublicKey],
    ["price per GiB", formatAmount(p.pricePerGiB, t.paymentToken)],
    ["price per minute", formatAmount(p.pricePerMinute, t.paymentToken)],
    ["stake", formatAmount(p.stake, t.token)],
    [
      "unbonding",
      `${formatAmount(p.unbonding, t.token)}${p.unbondingEnd ? ` (until ${formatTime(p.unbondingEnd)})` : ""}`,
    ],
    ["sessions", `${p.activeSessions}/${p.maxSessions}`],
    ["last heartbeat", formatTime(p.lastHeartbeat)],
  ];
}

/** A published exit policy for people: its text and what it means, or "none published". */
export function exitPolicyLine(text: string): string {
  if (text === "") return "none published";
  try {
    return `${text} (${describeExitPolicy(text)})`;
  } catch {
    return `${text} (malformed address range)`;
  }
}

/** A published transport offer for people: what it is, and the pin and client id a client needs. */
export function transportLines(o: TransportOffer | null | undefined): [string, string][] {
  return o
    ? [
        ["transport", describeTransport(o)],
        ["certificate sha256", o.certSha256],
        ["client id", o.clientId],
      ]
    : [["transport", describeTransport(o)]];
}

/** The fields every write prints. */
export function txView(r: { hash: `0x${string}`; receipt: { blockNumber: bigint; gasUsed: bigint } }) {
  return { transactionHash: r.hash, blockNumber: r.receipt.blockNumber, gasUsed: r.receipt.gasUsed };
}
