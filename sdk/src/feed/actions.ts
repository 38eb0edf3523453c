import type { Address } from "viem";
import { TRANSPORT_KINDS, type TransportKind } from "../transport/offer.ts";
import type { DvpnContext } from "../client/types.ts";
import { InvalidInputError } from "../errors/input.ts";
import { checkAddress, checkRegion, checkUint } from "../internal/validate.ts";
import {
  META_QUERY,
  NETWORK_SERIES_QUERY,
  NETWORK_STATS_QUERY,
  PROPOSAL_QUERY,
  PROPOSALS_QUERY,
  PROVIDER_QUERY,
  PROVIDER_SERIES_QUERY,
  PROVIDERS_QUERY,
  SESSION_QUERY,
  SESSIONS_QUERY,
} from "./documents.ts";
import { feedRequest, reviveBigInts } from "./request.ts";
import { watchIndexedBlocks, watchProviderAvailability, watchSession } from "./subscribe.ts";
import type {
  FeedMeta,
  FeedProposal,
  FeedProposalDetail,
  FeedProvider,
  FeedProviderDetail,
  FeedSession,
  FeedSessionDetail,
  FeedSessionStatus,
  NetworkBucket,
  NetworkStats,
  OrderDirection,
  Page,
  ProviderBucket,
  SeriesBucket,
} from "./types.ts";

type FeedClient = Pick<DvpnContext, "indexerUrl" | "fetch" | "feedTimeoutMs">;

/** Page-size and cursor options shared by the list queries. */
export interface PageParameters {
  /** 1–1000 (the server's default is 100). */
  first?: number;
  /** `pageInfo.endCursor` of the previous page. */
  after?: string;
  orderDirection?: OrderDirection;
}

function checkPage(p: PageParameters): Record<string, unknown> {
  if (p.first !== undefined && (!Number.isInteger(p.first) || p.first < 1 || p.first > 1000)) {
    throw new InvalidInputError({ field: "first", value: p.first, reason: "must be an integer from 1 to 1000" });
  }
  if (p.orderDirection !== undefined && p.orderDirection !== "asc" && p.orderDirection !== "desc") {
    throw new InvalidInputError({ field: "orderDirection", value: p.orderDirection, reason: "must be asc or desc" });
  }
  return { first: p.first, after: p.after, orderDirection: p.orderDirection };
}

const withId = <T extends { id: unknown }>(x: T) => ({ ...x, id: BigInt(x.id as string) });

/** Filters of {@link findProviders}; every given condition must hold. */
export interface ProviderFilter {
  /** ISO 3166-1 alpha-2, e.g. "DE". */
  region?: string;
  available?: boolean;
  registered?: boolean;
  paused?: boolean;
  minStake?: bigint;
  maxPricePerGiB?: bigint;
  maxPricePerMinute?: bigint;
  /** Reputation score 0–100. */
  minScore?: number;
  /** Only these addresses. */
  idIn?: Address[];
  /** Only providers whose published exit policy lets clients reach this destination port, e.g. 443. */
  allowsPort?: number;
  /** Only providers whose published exit policy refuses this destination port, e.g. 25 (no SMTP). */
  deniesPort?: number;
  /** Only providers that offer this obfuscated transport (`none`: only those that offer none). */
  transport?: TransportKind;
}

/** Parameters of {@link findProviders}. */
export interface FindProvidersParameters extends PageParameters {
  where?: ProviderFilter;
  orderBy?:
    "id" | "stake" | "pricePerGiB" | "pricePerMinute" | "score" | "registeredAt" | "lastHeartbeat" | "paidVolume";
}

/**
 * Lists providers from the indexer feed, with filters, ordering and cursor pagination.
 * @param client a DvpnClient with an `indexerUrl`.
 * @param params filters (region, available, minStake, maxPricePerGiB, minScore, ...), order and page.
 * @returns a page of providers with reputation and availability.
 * @throws {FeedError} when the feed fails; {@link InvalidInputError} on bad filters.
 * @example
 * const { items } = await findProviders(client, {
 *   where: { region: "DE", available: true, maxPricePerGiB: 50_000n }, orderBy: "score", orderDirection: "desc", first: 10,
 * })
 */
