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
 * Calls `onBlock` whenever the indexer has read a new block, until `signal` aborts; shows the
 * indexed block in the header. Follows the feed's `indexedBlock` subscription (one SSE stream);
 * if the stream fails or ends, polls `_meta` every {@link BLOCK_POLL_MS} instead.
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
      live.title = mode === "live" ? "following the feed's live stream" : "polling the feed every 2 s";
    }
    if (last >= 0 && n !== last) onBlock(n);
    last = n;
  };
  const tick = async () => {
    if (signal.aborted) return;
    try {
      seen(await getFeedMeta(feed), "polling");
    } catch {
      if (live) live.textContent = "feed unreachable";
    }
    if (!signal.aborted) setTimeout(() => void tick(), BLOCK_POLL_MS);
  };
  void (async () => {
    try {
      for await (const meta of watchIndexedBlocks(feed, { signal })) seen(meta, "live");
    } catch {
      // the stream failed: poll instead
    }
    void tick();
  })();
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
