/**
 * What every page shares: the explorer config the indexer serves (deployment and token facts),
 * the feed client (the SDK's feed queries over this origin's /graphql) and a "new block" signal.
 */
import type { Deployment } from "../../../sdk/src/deployment/types.ts";
import { getFeedMeta } from "../../../sdk/src/feed/actions.ts";
import { watchIndexedBlocks } from "../../../sdk/src/feed/subscribe.ts";
import type { FeedMeta } from "../../../sdk/src/feed/types.ts";
import type { TokenInfo } from "./format.ts";

/** `/explorer.json`. */
export interface ExplorerConfig {
  chainId: number;
  deployment: Deployment;
  /** The protocol token (stake, votes). */
  token: TokenInfo;
  /** The escrow's payment token (prices, deposits). */
  paymentToken: TokenInfo;
}

/** The SDK feed client of this page: the indexer that served it. */
export const feed = {
  indexerUrl: new URL("/graphql", location.href).toString(),
  fetch: (input: RequestInfo | URL, init?: RequestInit) => fetch(input, init),
  feedTimeoutMs: 15_000,
};

let configPromise: Promise<ExplorerConfig> | undefined;

/** Loads `/explorer.json` once (again after a failure). */
export function loadConfig(): Promise<ExplorerConfig> {
  configPromise ??= fetch("/explorer.json").then(async (res) => {
    const body = (await res.json()) as ExplorerConfig & { error?: string };
    if (!res.ok) throw new Error(body.error ?? `HTTP ${res.status}`);
    await readChainClock().catch(() => undefined);
    return body;
  });
  configPromise.catch(() => (configPromise = undefined));
  return configPromise;
}

/** How often the network and governance pages poll for a new block when the feed's stream is down. */
export const BLOCK_POLL_MS = 2000;

/**
 * While polling, the feed's stream is tried again after `first` ms, then after twice as long each
 * time it fails again, up to `max`; once it has delivered a block, the next failure starts over.
 */
export const STREAM_RETRY_MS = { first: 2000, max: 60_000 };

/**
 * Calls `onBlock` whenever the indexer has read a new block, until `signal` aborts; shows the
 * indexed block in the header. Follows the feed's `indexedBlock` subscription (one SSE stream);
 * while the stream is down (it failed or ended), polls `_meta` every {@link BLOCK_POLL_MS} and
 * tries the stream again with backoff ({@link STREAM_RETRY_MS}), going back to it when it answers.
 */
export function watchBlocks(signal: AbortSignal, onBlock: (block: number) => void): void {
  let last = -1;
  const live = document.getElementById("live");
  const seen = (meta: FeedMeta, mode: "live" | "polling") => {
    setClock(meta);
    const n = meta.block?.number ?? -1;
    if (live) {
      live.textContent = `block ${n}`;
      live.dataset.mode = mode;
      live.title =
        mode === "live"
          ? "following the feed's live stream"
          : "polling the feed every 2 s while its live stream is down (retried with backoff)";
    }
    if (last >= 0 && n !== last) onBlock(n);
    last = n;
  };
  // Whether the stream is delivering (polling stops) and whether a polling loop runs.
  let streaming = false;
  let polling = false;
  const tick = async () => {
    if (signal.aborted || streaming) {
      polling = false;
      return;
    }
    try {
      seen(await getFeedMeta(feed), "polling");
    } catch {
      if (live) live.textContent = "feed unreachable";
    }
    if (!signal.aborted) setTimeout(() => void tick(), BLOCK_POLL_MS);
  };
  let retryMs = STREAM_RETRY_MS.first;
  const follow = async () => {
    if (signal.aborted) return;
    try {
      for await (const meta of watchIndexedBlocks(feed, { signal })) {
        if (!streaming) retryMs = STREAM_RETRY_MS.first;
        streaming = true;
        seen(meta, "live");
      }
    } catch {
      // the stream failed: poll, and try it again later
    }
    streaming = false;
    if (signal.aborted) return;
    if (!polling) {
      polling = true;
      void tick();
    }
    const wait = retryMs;
    retryMs = Math.min(retryMs * 2, STREAM_RETRY_MS.max);
    setTimeout(() => void follow(), wait);
  };
  void follow();
}

/** The chain head's timestamp and when we read it (a local chain's clock may be moved ahead). */
let clock: { chain: number; local: number } | undefined;

function setClock(meta: FeedMeta): void {
  const t = meta.headTimestamp ?? meta.block?.timestamp;
  if (t) clock = { chain: t, local: Date.now() };
}

async function readChainClock() {
  const meta = await getFeedMeta(feed);
  setClock(meta);
  return meta;
}

/** Chain time now, in unix seconds: the head's timestamp plus the time since it was read. */
export function nowSeconds(): number {
  return clock ? clock.chain + Math.floor((Date.now() - clock.local) / 1000) : Math.floor(Date.now() / 1000);
}
