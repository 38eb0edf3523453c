import { writeRows } from "../database/sql.ts";
import type { WriteMethod } from "../database/writeMethod.ts";
import type { Db } from "../database/createDatabase.ts";
import { writeCheckpoint, type BlockRef, type Checkpoint } from "../database/checkpoint.ts";
import type { ChainEvent } from "./decodeLogs.ts";
import { applyEvent, keysOf, type Params } from "./handlers.ts";
import { loadStaleProviders, refreshScores } from "./refreshScores.ts";
import { createBatchStore } from "./store.ts";
import { recountTotals, updateTotals } from "./totals.ts";

export interface IndexRangeParams {
  /** Events of the range, decoded and ordered. */
  events: ChainEvent[];
  /** The range's last block: becomes the checkpoint. */
  toBlock: BlockRef;
  /** Checkpoint fields that do not come from the range. */
  base: Pick<Checkpoint, "chainId" | "registry" | "headNumber" | "headTimestamp" | "reorgs">;
  /** Unfinalized block: journal previous row images under this block number. */
  journal: boolean;
  /** Journal entries and block hashes older than toBlock - finalityDepth are dropped. */
  finalityDepth: number;
  /** How the range's rows are written (default {@link DEFAULT_WRITE_METHOD}). */
  writeMethod?: WriteMethod;
  /** Receives the seconds spent loading rows and applying the events (before any write). */
  onApplied?: (seconds: number) => void;
}

/**
 * Indexes one block range inside the caller's transaction: loads the touched rows, applies the
 * events, refreshes scores, writes rows, event rows, the block hash and the checkpoint. Either
 * all of it lands or none of it.
 */
export async function indexRange(tx: Db, p: IndexRangeParams): Promise<void> {
  const started = performance.now();
  const store = createBatchStore(tx, p.writeMethod);
  const keys = keysOf(p.events);
  await store.load("parameters", keys.parameters);
  await store.load("providers", keys.providers);
  await store.load("sessions", keys.sessions);
  await store.load("proposals", keys.proposals);
  const params: Params = new Map();
  for (const k of keys.parameters) {
    const row = store.get("parameters", k);
    if (row) params.set(row.id, row.value);
  }
  const now = p.toBlock.timestamp;
  await loadStaleProviders(tx, store, now);

  for (const e of p.events) applyEvent(store, params, e);

  await refreshScores(tx, store, now, params);
  p.onApplied?.((performance.now() - started) / 1000);
  const minStakeChanged = store
    .changes("parameters")
    .some((c) => c.after.id === "minStake" && c.before?.value !== c.after.value);
  if (!minStakeChanged) await updateTotals(tx, store, params.get("minStake") ?? 0n);
  await store.flush(tx, p.journal ? p.toBlock.number : undefined);
  if (minStakeChanged) await recountTotals(tx);
  await writeRows(tx, "blocks", [{ ...p.toBlock }], "replace");
  await writeCheckpoint(tx, {
    ...p.base,
    blockNumber: p.toBlock.number,
    blockHash: p.toBlock.hash,
    blockTimestamp: p.toBlock.timestamp,
  });
  const floor = p.toBlock.number - p.finalityDepth;
  if (p.journal || floor > 0) {
    await tx.$executeRawUnsafe(`DELETE FROM journal WHERE "blockNumber" < $1::int4`, floor);
    await tx.$executeRawUnsafe(`DELETE FROM blocks WHERE number < $1::int4`, floor);
  }
}