export async function findProviders(
  client: FeedClient,
  params: FindProvidersParameters = {},
): Promise<Page<FeedProvider>> {
  const w = params.where ?? {};
  const where: Record<string, unknown> = {};
  if (w.region !== undefined) {
    checkRegion(w.region);
    where.region = w.region.toUpperCase();
  }
  for (const k of ["available", "registered", "paused"] as const) if (w[k] !== undefined) where[k] = w[k];
  for (const k of ["minStake", "maxPricePerGiB", "maxPricePerMinute"] as const) {
    if (w[k] !== undefined) where[k] = checkUint(w[k], k, 256).toString();
  }
  if (w.minScore !== undefined) {
    if (typeof w.minScore !== "number" || !(w.minScore >= 0 && w.minScore <= 100)) {
      throw new InvalidInputError({ field: "minScore", value: w.minScore, reason: "must be a number from 0 to 100" });
    }
    where.minScore = w.minScore;
  }
  if (w.idIn !== undefined) where.id_in = w.idIn.map((a, i) => checkAddress(a, `idIn[${i}]`));
  for (const k of ["allowsPort", "deniesPort"] as const) {
    const port = w[k];
    if (port === undefined) continue;
    if (!Number.isInteger(port) || port < 1 || port > 65535)
      throw new InvalidInputError({ field: k, value: port, reason: "must be a port from 1 to 65535" });
    where[k] = port;
  }
  if (w.transport !== undefined) {
    if (!(TRANSPORT_KINDS as readonly string[]).includes(w.transport))
      throw new InvalidInputError({
        field: "transport",
        value: w.transport,
        reason: `must be ${TRANSPORT_KINDS.join(" or ")}`,
      });
    where.transport = w.transport;
  }
  const data = await feedRequest<{ providers: unknown }>(client, PROVIDERS_QUERY, {
    where,
    orderBy: params.orderBy,
    ...checkPage(params),
  });
  return reviveBigInts<Page<FeedProvider>>(data.providers);
}

/**
 * One provider from the feed, with reputation, availability and slashes.
 * @param client a DvpnClient with an `indexerUrl`.
 * @param params the provider's address.
 * @returns the provider, or `null` when the indexer does not know it.
 * @example const p = await getFeedProvider(client, { id: "0x…" }); console.log(p?.reputation.score)
 */
export async function getFeedProvider(client: FeedClient, params: { id: Address }): Promise<FeedProviderDetail | null> {
  const id = checkAddress(params.id, "id");
  const data = await feedRequest<{ provider: unknown }>(client, PROVIDER_QUERY, { id });
  return reviveBigInts<FeedProviderDetail | null>(data.provider);
}

/** Filters of {@link findSessions}. */
export interface SessionFilter {
  provider?: Address;
  client?: Address;
  status?: FeedSessionStatus;
  statusIn?: FeedSessionStatus[];
  /** Only sessions with paid > 0 (true) or paid = 0 (false). */
  paid?: boolean;
}

/** Parameters of {@link findSessions}. */
export interface FindSessionsParameters extends PageParameters {
  where?: SessionFilter;
  orderBy?: "id" | "openedAt" | "paid" | "deposit";
}

/**
 * Lists sessions from the feed.
 * @param client a DvpnClient with an `indexerUrl`.
 * @param params filters (provider, client, status, paid), order and page.
 * @returns a page of sessions.
 * @example const { items } = await findSessions(client, { where: { client: me, status: "Active" } })
 */
export async function findSessions(
  client: FeedClient,
  params: FindSessionsParameters = {},
): Promise<Page<FeedSession>> {
  const w = params.where ?? {};
  const where: Record<string, unknown> = {};
  if (w.provider !== undefined) where.provider = checkAddress(w.provider, "provider");
  if (w.client !== undefined) where.client = checkAddress(w.client, "client");
  if (w.status !== undefined) where.status = w.status;
  if (w.statusIn !== undefined) where.status_in = w.statusIn;
  if (w.paid !== undefined) where.paid = w.paid;
  const data = await feedRequest<{ sessions: Page<{ id: string }> }>(client, SESSIONS_QUERY, {
    where,
    orderBy: params.orderBy,
    ...checkPage(params),
  });
  const page = reviveBigInts<Page<FeedSession & { id: unknown }>>(data.sessions);
  return { ...page, items: page.items.map(withId) };
}

