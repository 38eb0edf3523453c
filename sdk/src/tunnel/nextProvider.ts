/** Choosing the provider to connect to: the best one under a price cap, skipping those that failed. */
import type { Address } from "viem";
import type { DvpnClient } from "../client/createDvpnClient.ts";

/** What a connection may connect to. */
export interface ProviderChoice {
  /** Only this provider (no failover to others). */
  provider?: Address;
  /** ISO 3166-1 alpha-2 region, e.g. "DE". */
  region?: string;
  /** The highest price per GiB accepted (base units). */
  maxPricePerGiB?: bigint;
  /** The highest price per minute accepted (base units). */
  maxPricePerMinute?: bigint;
  /** Only providers offering this obfuscated transport (`ProviderRegistry.setTransport`). */
  transport?: "v2ray";
  /**
   * Providers and regions to leave out, asked at every pick (a two-hop connection keeps the
   * other hop's provider, and by default its region, out of this hop).
   */
  avoid?: () => ProviderAvoidance;
}

/** What {@link ProviderChoice.avoid} returns. */
export interface ProviderAvoidance {
  providers: readonly Address[];
  /** ISO 3166-1 alpha-2 regions. */
  regions: readonly string[];
}

/** A provider picked by {@link nextProvider}, and how. */
export interface PickedProvider {
  address: Address;
  /** The feed's reputation score, when picked from the feed. */
  score?: number;
  /** How many candidates there were (not counting the excluded ones). */
  candidates: number;
  source: "feed" | "chain" | "named";
}

/**
 * The best available provider for `choice` that is not in `exclude`: by score from the feed when
 * the client has an `indexerUrl`, else the cheapest on chain (from logs). A named provider is
 * returned as long as it is not excluded and the chain says it is available.
 * @param client the client.
 * @param choice region and price caps, or one provider.
 * @param exclude providers to skip (e.g. the ones that failed).
 * @returns the provider, or undefined when none is left.
 * @example const next = await nextProvider(client, { region: "DE", maxPricePerGiB: 50_000n }, [failed])
 */
export async function nextProvider(
  client: DvpnClient,
  choice: ProviderChoice,
  exclude: readonly Address[] = [],
): Promise<PickedProvider | undefined> {
  const avoid = choice.avoid?.() ?? { providers: [], regions: [] };
  const skip = new Set([...exclude, ...avoid.providers].map((a) => a.toLowerCase()));
  const regionOk = (region: string) => !avoid.regions.includes(region);
  if (choice.provider) {
    if (skip.has(choice.provider.toLowerCase())) return undefined;
    if (avoid.regions.length && !regionOk((await client.getProvider({ provider: choice.provider })).region)) {
      return undefined;
    }
    const available = await client.isProviderAvailable({ provider: choice.provider });
    return available ? { address: choice.provider, candidates: 1, source: "named" } : undefined;
  }
  if (client.indexerUrl) {
    const page = await client.findProviders({
      where: {
        available: true,
        ...(choice.region ? { region: choice.region } : {}),
        ...(choice.maxPricePerGiB !== undefined ? { maxPricePerGiB: choice.maxPricePerGiB } : {}),
        ...(choice.maxPricePerMinute !== undefined ? { maxPricePerMinute: choice.maxPricePerMinute } : {}),
        ...(choice.transport ? { transport: choice.transport } : {}),
      },
      orderBy: "score",
      orderDirection: "desc",
      first: avoid.regions.length ? 1000 : Math.min(1000, skip.size + 1),
    });
    const left = page.items.filter((p) => !skip.has(p.id.toLowerCase()) && regionOk(p.region));
    const best = left[0];
    return best
      ? { address: best.id, score: best.reputation.score, candidates: left.length, source: "feed" }
      : undefined;
  }
  let listed = await client.listProviders();
  if (choice.transport) {
    const offers = await Promise.all(listed.map((p) => client.getTransport({ provider: p.address })));
    listed = listed.filter((_, i) => offers[i]?.kind === choice.transport);
  }
  const candidates = listed
    .filter((p) => p.available && !skip.has(p.address.toLowerCase()) && regionOk(p.region))
    .filter((p) => (choice.region ? p.region === choice.region : true))
    .filter((p) => (choice.maxPricePerGiB !== undefined ? p.pricePerGiB <= choice.maxPricePerGiB : true))
    .filter((p) => (choice.maxPricePerMinute !== undefined ? p.pricePerMinute <= choice.maxPricePerMinute : true))
    .sort((a, b) => (a.pricePerGiB < b.pricePerGiB ? -1 : a.pricePerGiB > b.pricePerGiB ? 1 : 0));
  const best = candidates[0];
  return best ? { address: best.address, candidates: candidates.length, source: "chain" } : undefined;
}
