/**
 * Choosing the two providers of a two-hop connection before any money moves: an exit and an
 * entry run by different operators (provider accounts) and, unless the caller allows it, in
 * different regions.
 */
import type { Address } from "viem";
import type { DvpnClient } from "../client/createDvpnClient.ts";
import { DvpnError } from "../errors/base.ts";
import { nextProvider, type ProviderChoice } from "./nextProvider.ts";

/** No entry and exit pair qualifies; nothing was opened or paid. */
export class HopPairError extends DvpnError {
  override name = "HopPairError";
}

/** The planned pair. */
export interface HopPair {
  entry: { address: Address; region: string };
  exit: { address: Address; region: string };
}

/** How many exits are tried before giving up on finding an entry for one. */
const MAX_EXITS = 16;

/**
 * The best exit for which an entry qualifies: each by {@link nextProvider} (the feed's score, or
 * the cheapest on chain), the entry never the exit's provider and, unless `sameRegion`, never in
 * the exit's region.
 * @param client the client (its feed, or the chain).
 * @param p the entry's and the exit's choices (region, price caps, a named provider) and `sameRegion`.
 * @returns the pair.
 * @throws {HopPairError} saying why no pair qualifies (and that `sameRegion` would find one, when it would).
 * @example const { entry, exit } = await pickHopPair(client, { entry: { maxPricePerGiB: 50_000n }, exit: { region: "NL", maxPricePerGiB: 50_000n } })
 */
export async function pickHopPair(
  client: DvpnClient,
  p: { entry: ProviderChoice; exit: ProviderChoice; sameRegion?: boolean; exitClient?: DvpnClient },
): Promise<HopPair> {
  const find = async (sameRegion: boolean): Promise<HopPair | undefined> => {
    const tried: Address[] = [];
    for (let i = 0; i < MAX_EXITS; i++) {
      const exit = await nextProvider(p.exitClient ?? client, p.exit, tried);
      if (!exit) return undefined;
      const region = (await client.getProvider({ provider: exit.address })).region;
      const entry = await nextProvider(client, {
        ...p.entry,
        avoid: () => ({ providers: [exit.address], regions: sameRegion ? [] : [region] }),
      });
      if (entry) {
        const entryRegion = (await client.getProvider({ provider: entry.address })).region;
        return { entry: { address: entry.address, region: entryRegion }, exit: { address: exit.address, region } };
      }
      tried.push(exit.address);
    }
    return undefined;
  };
  const pair = await find(Boolean(p.sameRegion));
  if (pair) return pair;
  if (!p.sameRegion && (await find(true))) {
    throw new HopPairError(
      "no entry and exit in different regions qualify (every qualifying pair shares one region); allow it with --same-region (SDK: sameRegion: true), or widen the regions or price caps; nothing was opened or paid",
    );
  }
  throw new HopPairError(
    "two hops need two providers of different operators that qualify, and fewer qualify; widen the regions or price caps; nothing was opened or paid",
  );
}
