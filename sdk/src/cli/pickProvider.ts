/** Picking a provider for `dvpn connect`: the one named, or the best from the feed or the chain. */
import type { Address } from "viem";
import type { DvpnClient } from "../client/createDvpnClient.ts";
import { DvpnError } from "../errors/base.ts";
import type { CliContext } from "./context.ts";
import { formatAmount, type TokenInfo } from "./format.ts";

/** Whether `name` is an executable on PATH. */
export async function hasCommand(name: string): Promise<boolean> {
  const { access, constants } = await import("node:fs/promises");
  for (const dir of (process.env.PATH ?? "").split(":").filter(Boolean)) {
    try {
      await access(`${dir}/${name}`, constants.X_OK);
      return true;
    } catch {
      /* not here */
    }
  }
  return false;
}

/** No provider matched the request. */
export class NoProviderError extends DvpnError {
  override name = "NoProviderError";
}

/**
 * The provider to open a session with.
 * @returns its address.
 * @throws {NoProviderError} when none matches.
 */
export async function pickProvider(
  ctx: CliContext,
  client: DvpnClient,
  o: { provider?: Address; region?: string; maxPricePerGiB?: bigint },
  paymentToken: TokenInfo,
): Promise<Address> {
  if (o.provider) {
    const p = await client.getProvider({ provider: o.provider });
    if (!p.registered) throw new NoProviderError(`provider ${o.provider} is not registered`);
    if (!(await client.isProviderAvailable({ provider: o.provider }))) {
      throw new NoProviderError(`provider ${o.provider} is not available (paused, full or stale heartbeat)`);
    }
    return p.address;
  }
  const where = `${o.region ? ` in ${o.region}` : ""}${o.maxPricePerGiB !== undefined ? ` at or under ${formatAmount(o.maxPricePerGiB, paymentToken)}/GiB` : ""}`;
  if (client.indexerUrl) {
    const page = await client.findProviders({
      where: {
        available: true,
        ...(o.region ? { region: o.region } : {}),
        ...(o.maxPricePerGiB !== undefined ? { maxPricePerGiB: o.maxPricePerGiB } : {}),
      },
      orderBy: "score",
      orderDirection: "desc",
      first: 1,
    });
    const best = page.items[0];
    if (!best) throw new NoProviderError(`no available provider${where}`);
    ctx.out.progress(`picked ${best.id} (score ${best.reputation.score.toFixed(1)}) from the feed`);
    return best.id;
  }
  const candidates = (await client.listProviders())
    .filter((p) => p.available)
    .filter((p) => (o.region ? p.region === o.region : true))
    .filter((p) => (o.maxPricePerGiB !== undefined ? p.pricePerGiB <= o.maxPricePerGiB : true))
    .sort((a, b) => (a.pricePerGiB < b.pricePerGiB ? -1 : a.pricePerGiB > b.pricePerGiB ? 1 : 0));
  const best = candidates[0];
  if (!best) throw new NoProviderError(`no available provider${where}`);
  ctx.out.progress(`picked ${best.address}, the cheapest of ${candidates.length} on chain (no --indexer for scores)`);
  return best.address;
}
