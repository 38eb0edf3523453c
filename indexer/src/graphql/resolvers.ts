import type { GraphQLResolveInfo } from "graphql";
import { getAddress, isAddress, toHex } from "viem";
import { Prisma } from "../../generated/prisma/client.ts";
import { scoreOf } from "../indexing/refreshScores.ts";
import { histogramMedian } from "../indexing/reputation.ts";
import { statementName, type ReadOptions } from "../database/reader.ts";
import { availability, availabilityAt, remember, remembered, uptimeAt } from "./availability.ts";
import type { FeedContext } from "./context.ts";
import { badInput } from "./errors.ts";
import { allowsPortSql, exitPolicyOf, port } from "./exitPolicy.ts";
import { coveredPerBlock } from "./coveredPerBlock.ts";
import { connection, decodeCursor, pageSize, seekAfter } from "./pagination.ts";
import { listSessions, type SessionListArgs } from "./listSessions.ts";
import { createLiveFeed, GONE_AWARE, type LiveFeed } from "./live.ts";
import { metaOf } from "./meta.ts";
import { networkStats } from "./networkStats.ts";
import { providerById } from "./providerById.ts";
import { providerColumns } from "./providerColumns.ts";
import { providerCount } from "./providerCount.ts";
import { networkSeries, providerSeries, type SeriesArgs } from "./series.ts";
import { BigIntScalar } from "./scalars.ts";

type ProviderRow = Prisma.ProviderGetPayload<object>;
type SessionRow = Prisma.SessionGetPayload<object>;
type ProposalRow = Prisma.ProposalGetPayload<object>;
type Dir = "asc" | "desc";

/**
 * Runs a statement built with `Prisma.sql` through the plain reader (no Prisma result mapping),
 * prepared once per connection and filter shape ({@link statementName}).
 */
const readSql = (ctx: FeedContext, sql: Prisma.Sql, options?: ReadOptions) =>
  ctx.read.query<Record<string, unknown>>(sql.text, sql.values, statementName(sql.text, sql.values), options);

/** Whether the query selects `totalCount` on this connection (the count is skipped otherwise). */
function wantsTotal(info: GraphQLResolveInfo | undefined): boolean {
  if (!info) return true;
  const visit = (set: import("graphql").SelectionSetNode | undefined): boolean =>
    !!set?.selections.some((s) =>
      s.kind === "Field"
        ? s.name.value === "totalCount"
        : s.kind === "InlineFragment"
          ? visit(s.selectionSet)
          : visit(info.fragments[s.name.value]?.selectionSet),
    );
  return info.fieldNodes.some((f) => visit(f.selectionSet));
}
/** Names of the fields selected at `path` below this field (fragments included, directives ignored). */
function selectedAt(info: GraphQLResolveInfo | undefined, path: string[]): Set<string> {
  const out = new Set<string>();
  if (!info) return out;
  const visit = (set: import("graphql").SelectionSetNode | undefined, depth: number): void => {
    for (const s of set?.selections ?? []) {
      if (s.kind === "InlineFragment") visit(s.selectionSet, depth);
      else if (s.kind === "FragmentSpread") visit(info.fragments[s.name.value]?.selectionSet, depth);
      else if (depth === path.length) out.add(s.name.value);
      else if (s.name.value === path[depth]) visit(s.selectionSet, depth + 1);
    }
  };
  for (const f of info.fieldNodes) visit(f.selectionSet, 0);
  return out;
}

/** A numeric column as bigint: a Prisma Decimal, or the decimal text of a plain SQL read. */
const big = (d: { toFixed(): string } | string | bigint) => (typeof d === "object" ? BigInt(d.toFixed()) : BigInt(d));

function address(value: string, what: string): string {
  if (typeof value !== "string" || !isAddress(value, { strict: false })) {
    throw badInput(`${what} must be a 0x-prefixed 20-byte hex address (got ${JSON.stringify(value)})`);
  }
  return getAddress(value);
}

function direction(d: string | null | undefined): Dir {
  return d === "desc" ? "desc" : "asc";
}

/** A provider's uptime over the `hours` ending now (its covered seconds batched per request). */
async function uptimeNow(p: ProviderRow, ctx: FeedContext, hours: number) {
  const now = await ctx.now();
  return uptimeAt(p, now, hours, await ctx.covered(p.id, now, hours));
}

