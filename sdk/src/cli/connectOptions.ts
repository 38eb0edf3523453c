/**
 * The options of `dvpn connect` (one hop, `--hops 2` and `--transport`), their schema and the
 * type `run` gets: one declaration for the command and the helpers it hands them to.
 */
import { z } from "zod";
import { TRANSPORT_MODES } from "./legTransport.ts";
import type { OptionSpec } from "./optionSpec.ts";
import { addressText, amountText, noPositionals, regionText } from "./commands/shared.ts";

/** The options of `dvpn connect`. */
export const connectOptions: Record<string, OptionSpec> = {
  provider: { type: "string", value: "<address>", description: "this provider (else the best in --region)" },
  region: { type: "string", value: "<CC>", description: "pick the best available provider in this region" },
  "max-price-gib": { type: "string", value: "<amount>", description: "highest price per GiB you accept" },
  "max-price-min": {
    type: "string",
    value: "<amount>",
    description: "highest price per minute you accept (default: the provider's current price)",
  },
  deposit: { type: "string", value: "<amount>", description: "deposit, in payment tokens" },
  config: {
    type: "string",
    value: "<file>",
    description: "where to write the wg-quick config (default ./dvpn<id>.conf)",
  },
  dns: {
    type: "string",
    multiple: true,
    value: "<ip|gateway|none>",
    description:
      "resolver for the tunnel: `gateway` (the provider's, through the tunnel; default), an IP, or `none` (leave DNS alone; default with --split)",
  },
  "allowed-ips": {
    type: "string",
    multiple: true,
    value: "<cidr>",
    description: "what goes through the tunnel (default 0.0.0.0/0 and ::/0: everything); a narrower list needs --split",
  },
  split: {
    type: "boolean",
    description: "split tunnel: only --allowed-ips go through it; the rest, IPv6 and DNS included, uses your network",
  },
  lockdown: {
    type: "boolean",
    description: "keep the kill switch after the connection ends, until `dvpn unlock` (sticky once set)",
  },
  up: { type: "boolean", description: "bring the tunnel up with wg-quick (root) and pay for it until Ctrl-C" },
  "no-kill-switch": {
    type: "boolean",
    description: "no kill switch (default with --up and a full tunnel: only the tunnel carries traffic)",
  },
  "voucher-interval": {
    type: "string",
    value: "<seconds>",
    description: "a voucher at least this often (default 10; traffic signs more often, by bytes)",
  },
  "close-at": {
    type: "string",
    value: "<percent>",
    description: "close when usage reaches this share of the deposit (default 90)",
  },
  "accept-timeout": {
    type: "string",
    value: "<seconds>",
    description:
      "withdraw the session (full refund at once) if not accepted within this long (default 60; with --up the next provider is tried)",
  },
  "no-failover": {
    type: "boolean",
    description: "with --up: stop when the provider stops serving instead of moving to the next-best one",
  },
  grace: {
    type: "string",
    value: "<seconds>",
    description:
      "with --up: how long an unhealthy tunnel may take to come back before the provider is left (default 20)",
  },
  // --hops 2
  hops: {
    type: "string",
    value: "<1|2>",
    description:
      "2: an entry and an exit provider of different operators, the exit's tunnel inside the entry's, each its own paid session (with --up)",
  },
  "entry-region": {
    type: "string",
    value: "<CC>",
    description: "with --hops 2: the entry's region (default: any region but the exit's)",
  },
  "same-region": {
    type: "boolean",
    description: "with --hops 2: allow the entry in the exit's region (default: refused before any money moves)",
  },
  "exit-key-file": {
    type: "string",
    value: "<file>",
    description: "with --hops 2: pay the exit's sessions from this other account, so the chain does not link the hops",
  },
  transport: {
    type: "string",
    value: "<auto|wireguard|v2ray>",
    description:
      "with --up: auto (default) tries WireGuard, then the provider's v2ray transport if no handshake comes; v2ray only (and only providers offering it); wireguard never",
  },
  "handshake-timeout": {
    type: "string",
    value: "<seconds>",
    description: "with --transport auto: how long WireGuard gets to complete a handshake (default 8)",
  },
};

/** Their schema (with `positionals`). */
export const connectSchema = z.object({
  positionals: noPositionals,
  provider: addressText.optional(),
  region: regionText.optional(),
  maxPriceGib: amountText.optional(),
  maxPriceMin: amountText.optional(),
  deposit: amountText,
  config: z.string().optional(),
  dns: z.array(z.string()).optional(),
  allowedIps: z.array(z.string()).optional(),
  up: z.boolean().optional(),
  split: z.boolean().optional(),
  lockdown: z.boolean().optional(),
  noKillSwitch: z.boolean().optional(),
  voucherInterval: z.coerce.number().int().min(1).max(3600).default(10),
  closeAt: z.coerce.number().min(1).max(100).default(90),
  acceptTimeout: z.coerce.number().int().min(1).max(3600).default(60),
  noFailover: z.boolean().optional(),
  grace: z.coerce.number().int().min(1).max(600).default(20),
  hops: z.enum(["1", "2"]).default("1"),
  entryRegion: regionText.optional(),
  sameRegion: z.boolean().optional(),
  exitKeyFile: z.string().optional(),
  transport: z.enum(TRANSPORT_MODES).default("auto"),
  handshakeTimeout: z.coerce.number().min(1).max(120).default(8),
});

/** The options `dvpn connect` runs with, as its schema gives them. */
export type ConnectOptions = z.infer<typeof connectSchema>;
