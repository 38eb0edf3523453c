import type { Db } from "./createDatabase.ts";

export interface Checkpoint {
  chainId: number;
  registry: string;
  blockNumber: number;
  blockHash: string;
  blockTimestamp: number;
  headNumber: number;
  headTimestamp: number;
  reorgs: number;
}

export interface BlockRef {
  number: number;
  hash: string;
  parentHash: string;
  timestamp: number;
}

/**
 * The indexed state a query's answer is a function of: the last indexed block (number and hash,
 * so a reorg is a new state), the chain head whose time availability and uptime are computed at,
 * and the reorg count. The indexer writes every range's rows with its checkpoint in one
 * transaction, so two reads under the same checkpoint read the same rows.
 */
export function indexedState(cp: Checkpoint): string {
  return `${cp.blockNumber}:${cp.blockHash}:${cp.headNumber}:${cp.headTimestamp}:${cp.reorgs}`;
}

/** The checkpoint row, or undefined before the first indexed range. */
export async function readCheckpoint(db: Db): Promise<Checkpoint | undefined> {
  const row = await db.checkpoint.findUnique({ where: { id: 1 } });
  if (!row) return undefined;
  const { id: _id, ...rest } = row;
  return rest;
}

export async function writeCheckpoint(db: Db, cp: Checkpoint): Promise<void> {
  await db.checkpoint.upsert({ where: { id: 1 }, create: { id: 1, ...cp }, update: cp });
}

/** Records the latest chain head (used for availability and /ready). */
export async function writeHead(db: Db, head: { number: number; timestamp: number }): Promise<void> {
  await db.checkpoint.updateMany({
    where: { id: 1 },
    data: { headNumber: head.number, headTimestamp: head.timestamp },
  });
}

/** A stored (unfinalized) block by number. */
export async function readBlock(db: Db, number: number): Promise<BlockRef | undefined> {
  return (await db.block.findUnique({ where: { number } })) ?? undefined;
}