/**
 * One session from the feed, with its claims.
 * @param client a DvpnClient with an `indexerUrl`.
 * @param params the session id.
 * @returns the session, or `null` when unknown.
 * @example const s = await getFeedSession(client, { id: 1n })
 */
export async function getFeedSession(client: FeedClient, params: { id: bigint }): Promise<FeedSessionDetail | null> {
  const id = checkUint(params.id, "id", 256, 1n);
  const data = await feedRequest<{ session: unknown }>(client, SESSION_QUERY, { id: id.toString() });
  const s = reviveBigInts<(FeedSessionDetail & { id: unknown }) | null>(data.session);
  return s ? withId(s) : null;
}

/**
 * Lists governance proposals from the feed (newest first by default).
 * @param client a DvpnClient with an `indexerUrl`.
 * @param params order and page.
 * @returns a page of proposals with their tallies.
 * @example const { items } = await findProposals(client, { first: 20 })
 */
export async function findProposals(client: FeedClient, params: PageParameters = {}): Promise<Page<FeedProposal>> {
  const data = await feedRequest<{ proposals: unknown }>(client, PROPOSALS_QUERY, checkPage(params));
  const page = reviveBigInts<Page<FeedProposal & { id: unknown }>>(data.proposals);
  return { ...page, items: page.items.map(withId) };
}

/**
 * One proposal from the feed with a page of its votes.
 * @param client a DvpnClient with an `indexerUrl`.
 * @param params the proposal id and the votes page.
 * @returns the proposal, or `null` when unknown.
 * @example const p = await getFeedProposal(client, { id: proposalId }); console.log(p?.votes.items)
 */
export async function getFeedProposal(
  client: FeedClient,
  params: { id: bigint; votesFirst?: number; votesAfter?: string },
): Promise<FeedProposalDetail | null> {
  const id = checkUint(params.id, "id", 256);
  const page = checkPage({ first: params.votesFirst });
  const data = await feedRequest<{ proposal: unknown }>(client, PROPOSAL_QUERY, {
    id: id.toString(),
    votesFirst: page.first,
    votesAfter: params.votesAfter,
  });
  const p = reviveBigInts<(FeedProposalDetail & { id: unknown }) | null>(data.proposal);
  return p ? withId(p) : null;
}

/**
 * Network-wide figures (providers online, stake, sessions, 24 h volume) with a per-region breakdown.
 * @param client a DvpnClient with an `indexerUrl`.
 * @returns the figures.
 * @example const { providersOnline } = await getNetworkStats(client)
 */
export async function getNetworkStats(client: FeedClient): Promise<NetworkStats> {
  const data = await feedRequest<{ networkStats: unknown }>(client, NETWORK_STATS_QUERY);
  return reviveBigInts<NetworkStats>(data.networkStats);
}

/** The range of a time series: buckets from the one holding `from` to the one holding `to`, at most 744. */
export interface SeriesParameters {
  /** "hour" (default) or "day" (UTC). */
  bucket?: SeriesBucket;
  /** Unix seconds; default 23 buckets before `to`. */
  from?: number;
  /** Unix seconds; default the chain head's time. */
  to?: number;
}

function checkSeries(p: SeriesParameters): Record<string, unknown> {
  if (p.bucket !== undefined && p.bucket !== "hour" && p.bucket !== "day") {
    throw new InvalidInputError({ field: "bucket", value: p.bucket, reason: "must be hour or day" });
  }
  for (const k of ["from", "to"] as const) {
    const v = p[k];
    if (v !== undefined && (!Number.isInteger(v) || v < 0 || v > 2 ** 31 - 1)) {
      throw new InvalidInputError({ field: k, value: v, reason: "must be a unix time in seconds" });
    }
  }
  return { bucket: p.bucket, from: p.from, to: p.to };
}

/**
 * The network's activity per bucket, oldest first: sessions opened and settled, claims, bytes,
 * volume and the average number of providers online.
 * @param client a DvpnClient with an `indexerUrl`.
 * @param params the bucket width and range (default: the last 24 hours) and an optional region.
 * @returns one entry per bucket, empty buckets included.
 * @example const hours = await getNetworkSeries(client, { bucket: "hour" })
 */
