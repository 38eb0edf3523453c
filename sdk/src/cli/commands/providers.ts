import type { Address } from "viem";
import { z } from "zod";
import { exitPolicyAllowsPort, parseExitPolicy, type ExitPolicy } from "../../exitPolicy/exitPolicy.ts";
import type { FeedProvider } from "../../feed/types.ts";
import { TRANSPORT_KINDS, type TransportOffer } from "../../transport/offer.ts";
import { defineCommand } from "../command.ts";
import { formatAmount } from "../format.ts";
import { table } from "../output.ts";
import { parseAmount } from "../format.ts";
import { amountText, noPositionals, regionText } from "./shared.ts";

export default defineCommand({
  path: ["providers"],
  summary: "list providers (from the indexer feed, or the chain without --indexer)",
  options: {
    region: { type: "string", value: "<CC>", description: "ISO 3166-1 alpha-2 region, e.g. DE" },
    available: { type: "boolean", description: "only providers that take sessions now" },
    "max-price-gib": { type: "string", value: "<amount>", description: "highest price per GiB, in payment tokens" },
    "min-stake": { type: "string", value: "<amount>", description: "lowest stake, in DVPN" },
    "min-score": { type: "string", value: "<0-100>", description: "lowest reputation score (feed only)" },
    "order-by": {
      type: "string",
      value: "<field>",
      description: "score | pricePerGiB | pricePerMinute | stake | lastHeartbeat | paidVolume | registeredAt | id",
    },
    order: { type: "string", value: "<asc|desc>", description: "sort direction" },
    first: { type: "string", value: "<n>", description: "page size, 1-1000 (default 50)" },
    after: { type: "string", value: "<cursor>", description: "cursor of the next page (feed only)" },
    "allows-port": {
      type: "string",
      value: "<port>",
      description: "only providers whose published exit policy lets clients reach this port, e.g. 443",
    },
    "denies-port": {
      type: "string",
      value: "<port>",
      description: "only providers whose published exit policy refuses this port, e.g. 25 (no SMTP)",
    },
    transport: {
      type: "string",
      value: "<kind>",
      description: "only providers offering this obfuscated transport: v2ray (or none)",
    },
  },
  schema: z.object({
    positionals: noPositionals,
    region: regionText.optional(),
    available: z.boolean().optional(),
    maxPriceGib: amountText.optional(),
    minStake: amountText.optional(),
    minScore: z.coerce.number().min(0).max(100).optional(),
    orderBy: z
      .enum(["score", "pricePerGiB", "pricePerMinute", "stake", "lastHeartbeat", "paidVolume", "registeredAt", "id"])
      .optional(),
    order: z.enum(["asc", "desc"]).optional(),
    first: z.coerce.number().int().min(1).max(1000).default(50),
    after: z.string().optional(),
    allowsPort: z.coerce.number().int().min(1).max(65535).optional(),
    deniesPort: z.coerce.number().int().min(1).max(65535).optional(),
    transport: z.enum(TRANSPORT_KINDS).optional(),
  }),
  examples: [
    "dvpn providers --region DE --available --order-by pricePerGiB --order asc",
    "dvpn providers --max-price-gib 0.05 --min-score 80 --indexer http://127.0.0.1:42069/graphql",
    "dvpn providers --json | jq '.items[].id'",
    "dvpn providers --allows-port 443 --denies-port 25",
    "dvpn providers --transport v2ray --available",
  ],
  async run(ctx, o) {
    const client = await ctx.client();
    const t = await ctx.tokens();
    const maxPricePerGiB =
      o.maxPriceGib !== undefined ? parseAmount(o.maxPriceGib, t.paymentToken, "--max-price-gib") : undefined;
    const minStake = o.minStake !== undefined ? parseAmount(o.minStake, t.token, "--min-stake") : undefined;
    type Row = {
      id: string;
      region: string;
      pricePerGiB: bigint;
      pricePerMinute: bigint;
      stake: bigint;
      score: number | null;
      activeSessions: number;
      capacity: number;
      available: boolean;
      endpoint: string;
      /** Published exit policy ("" when none). */
      exitPolicy: string;
      /** The obfuscated transport it offers, `kind:port` ("" when none). */
      transport: string;
    };
    let rows: Row[];
    let pageInfo: { hasNextPage: boolean; endCursor: string | null } = { hasNextPage: false, endCursor: null };
    let source: "feed" | "chain";
    if (client.indexerUrl) {
      source = "feed";
      const page = await client.findProviders({
        where: {
          ...(o.region ? { region: o.region } : {}),
          ...(o.available ? { available: true } : {}),
          ...(maxPricePerGiB !== undefined ? { maxPricePerGiB } : {}),
          ...(minStake !== undefined ? { minStake } : {}),
          ...(o.minScore !== undefined ? { minScore: o.minScore } : {}),
          ...(o.allowsPort !== undefined ? { allowsPort: o.allowsPort } : {}),
          ...(o.deniesPort !== undefined ? { deniesPort: o.deniesPort } : {}),
          ...(o.transport !== undefined ? { transport: o.transport } : {}),
        },
        ...(o.orderBy ? { orderBy: o.orderBy } : {}),
        ...(o.order ? { orderDirection: o.order } : {}),
        first: o.first,
        ...(o.after ? { after: o.after } : {}),
      });
      pageInfo = page.pageInfo;
      rows = page.items.map((p) => ({
        id: p.id,
        region: p.region,
        pricePerGiB: p.pricePerGiB,
        pricePerMinute: p.pricePerMinute,
        stake: p.stake,
        score: p.reputation.score,
        activeSessions: p.availability.activeSessions,
        capacity: p.availability.capacity,
        available: p.availability.available,
        endpoint: p.endpoint,
        exitPolicy: (p.exitPolicy as FeedProvider["exitPolicy"] | undefined)?.text ?? "",
        transport: p.transport ? `${p.transport.kind}:${p.transport.port}` : "",
      }));
    } else {
      source = "chain";
      if (o.minScore !== undefined) ctx.out.progress("note: --min-score needs the indexer feed (--indexer); ignored");
      const all = await client.listProviders();
      rows = all
        .filter((p) => (o.region ? p.region === o.region : true))
        .filter((p) => (o.available ? p.available : true))
        .filter((p) => (maxPricePerGiB !== undefined ? p.pricePerGiB <= maxPricePerGiB : true))
        .filter((p) => (minStake !== undefined ? p.stake >= minStake : true))
        .map((p) => ({
          id: p.address,
          region: p.region,
          pricePerGiB: p.pricePerGiB,
          pricePerMinute: p.pricePerMinute,
          stake: p.stake,
          score: null,
          activeSessions: p.activeSessions,
          capacity: p.maxSessions,
          available: p.available,
          endpoint: p.endpoint,
          exitPolicy: "",
          transport: "",
        }));
      const key = o.orderBy === "score" || o.orderBy === undefined ? undefined : o.orderBy;
      if (key === "pricePerGiB" || key === "pricePerMinute" || key === "stake") {
        rows.sort((a, b) => (a[key] < b[key] ? -1 : a[key] > b[key] ? 1 : 0));
        if (o.order === "desc") rows.reverse();
      }
      const ports = o.allowsPort !== undefined || o.deniesPort !== undefined;
      if (ports) {
        // The chain has no port index: read the policies of the candidates and filter here.
        for (const r of rows) r.exitPolicy = await client.getExitPolicy({ provider: r.id as Address });
        rows = rows.filter((r) => {
          const policy = safePolicy(r.exitPolicy);
          if (policy === undefined) return false;
          if (o.allowsPort !== undefined && !exitPolicyAllowsPort(policy, o.allowsPort)) return false;
          return o.deniesPort === undefined || !exitPolicyAllowsPort(policy, o.deniesPort);
        });
      }
      if (o.transport !== undefined) {
        // Nor a transport index: read the offers of the candidates.
        for (const r of rows) r.transport = offerText(await client.getTransport({ provider: r.id as Address }));
        rows = rows.filter((r) =>
          o.transport === "none" ? r.transport === "" : r.transport.startsWith(`${o.transport}:`),
        );
      }
      rows = rows.slice(0, o.first);
      if (o.transport === undefined)
        for (const r of rows) r.transport = offerText(await client.getTransport({ provider: r.id as Address }));
      if (!ports) for (const r of rows) r.exitPolicy = await client.getExitPolicy({ provider: r.id as Address });
    }
    ctx.out.result({ source, items: rows, pageInfo }, () => {
      if (rows.length === 0) return "no providers match";
      const lines = table(
        [
          "ADDRESS",
          "REGION",
          "PRICE/GiB",
          "PRICE/MIN",
          "STAKE",
          "SCORE",
          "SESSIONS",
          "AVAILABLE",
          "ENDPOINT",
          "EXIT POLICY",
          "TRANSPORT",
        ],
        rows.map((r) => [
          r.id,
          r.region,
          formatAmount(r.pricePerGiB, t.paymentToken),
          formatAmount(r.pricePerMinute, t.paymentToken),
          formatAmount(r.stake, t.token),
          r.score === null ? "-" : r.score.toFixed(1),
          `${r.activeSessions}/${r.capacity}`,
          r.available ? "yes" : "no",
          r.endpoint,
          r.exitPolicy || "-",
          r.transport || "-",
        ]),
      );
      return pageInfo.hasNextPage ? `${lines}\nmore: --after ${pageInfo.endCursor}` : lines;
    });
  },
});

function offerText(offer: TransportOffer | undefined): string {
  return offer ? `${offer.kind}:${offer.port}` : "";
}

function safePolicy(text: string): ExitPolicy | undefined {
  try {
    return parseExitPolicy(text);
  } catch {
    return undefined;
  }
}