/** Provider order fields: the quoted column and the SQL type a cursor value is compared as. */
const PROVIDER_ORDER: Record<string, { column: Prisma.Sql; type: Prisma.Sql }> = {
  id: { column: Prisma.raw(`"id"`), type: Prisma.raw("text") },
  stake: { column: Prisma.raw(`"stake"`), type: Prisma.raw("numeric") },
  pricePerGiB: { column: Prisma.raw(`"pricePerGiB"`), type: Prisma.raw("numeric") },
  pricePerMinute: { column: Prisma.raw(`"pricePerMinute"`), type: Prisma.raw("numeric") },
  score: { column: Prisma.raw(`"score"`), type: Prisma.raw("float8") },
  registeredAt: { column: Prisma.raw(`"registeredAt"`), type: Prisma.raw("int4") },
  lastHeartbeat: { column: Prisma.raw(`"lastHeartbeat"`), type: Prisma.raw("int4") },
  paidVolume: { column: Prisma.raw(`"paidVolume"`), type: Prisma.raw("numeric") },
};

interface ProviderFilter {
  region?: string | null;
  available?: boolean | null;
  registered?: boolean | null;
  paused?: boolean | null;
  /** BigInt inputs arrive as canonical decimal text (scalars.ts). */
  minStake?: string | null;
  maxPricePerGiB?: string | null;
  maxPricePerMinute?: string | null;
  minScore?: number | null;
  id_in?: string[] | null;
  allowsPort?: number | null;
  deniesPort?: number | null;
  transport?: string | null;
}

/**
 * Filter fields whose values only move the share of providers a page passes over, not the plan
 * that reads it (an index scan in the page's order, or the region's): a page filtered on these
 * alone is planned once for any values ({@link ReadOptions.generic}). `id_in` (its length is part
 * of the shape), `transport` (a few values, unevenly shared) and the port filters keep a plan for
 * their values.
 */
const GENERIC_FILTER = new Set([
  "region",
  "available",
  "registered",
  "paused",
  "minStake",
  "maxPricePerGiB",
  "maxPricePerMinute",
  "minScore",
]);
const genericPlan = (where: ProviderFilter | null | undefined) =>
  !where || Object.entries(where).every(([k, v]) => v === null || v === undefined || GENERIC_FILTER.has(k));

/**
 * The provider filter as a parameterized SQL condition (values are always bound parameters;
 * only fixed column names are written into the text).
 */
async function providerWhere(where: ProviderFilter | null | undefined, ctx: FeedContext): Promise<Prisma.Sql> {
  const and: Prisma.Sql[] = [];
  if (!where) return Prisma.sql`TRUE`;
  if (where.region != null) {
    if (!/^[A-Za-z]{2}$/.test(where.region))
      throw badInput(`region must be an ISO 3166-1 alpha-2 code such as "DE" (got ${JSON.stringify(where.region)})`);
    and.push(Prisma.sql`region = ${where.region.toUpperCase()}`);
  }
  if (where.available != null) {
    const [now, params] = await Promise.all([ctx.now(), ctx.params()]);
    const minStake = (params.get("minStake") ?? 0n).toString();
    const fresh = now - Number(params.get("heartbeatTimeout") ?? 0n);
    and.push(
      where.available
        ? Prisma.sql`(registered AND NOT paused AND stake >= ${minStake}::numeric AND "lastHeartbeat" >= ${fresh}::int4 AND "hasCapacity")`
        : Prisma.sql`(NOT registered OR paused OR stake < ${minStake}::numeric OR "lastHeartbeat" < ${fresh}::int4 OR NOT "hasCapacity")`,
    );
  }
  if (where.registered != null) and.push(Prisma.sql`registered = ${where.registered}::boolean`);
  if (where.paused != null) and.push(Prisma.sql`paused = ${where.paused}::boolean`);
  if (where.minStake != null) and.push(Prisma.sql`stake >= ${where.minStake}::numeric`);
  if (where.maxPricePerGiB != null) and.push(Prisma.sql`"pricePerGiB" <= ${where.maxPricePerGiB}::numeric`);
  if (where.maxPricePerMinute != null) and.push(Prisma.sql`"pricePerMinute" <= ${where.maxPricePerMinute}::numeric`);
  if (where.minScore != null) {
    if (!Number.isFinite(where.minScore)) throw badInput("minScore must be a number between 0 and 100");
    and.push(Prisma.sql`score >= ${where.minScore}::float8`);
  }
  if (where.id_in != null) {
    if (where.id_in.length > 1000) throw badInput("id_in takes at most 1000 addresses");
    const ids = where.id_in.map((a) => address(a, "id_in"));
    and.push(ids.length === 0 ? Prisma.sql`FALSE` : Prisma.sql`id IN (${Prisma.join(ids)})`);
  }
  if (where.allowsPort != null) and.push(Prisma.sql`(${allowsPortSql(port(where.allowsPort, "allowsPort"))})`);
  if (where.deniesPort != null) and.push(Prisma.sql`NOT (${allowsPortSql(port(where.deniesPort, "deniesPort"))})`);
  if (where.transport != null) and.push(Prisma.sql`transport = ${where.transport}`);
  return and.length === 0 ? Prisma.sql`TRUE` : Prisma.join(and, " AND ");
}

