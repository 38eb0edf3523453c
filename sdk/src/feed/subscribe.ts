/**
 * Feed subscriptions over Server-Sent Events (GraphQL over SSE, "distinct connections"
 * mode, as graphql-yoga serves it): one HTTP request per subscription, `event: next` with a
 * GraphQL result per change, `event: complete` at the end.
 */
import type { Address } from "viem";
import type { DvpnContext } from "../client/types.ts";
import { FeedError } from "../errors/feed.ts";
import { FeedNotConfiguredError } from "../errors/input.ts";
import { checkAddress, checkUint } from "../internal/validate.ts";
import { INDEXED_BLOCK_SUBSCRIPTION, PROVIDER_AVAILABILITY_SUBSCRIPTION, SESSION_SUBSCRIPTION } from "./documents.ts";
import { reviveBigInts } from "./request.ts";
import { feedDeadline } from "./timeout.ts";
import type { Availability, FeedMeta, FeedSession } from "./types.ts";

type FeedClient = Pick<DvpnContext, "indexerUrl" | "fetch" | "feedTimeoutMs">;

/**
 * Runs a GraphQL subscription on the feed and yields each result's `data` until the server
 * completes it or `signal` aborts (then the iterator just ends). The server must start the event
 * stream within the client's `feedTimeoutMs` (default 10 s); the stream itself has no time limit.
 * @param client anything with `indexerUrl` and `fetch` (a DvpnClient).
 * @param query a GraphQL subscription document.
 * @param variables its variables.
 * @param options `signal` to stop.
 * @returns an async iterator of `data` objects.
 * @throws {FeedError} when the request fails, the stream does not start within the timeout, or the
 *   server sends GraphQL errors.
 * @example for await (const data of subscribeFeed(client, doc, { id })) console.log(data)
 */
export async function* subscribeFeed<T>(
  client: FeedClient,
  query: string,
  variables: Record<string, unknown>,
  options: { signal?: AbortSignal } = {},
): AsyncGenerator<T> {
  const url = client.indexerUrl;
  if (!url) throw new FeedNotConfiguredError();
  let res: Response;
  // The deadline covers the answer's headers (and a non-stream answer's body): an event stream
  // may then stay open for as long as it likes.
  const deadline = feedDeadline(url, client.feedTimeoutMs);
  try {
    res = await deadline.race(
      client.fetch(url, {
        method: "POST",
        headers: { "content-type": "application/json", accept: "text/event-stream" },
        body: JSON.stringify({ query, variables }),
        signal: options.signal ? AbortSignal.any([options.signal, deadline.signal]) : deadline.signal,
      }),
    );
  } catch (err) {
    deadline.clear();
    if (options.signal?.aborted) return;
    if (deadline.expired()) throw err;
    throw new FeedError({ url, reason: `cannot reach it (${(err as Error).message})`, cause: err });
  }
  if (!res.ok || !res.body || !(res.headers.get("content-type") ?? "").includes("text/event-stream")) {
    let text = "";
    try {
      text = await deadline.race(res.text());
    } catch (err) {
      if (deadline.expired()) throw err;
    } finally {
      deadline.clear();
    }
    let messages: string[] = [];
    try {
      messages = ((JSON.parse(text) as { errors?: { message: string }[] }).errors ?? []).map((e) => e.message);
    } catch {
      /* not JSON */
    }
    throw new FeedError({
      url,
      status: res.status,
      reason: messages.length ? messages.join("; ") : `HTTP ${res.status}, not an event stream`,
      graphqlErrors: messages,
    });
  }
  deadline.clear();
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  try {
    for (;;) {
      let chunk;
      try {
        chunk = await reader.read();
      } catch (err) {
        if (options.signal?.aborted) return;
        throw new FeedError({ url, reason: `the event stream broke (${(err as Error).message})`, cause: err });
      }
      if (chunk.done) return;
      buffer += chunk.value.replace(/\r\n/g, "\n");
      let end: number;
      while ((end = buffer.indexOf("\n\n")) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        let event = "message";
        const data: string[] = [];
        for (const line of block.split("\n")) {
          if (line.startsWith("event:")) event = line.slice(6).trim();
          else if (line.startsWith("data:")) data.push(line.slice(5).trimStart());
        }
        if (event === "complete") return;
        const payload = data.join("\n");
        if (!payload) continue;
        const result = JSON.parse(payload) as { data?: T; errors?: { message: string }[] };
        if (result.errors?.length) {
          const messages = result.errors.map((e) => e.message);
          throw new FeedError({ url, reason: messages.join("; "), graphqlErrors: messages });
        }
        if (result.data !== undefined) yield result.data;
      }
    }
  } finally {
    await reader.cancel().catch(() => undefined);
  }
}

/**
 * Follows a provider's availability on the feed: the current value first, then every change.
 * @param client a DvpnClient with an `indexerUrl`.
 * @param params the provider and a `signal` to stop.
 * @returns an async iterator of availability snapshots.
 * @example
 * for await (const a of watchProviderAvailability(client, { id: provider, signal }))
 *   console.log(a.available, a.activeSessions)
 */
export async function* watchProviderAvailability(
  client: FeedClient,
  params: { id: Address; signal?: AbortSignal },
): AsyncGenerator<Availability> {
  const id = checkAddress(params.id, "id");
  const opts = params.signal ? { signal: params.signal } : {};
  for await (const data of subscribeFeed<{ providerAvailability: Availability }>(
    client,
    PROVIDER_AVAILABILITY_SUBSCRIPTION,
    { id },
    opts,
  )) {
    yield data.providerAvailability;
  }
}

/**
 * Follows a session on the feed: its current record first, then every change (accepted,
 * claimed, closed, settled).
 * @param client a DvpnClient with an `indexerUrl`.
 * @param params the session id and a `signal` to stop.
 * @returns an async iterator of session records.
 * @example
 * for await (const s of watchSession(client, { id: sessionId, signal }))
 *   if (s.status === "Active") { console.log(s.tunnelAddress); break }
 */
export async function* watchSession(
  client: FeedClient,
  params: { id: bigint; signal?: AbortSignal },
): AsyncGenerator<FeedSession> {
  const id = checkUint(params.id, "id", 256, 1n);
  const opts = params.signal ? { signal: params.signal } : {};
  for await (const data of subscribeFeed<{ session: unknown }>(
    client,
    SESSION_SUBSCRIPTION,
    { id: id.toString() },
    opts,
  )) {
    const s = reviveBigInts<FeedSession & { id: unknown }>(data.session);
    yield { ...s, id: BigInt(String(s.id)) };
  }
}

/**
 * Follows the indexer as it reads the chain: its `_meta` now, then after every indexed block (or
 * move of the chain head). One stream for a whole-network view that reloads on new blocks.
 * @param client a DvpnClient with an `indexerUrl`.
 * @param params a `signal` to stop.
 * @returns an async iterator of `_meta` snapshots.
 * @example
 * for await (const meta of watchIndexedBlocks(client, { signal })) console.log(meta.block?.number)
 */
export async function* watchIndexedBlocks(
  client: FeedClient,
  params: { signal?: AbortSignal } = {},
): AsyncGenerator<FeedMeta> {
  const opts = params.signal ? { signal: params.signal } : {};
  for await (const data of subscribeFeed<{ indexedBlock: FeedMeta }>(client, INDEXED_BLOCK_SUBSCRIPTION, {}, opts)) {
    yield data.indexedBlock;
  }
}