export async function getNetworkSeries(
  client: FeedClient,
  params: SeriesParameters & { region?: string } = {},
): Promise<NetworkBucket[]> {
  const region = params.region === undefined ? undefined : (checkRegion(params.region), params.region.toUpperCase());
  const data = await feedRequest<{ networkSeries: unknown }>(client, NETWORK_SERIES_QUERY, {
    ...checkSeries(params),
    region,
  });
  return reviveBigInts<NetworkBucket[]>(data.networkSeries);
}

/**
 * One provider's history per bucket, oldest first: uptime, heartbeats, sessions opened and
 * accepted with the median and longest acceptance latency, bytes and volume.
 * @param client a DvpnClient with an `indexerUrl`.
 * @param params the provider's address, the bucket width and range (default: the last 24 hours).
 * @returns one entry per bucket, or `null` when the indexer does not know the provider.
 * @example const days = await getProviderSeries(client, { id: "0x…", bucket: "day", from: now - 30 * 86400 })
 */
export async function getProviderSeries(
  client: FeedClient,
  params: SeriesParameters & { id: Address },
): Promise<ProviderBucket[] | null> {
  const id = checkAddress(params.id, "id");
  const data = await feedRequest<{ provider: { series: unknown } | null }>(client, PROVIDER_SERIES_QUERY, {
    id,
    ...checkSeries(params),
  });
  return data.provider ? reviveBigInts<ProviderBucket[]>(data.provider.series) : null;
}

/**
 * How far the indexer has read the chain (`_meta`).
 * @param client a DvpnClient with an `indexerUrl`.
 * @returns the last indexed block, the head seen, chain id and reorg count.
 * @example const { block } = await getFeedMeta(client)
 */
export async function getFeedMeta(client: FeedClient): Promise<FeedMeta> {
  const data = await feedRequest<{ _meta: FeedMeta }>(client, META_QUERY);
  return data._meta;
}

/**
 * Walks every page of a cursor-paginated feed query.
 * @param fetchPage fetches the page after a cursor (undefined for the first).
 * @param maxPages stops after this many pages (default 1000).
 * @returns an async iterator over every item.
 * @example
 * for await (const p of paginate((after) => findProviders(client, { where: { region: "DE" }, first: 1000, after })))
 *   console.log(p.id)
 */
export async function* paginate<T>(
  fetchPage: (after: string | undefined) => Promise<Page<T>>,
  maxPages = 1000,
): AsyncGenerator<T> {
  let after: string | undefined;
  for (let page = 0; page < maxPages; page++) {
    const { items, pageInfo } = await fetchPage(after);
    yield* items;
    if (!pageInfo.hasNextPage || !pageInfo.endCursor || pageInfo.endCursor === after) return;
    after = pageInfo.endCursor;
  }
}

/**
 * Feed queries bound to a client.
 * @param c the context (its `indexerUrl` and `fetch`).
 * @returns the feed queries, each taking only its parameters.
 * @example const feed = feedActions(context); await feed.findProviders({ first: 10 })
 */
export function feedActions(c: DvpnContext) {
  return {
    findProviders: (p: FindProvidersParameters = {}) => findProviders(c, p),
    getFeedProvider: (p: { id: Address }) => getFeedProvider(c, p),
    findSessions: (p: FindSessionsParameters = {}) => findSessions(c, p),
    getFeedSession: (p: { id: bigint }) => getFeedSession(c, p),
    findProposals: (p: PageParameters = {}) => findProposals(c, p),
    getFeedProposal: (p: { id: bigint; votesFirst?: number; votesAfter?: string }) => getFeedProposal(c, p),
    getNetworkStats: () => getNetworkStats(c),
    getNetworkSeries: (p: SeriesParameters & { region?: string } = {}) => getNetworkSeries(c, p),
    getProviderSeries: (p: SeriesParameters & { id: Address }) => getProviderSeries(c, p),
    getFeedMeta: () => getFeedMeta(c),
    watchProviderAvailability: (p: { id: Address; signal?: AbortSignal }) => watchProviderAvailability(c, p),
    watchSession: (p: { id: bigint; signal?: AbortSignal }) => watchSession(c, p),
    watchIndexedBlocks: (p: { signal?: AbortSignal } = {}) => watchIndexedBlocks(c, p),
  };
}
