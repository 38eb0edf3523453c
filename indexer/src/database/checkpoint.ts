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
