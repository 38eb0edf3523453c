/** Picking a provider for `dvpn connect`: the one named, or the best from the feed or the chain. */
import type { Address } from "viem";
import type { DvpnClient } from "../client/createDvpnClient.ts";
import { DvpnError } from "../errors/base.ts";
import type { CliContext } from "./context.ts";
import { nextProvider } from "../tunnel/nextProvider.ts";
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
  o: { provider?: Address; region?: string; maxPricePerGiB?: bigint | undefined; maxPricePerMinute?: bigint },
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
  const { provider: _named, ...choice } = o;
  const best = await nextProvider(client, choice);
  if (!best) throw new NoProviderError(`no available provider${where}`);
  ctx.out.progress(
    best.source === "feed"
      ? `picked ${best.address} (score ${best.score?.toFixed(1)}) from the feed`
      : `picked ${best.address}, the cheapest of ${best.candidates} on chain (no --indexer for scores)`,
  );
  return best.address;
}
