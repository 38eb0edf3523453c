import type { FeedContext } from "./context.ts";

/**
 * `_meta` (and each value of the `indexedBlock` subscription) from a checkpoint: the typed one
 * the context caches or a row of the checkpoint table; none before the first indexed block.
 */
export async function metaOf(checkpoint: object | undefined | null, ctx: Pick<FeedContext, "config" | "replicaLag">) {
  const cp = checkpoint as Record<string, unknown> | undefined | null;
  const n = (k: string) => (cp?.[k] == null ? null : Number(cp[k]));
  return {
    block: cp ? { number: n("blockNumber"), hash: cp.blockHash, timestamp: n("blockTimestamp") } : null,
    headBlockNumber: n("headNumber"),
    headTimestamp: n("headTimestamp"),
    chainId: ctx.config.deployment.chainId,
    reorgs: n("reorgs") ?? 0,
    replicaLagSeconds: await ctx.replicaLag(),
  };
}
