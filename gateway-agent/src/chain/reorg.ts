/**
 * Reorganisation detection: the store remembers the hashes of the last processed blocks (the
 * checkpoint and the ends of the ranges before it); the chain's hash of the checkpoint block
 * is compared with the remembered one on every poll. On a mismatch the newest remembered
 * block still on the chain is the ancestor the agent rewinds to.
 */
import type { Store } from "../store/store.ts";
import type { AgentChain } from "./types.ts";

/** What the chain says of the checkpoint block. */
export type CheckpointState =
  | { kind: "same" }
  | { kind: "unknown" } // the node has no such block (behind us, or pruned): try again later
  | { kind: "recorded"; hash: string } // nothing remembered yet: the chain's hash is taken
  | { kind: "reorged"; remembered: string; hash: string | undefined };

/** Compares the remembered hash of `checkpoint` with the chain's. */
export async function checkCheckpoint(chain: AgentChain, store: Store, checkpoint: bigint): Promise<CheckpointState> {
  if (checkpoint < 0n) return { kind: "same" };
  const remembered = store.blockHash(checkpoint);
  const hash = await chain.blockHash(checkpoint);
  if (hash === undefined) return { kind: "unknown" };
  if (remembered === undefined) return { kind: "recorded", hash };
  return remembered.toLowerCase() === hash.toLowerCase() ? { kind: "same" } : { kind: "reorged", remembered, hash };
}

/**
 * The newest remembered block whose hash the chain still has, or undefined when none is (the
 * reorganisation is deeper than the window). Binary search: on one chain, every block at or
 * below the common ancestor matches and every block above it does not.
 */
export async function findAncestor(chain: AgentChain, store: Store): Promise<bigint | undefined> {
  const blocks = store.recentBlocks(); // newest first
  const matches = async (i: number) => {
    const b = blocks[i]!;
    const h = await chain.blockHash(b.number);
    return h !== undefined && h.toLowerCase() === b.hash.toLowerCase();
  };
  let lo = 0;
  let hi = blocks.length; // answer in [lo, hi]; hi = none matches
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (await matches(mid)) hi = mid;
    else lo = mid + 1;
  }
  return lo < blocks.length ? blocks[lo]!.number : undefined;
}
