import type { DvpnContext } from "../client/types.ts";
import { FeedError } from "../errors/feed.ts";
import { FeedNotConfiguredError } from "../errors/input.ts";
import { feedDeadline } from "./timeout.ts";

/** Fields the feed sends as decimal strings (uint256 and other large integers) and the SDK returns as bigint. */
const BIGINT_FIELDS = new Set([
  "pricePerGiB",
  "pricePerMinute",
  "stake",
  "unbonding",
  "bytesServed",
  "paidVolume",
  "slashedAmount",
  "amount",
  "stakeAfter",
  "deposit",
  "claimedBytes",
  "claimedSeconds",
  "paid",
  "fees",
  "refund",
  "totalBytes",
  "totalSeconds",
  "fee",
  "totalPaid",
  "values",
  "forVotes",
  "againstVotes",
  "abstainVotes",
  "weight",
  "totalStake",
  "bytes24h",
  "volume24h",
  "minStake",
  "proposalThreshold",
  "bytes",
  "volume",
]);

const toBig = (v: unknown): unknown =>
  typeof v === "string" && /^-?\d+$/.test(v) ? BigInt(v) : Array.isArray(v) ? v.map(toBig) : v;

/**
 * Turns the feed's decimal strings into bigints, recursively, by field name. Ids of
 * sessions and proposals (`BigInt` in the schema) are converted by the caller.
 */
export function reviveBigInts<T>(value: unknown): T {
  if (Array.isArray(value)) return value.map((v) => reviveBigInts(v)) as T;
  if (value && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = BIGINT_FIELDS.has(k) ? toBig(v) : reviveBigInts(v);
    return out as T;
  }
  return value as T;
}

/**
 * Sends one GraphQL query to the client's indexer and returns `data`. The whole request (connection,
 * answer and body) must finish within the client's `feedTimeoutMs` (default 10 s).
 * @throws {FeedNotConfiguredError} without an indexer URL.
 * @throws {FeedError} on a network failure, an HTTP error, GraphQL errors, or no answer within the timeout
 *   (`indexer feed at <url>: no answer within 10000 ms …`).
 * @param client anything with `indexerUrl` and `fetch` (a DvpnClient), and optionally `feedTimeoutMs`.
 * @param query a GraphQL document.
 * @param variables its variables (bigints are sent as decimal strings).
 * @returns the `data` of the answer.
 * @example const { _meta } = await feedRequest<{ _meta: FeedMeta }>(client, "{ _meta { chainId } }")
 */
export async function feedRequest<T>(
  client: Pick<DvpnContext, "indexerUrl" | "fetch" | "feedTimeoutMs">,
  query: string,
  variables: Record<string, unknown> = {},
): Promise<T> {
  const url = client.indexerUrl;
  if (!url) throw new FeedNotConfiguredError();
  const deadline = feedDeadline(url, client.feedTimeoutMs);
  try {
    let res: Response;
    try {
      res = await deadline.race(
        client.fetch(url, {
          method: "POST",
          headers: { "content-type": "application/json", accept: "application/json" },
          body: JSON.stringify(variables ? { query, variables } : { query }, (_k, v) =>
            typeof v === "bigint" ? v.toString() : v,
          ),
          signal: deadline.signal,
        }),
      );
    } catch (err) {
      if (deadline.expired()) throw err;
      throw new FeedError({ url, reason: `cannot reach it (${(err as Error).message})`, cause: err });
    }
    let body: { data?: T; errors?: { message: string }[] } | undefined;
    try {
      body = (await deadline.race(res.json())) as typeof body;
    } catch (err) {
      if (deadline.expired()) throw err;
      throw new FeedError({ url, status: res.status, reason: `HTTP ${res.status}, not a GraphQL answer`, cause: err });
    }
    if (body?.errors?.length) {
      const messages = body.errors.map((e) => e.message);
      throw new FeedError({ url, status: res.status, reason: messages.join("; "), graphqlErrors: messages });
    }
    if (!res.ok || !body?.data)
      throw new FeedError({ url, status: res.status, reason: `HTTP ${res.status} without data` });
    return body.data;
  } finally {
    deadline.clear();
  }
}
