/**
 * The agent's chain sync: events past the confirmation depth, range by range with their
 * checkpoint, into the store; a reorganisation deeper than that depth rewinds to the common
 * ancestor and marks every session for re-verification.
 */
import type { AgentContext } from "../context.ts";
import { applyEvents } from "../sessions/applyEvents.ts";
import { resetReverify, reverifyAll } from "../sessions/resync.ts";
import { checkCheckpoint, findAncestor } from "./reorg.ts";

/** What {@link createChainSync} needs besides the agent's context. */
export interface ChainSyncParams {
  ctx: AgentContext;
  /** The block before the deployment's first: where a fresh store (or a rewind beyond the window) starts. */
  startBlock: bigint;
  /** First sight of each SessionOpened (performance.now()), by session id. */
  timings: Map<string, { seen: number; peer?: number; accepted?: number }>;
  /** One reconcile pass (run after a re-verification). */
  reconcileOnce: () => Promise<unknown>;
}

/** The sync pass and whether a re-verification is pending. */
export interface ChainSync {
  /** Applies the confirmed events since the checkpoint; returns how many. */
  syncChain(): Promise<number>;
  /** Whether a reorganisation's re-verification has not completed yet. */
  reverifying(): boolean;
}

/** Creates the chain sync of an agent. */
export function createChainSync({ ctx, startBlock, timings, reconcileOnce }: ChainSyncParams): ChainSync {
  const { chain, store, config, metrics, log } = ctx;
  const checkpointNow = () => BigInt(store.getMeta("checkpoint") ?? String(startBlock));

  /**
   * A reorganisation deeper than the confirmation depth replaced the checkpoint block: rewind
   * to the newest remembered block still on the chain (or, beyond the window, to the start) and
   * mark every stored session for re-verification, in one transaction.
   */
  async function rewind(checkpoint: bigint, remembered: string, hash: string | undefined): Promise<void> {
    const found = await findAncestor(chain, store);
    const ancestor = found ?? startBlock;
    const depth = checkpoint - ancestor;
    store.transaction(() => {
      store.setMeta("checkpoint", ancestor.toString());
      store.dropBlocksAbove(ancestor);
      store.setMeta("reverifyPending", "1");
      resetReverify(ctx);
    });
    metrics.inc("dvpn_agent_reorgs_total");
    metrics.set("dvpn_agent_reorg_depth_blocks", Number(depth));
    log.warn(
      {
        depth: Number(depth),
        ancestor: ancestor.toString(),
        checkpoint: checkpoint.toString(),
        beyondWindow: found === undefined,
        rememberedHash: remembered,
        chainHash: hash ?? null,
      },
      "chain reorganisation deeper than the confirmation depth; re-reading events from the ancestor",
    );
  }

  /** After a rewind: every stored session against getSession, then the peers of dropped sessions go. */
  async function reverifyIfPending(): Promise<void> {
    if (store.getMeta("reverifyPending") !== "1") return;
    const r = await reverifyAll(ctx);
    log.warn(r, "sessions re-verified after the reorganisation");
    await reconcileOnce();
    store.setMeta("reverifyPending", "0");
  }

  async function syncChain(): Promise<number> {
    const head = await chain.blockNumber();
    const target = head - BigInt(config.confirmations);
    let checkpoint = checkpointNow();
    // The checkpoint block, or when the node's head is below it (a shorter branch won, or a node
    // that lags) the newest remembered block the node has: a lagging node agrees on it.
    const probe = checkpoint <= head ? checkpoint : store.recentBlocks().find((b) => b.number <= head)?.number;
    if (probe !== undefined) {
      const state = await checkCheckpoint(chain, store, probe);
      if (state.kind === "recorded" && probe === checkpoint)
        store.putBlock(checkpoint, state.hash, config.reorgWindowBlocks);
      else if (state.kind === "reorged") await rewind(checkpoint, state.remembered, state.hash);
    }
    await reverifyIfPending();
    checkpoint = checkpointNow();
    let applied = 0;
    let retries = 0;
    const step = BigInt(config.maxLogRange);
    // Range by range, each applied with its checkpoint and that block's hash: a long backfill
    // holds one range in memory and a crash resumes where it stopped. The range is applied only
    // if the chain did not change under the read (same hash of its last block before and after,
    // checkpoint block still the remembered one).
    while (target > checkpoint) {
      const to = checkpoint + step < target ? checkpoint + step : target;
      const before = await chain.blockHash(to);
      const events = await chain.escrowEvents(checkpoint + 1n, to);
      const [base, after] = await Promise.all([
        checkpoint >= 0n ? chain.blockHash(checkpoint) : Promise.resolve(undefined),
        chain.blockHash(to),
      ]);
      const remembered = store.blockHash(checkpoint);
      if (remembered !== undefined && base !== undefined && remembered.toLowerCase() !== base.toLowerCase()) {
        await rewind(checkpoint, remembered, base);
        await reverifyIfPending();
        checkpoint = checkpointNow();
        continue;
      }
      if (before === undefined || after === undefined || before !== after) {
        if (++retries > 3) throw new Error(`block ${to} keeps changing under the event read; retrying later`);
        continue;
      }
      const t = performance.now();
      for (const e of events) if (e.type === "SessionOpened") timings.set(e.sessionId.toString(), { seen: t });
      while (timings.size > 10_000) timings.delete(timings.keys().next().value as string);
      applyEvents(ctx, events, to, after, config.reorgWindowBlocks);
      applied += events.length;
      checkpoint = to;
      metrics.set("dvpn_agent_chain_block", Number(checkpoint));
      metrics.set("dvpn_agent_chain_lag_blocks", Number(head - checkpoint));
    }
    metrics.set("dvpn_agent_chain_block", Number(checkpoint));
    metrics.set("dvpn_agent_chain_lag_blocks", Number(head > checkpoint ? head - checkpoint : 0n));
    return applied;
  }

  /** Whether a reorganisation's re-verification has not completed yet. */
  const reverifying = () => store.getMeta("reverifyPending") === "1";

  return { syncChain, reverifying };
}