/** Keyset condition after (value, id) of a cursor, as `seekAfter` builds it for Prisma. */
function providerSeek(field: string, dir: Dir, cursor: string | null | undefined): Prisma.Sql {
  if (!cursor) return Prisma.sql`TRUE`;
  const [value, id] = decodeCursor(cursor);
  const op = Prisma.raw(dir === "asc" ? ">" : "<");
  if (field === "id") return Prisma.sql`id ${op} ${id}::text`;
  if (value === null) throw badInput("invalid cursor for this order");
  const { column, type } = PROVIDER_ORDER[field]!;
  return Prisma.sql`(${column} ${op} ${value}::${type} OR (${column} = ${value}::${type} AND id ${op} ${id}::text))`;
}

async function proposalState(p: ProposalRow, ctx: FeedContext): Promise<string> {
  if (p.canceledAt !== null) return "Canceled";
  if (p.executedAt !== null) return "Executed";
  if (p.queuedAt !== null) return "Queued";
  const now = await ctx.now();
  if (now <= p.voteStart) return "Pending";
  if (now <= p.voteEnd) return "Active";
  const params = await ctx.params();
  const supply = BigInt(ctx.config.deployment.parameters.tokenSupply);
  const quorum = (supply * (params.get("quorumNumerator") ?? 0n)) / 100n;
  const forVotes = big(p.forVotes);
  const reached = forVotes + big(p.abstainVotes) >= quorum;
  return reached && forVotes > big(p.againstVotes) ? "Succeeded" : "Defeated";
}

/** The feed's resolvers. `signal` ends subscriptions at shutdown. */
export function createResolvers(signal: AbortSignal) {
  // One live feed per database (server): every subscriber shares its polls. Availability reads
  // chain time and parameters from the server-wide cache, the same for every request.
  const feeds = new WeakMap<object, LiveFeed>();
  const liveFeed = (ctx: FeedContext): LiveFeed => {
    let feed = feeds.get(ctx.read);
    if (!feed) {
      feed = createLiveFeed({
        read: ctx.read,
        intervalMs: ctx.config.pollIntervalMs,
        signal,
        derive: async (kind, row) =>
          row === null
            ? null
            : kind === "providers"
              ? availability(row as unknown as ProviderRow, ctx)
              : kind === "blocks"
                ? metaOf(row, ctx)
                : row,
      });
      feeds.set(ctx.read, feed);
    }
    return feed;
  };
  return {
    BigInt: BigIntScalar,
    Query: {
      async providers(
        _: unknown,
        args: { where?: ProviderFilter; orderBy?: string; orderDirection?: string; first?: number; after?: string },
        ctx: FeedContext,
        info: GraphQLResolveInfo,
      ) {
        // One parameterized SQL statement through the plain reader instead of Prisma's query
        // layer and per-request follow-up reads: the page (numeric columns as decimal text); the
        // covered heartbeat seconds of the uptime windows the query selects from
        // `coveredPerBlock` (read once per indexed block); the total count, when selected, from
        // `providerCount`.
        const first = pageSize(args.first);
        const field = args.orderBy != null && args.orderBy in PROVIDER_ORDER ? args.orderBy : "id";
        const dir = direction(args.orderDirection);
        const where = await providerWhere(args.where, ctx);
        const seek = providerSeek(field, dir, args.after);
        const sqlDir = Prisma.raw(dir === "desc" ? "DESC" : "ASC");
        const orderBy =
          field === "id"
            ? Prisma.sql`id ${sqlDir}`
            : Prisma.sql`${PROVIDER_ORDER[field]!.column} ${sqlDir}, id ${sqlDir}`;
        const reputation = selectedAt(info, ["items", "reputation"]);
        const windows = [24, 168].filter((h) => reputation.has(h === 24 ? "uptime24h" : "uptime7d"));
        const [now, params] = await Promise.all([ctx.now(), ctx.params()]);
        const columns = providerColumns(info, ["items"], [field]);
        const list = Prisma.raw(columns ? columns.map((c) => `"${c}"`).join(", ") : "*");
        const page = Prisma.sql`SELECT ${list} FROM providers WHERE ${where} AND ${seek} ORDER BY ${orderBy} LIMIT ${first + 1}`;
        const [raw, totalCount] = await Promise.all([
          readSql(ctx, page, { generic: genericPlan(args.where) }),
          wantsTotal(info) ? providerCount(ctx, where, args.where) : -1,
        ]);
        const rows = raw.filter((row) => row.id !== null && row.id !== undefined);
        const ids = rows.map((row) => row.id as string);
        const [covered24, covered168] = await Promise.all(
          [24, 168].map((h) => (windows.includes(h) ? coveredPerBlock(ctx, ids, now, h) : undefined)),
        );
        const withAvailability = selectedAt(info, ["items"]).has("availability");
        for (let i = 0; i < rows.length; i++) {
          const p = rows[i] as unknown as ProviderRow;
          // Chain time, parameters and windows are known here: the row's fields answer at once.
          // (The covered seconds are not primed for `ctx.covered`: each field that reads them at
          // `now` is answered here.)
          const known: Parameters<typeof remember>[1] = {};
          if (withAvailability) known.availability = availabilityAt(p, now, params);
          if (covered24) known.uptime24h = uptimeAt(p, now, 24, covered24[i]!);
          if (covered168) known.uptime7d = uptimeAt(p, now, 168, covered168[i]!);
          remember(p, known);
        }
        return connection(rows, first, field, totalCount);
      },
      provider: (_: unknown, args: { id: string }, ctx: FeedContext) => providerById(ctx, address(args.id, "id")),
      sessions: (_: unknown, args: SessionListArgs, ctx: FeedContext, info: GraphQLResolveInfo) =>
        listSessions(ctx, args, wantsTotal(info)),
      session: (_: unknown, args: { id: string }, ctx: FeedContext) =>
        ctx.prisma.session.findUnique({ where: { id: args.id } }),
      async proposals(_: unknown, args: { orderDirection?: string; first?: number; after?: string }, ctx: FeedContext) {
        const first = pageSize(args.first);
        const dir = direction(args.orderDirection);
        const seek = seekAfter("createdBlock", dir, args.after) as Prisma.ProposalWhereInput | undefined;
        const [rows, totalCount] = await Promise.all([
          ctx.prisma.proposal.findMany({
            where: seek ?? {},
            orderBy: [{ createdBlock: dir }, { id: dir }],
            take: first + 1,
          }),
          ctx.prisma.proposal.count(),
        ]);
        return connection(rows as unknown as Record<string, unknown>[], first, "createdBlock", totalCount);
      },
      proposal: (_: unknown, args: { id: string }, ctx: FeedContext) =>
        ctx.prisma.proposal.findUnique({ where: { id: args.id } }),
      async parameters(_: unknown, __: unknown, ctx: FeedContext) {
        const p = await ctx.params();
        const n = (k: string) => Number(p.get(k) ?? 0n);
        return {
          minStake: p.get("minStake") ?? 0n,
          unbondingPeriod: n("unbondingPeriod"),
          heartbeatTimeout: n("heartbeatTimeout"),
          maxSlashBps: n("maxSlashBps"),
          protocolFeeBps: n("protocolFeeBps"),
          acceptTimeout: n("acceptTimeout"),
          settlementWindow: n("settlementWindow"),
          treasury: getAddress(toHex(p.get("treasury") ?? 0n, { size: 20 })),
          votingDelay: n("votingDelay"),
          votingPeriod: n("votingPeriod"),
          proposalThreshold: p.get("proposalThreshold") ?? 0n,
          quorumNumerator: n("quorumNumerator"),
        };
      },
      networkStats: (_: unknown, __: unknown, ctx: FeedContext) => networkStats(ctx),
      networkSeries: (_: unknown, args: SeriesArgs & { region?: string | null }, ctx: FeedContext) =>
        networkSeries(ctx, args),
      _meta: async (_: unknown, __: unknown, ctx: FeedContext) => metaOf(await ctx.checkpoint(), ctx),
    },
    Provider: {
      wgPublicKeyBase64: (p: ProviderRow) => Buffer.from(p.wgPublicKey.slice(2), "hex").toString("base64"),
      availability: (p: ProviderRow, _: unknown, ctx: FeedContext) =>
        remembered(p)?.availability ?? availability(p, ctx),
      reputation: (p: ProviderRow) => p,
      sessions: (p: ProviderRow, args: SessionListArgs, ctx: FeedContext, info: GraphQLResolveInfo) =>
        listSessions(ctx, args, wantsTotal(info), p.id),
      exitPolicy: (p: ProviderRow) => exitPolicyOf(p),
      transport: (p: ProviderRow) =>
        p.transport === "none"
          ? null
          : {
              kind: p.transport,
              port: p.transportPort,
              certSha256: p.transportCertSha256,
              clientId: p.transportClientId,
            },
      slashes: (p: ProviderRow, _: unknown, ctx: FeedContext) =>
        ctx.prisma.slash.findMany({ where: { provider: p.id }, orderBy: [{ blockNumber: "asc" }, { id: "asc" }] }),
      series: (p: ProviderRow, args: SeriesArgs, ctx: FeedContext) =>
        providerSeries(ctx, p as unknown as Record<string, unknown>, args),
    },
    Reputation: {
      score: (p: ProviderRow) => p.score,
      async scoreBreakdown(p: ProviderRow, _: unknown, ctx: FeedContext) {
        // Recomputed at the time the stored score was computed, so the parts add up to it.
        const covered = p.scoreAt > 0 ? await ctx.covered(p.id, p.scoreAt, 168) : 0;
        const row = { ...p, acceptHistogram: p.acceptHistogram } as unknown as Record<string, unknown>;
        const b = scoreOf(row, covered, p.scoreAt, await ctx.params());
        return { ...b, computedAt: p.scoreAt };
      },
      uptime24h: (p: ProviderRow, _: unknown, ctx: FeedContext) => remembered(p)?.uptime24h ?? uptimeNow(p, ctx, 24),
      uptime7d: (p: ProviderRow, _: unknown, ctx: FeedContext) => remembered(p)?.uptime7d ?? uptimeNow(p, ctx, 168),
      acceptanceRate: (p: ProviderRow) =>
        p.sessionsAcceptedPaid + p.sessionsMissed === 0
          ? null
          : p.sessionsAcceptedPaid / (p.sessionsAcceptedPaid + p.sessionsMissed),
      medianAcceptSeconds: (p: ProviderRow) => histogramMedian(p.acceptHistogram as Record<string, number>),
      sessionsCompleted: (p: ProviderRow) => p.sessionsCompleted,
      sessionsPaid: (p: ProviderRow) => p.sessionsPaid,
      sessionsMissed: (p: ProviderRow) => p.sessionsMissed,
      bytesServed: (p: ProviderRow) => p.bytesServed,
      paidVolume: (p: ProviderRow) => p.paidVolume,
      slashCount: (p: ProviderRow) => p.slashCount,
      slashedAmount: (p: ProviderRow) => p.slashedAmount,
      slashes: (p: ProviderRow, _: unknown, ctx: FeedContext) =>
        ctx.prisma.slash.findMany({ where: { provider: p.id }, orderBy: [{ blockNumber: "asc" }, { id: "asc" }] }),
    },
    Session: {
      claims: (s: SessionRow, _: unknown, ctx: FeedContext) =>
        ctx.prisma.claim.findMany({ where: { sessionId: s.id }, orderBy: [{ blockNumber: "asc" }, { id: "asc" }] }),
    },
    Proposal: {
      state: (p: ProposalRow, _: unknown, ctx: FeedContext) => proposalState(p, ctx),
      async votes(p: ProposalRow, args: { first?: number; after?: string }, ctx: FeedContext) {
        const first = pageSize(args.first);
        const seek = seekAfter("id", "asc", args.after) as Prisma.VoteWhereInput | undefined;
        const where: Prisma.VoteWhereInput = { proposalId: p.id };
        const [rows, totalCount] = await Promise.all([
          ctx.prisma.vote.findMany({
            where: seek ? { AND: [where, seek] } : where,
            orderBy: [{ id: "asc" }],
            take: first + 1,
          }),
          ctx.prisma.vote.count({ where }),
        ]);
        return connection(rows as unknown as Record<string, unknown>[], first, "id", totalCount);
      },
    },
    Subscription: {
      providerAvailability: {
        subscribe: (root: unknown, args: { id: string }, ctx: FeedContext) =>
          liveFeed(ctx).subscribe("providers", address(args.id, "id"), { gone: root === GONE_AWARE }),
        resolve: (value: unknown) => value,
      },
      session: {
        subscribe: (root: unknown, args: { id: string }, ctx: FeedContext) =>
          liveFeed(ctx).subscribe("sessions", args.id, { gone: root === GONE_AWARE }),
        resolve: (value: unknown) => value,
      },
      indexedBlock: {
        subscribe: (root: unknown, __: unknown, ctx: FeedContext) =>
          liveFeed(ctx).subscribe("blocks", "head", { gone: root === GONE_AWARE }),
        resolve: (value: unknown) => value,
      },
    },
  };
}
