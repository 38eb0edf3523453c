/**
 * The agent's local store (node:sqlite, one file, WAL): sessions of this provider with their
 * tunnel addresses, metered totals, best vouchers and claimed totals; the address pool; the
 * chain checkpoint and the hashes of the last processed blocks (reorg detection). Every change the agent makes goes through a transaction here before it
 * acts on it, so a crash at any point resumes from a consistent state.
 */
import { DatabaseSync, type SQLInputValue } from "node:sqlite";
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { migrateStore, newerStoreError, STORE_SCHEMA_VERSION } from "./schemaVersion.ts";
import type { PoolEntry } from "../addresses/pool.ts";

/**
 * Where a session is, as the agent sees it.
 * - accepting: validated, address allocated, peer wanted, acceptSession not mined yet;
 * - active: accepted on chain and served (unless `cutReason` is set);
 * - closing: the client closed; the peer is gone, a final claim may follow until the deadline;
 * - closed: settled or done; nothing left to do;
 * - refused: never provisioned (bad key, duplicate key, capacity, pool…);
 * - expired: not accepted in time, or cancelled.
 */
export type SessionStatus = "accepting" | "active" | "closing" | "closed" | "refused" | "expired";

/** One session row. Integers that can exceed 2^53 are bigint. */
export interface SessionRecord {
  id: bigint;
  client: string;
  signer: string;
  wgKey: string;
  deposit: bigint;
  pricePerGiB: bigint;
  pricePerMinute: bigint;
  feeBps: number;
  acceptDeadline: number;
  openedAt: number;
  status: SessionStatus;
  reason: string | null;
  addrIndex: number | null;
  tunnelAddress: string | null;
  allowedIps: string[];
  /** The peer is (believed to be) on the interface. */
  provisioned: boolean;
  acceptedAt: number | null;
  endedAt: number | null;
  settleDeadline: number | null;
  meteredBytes: bigint;
  lastRx: bigint;
  lastTx: bigint;
  lastHandshake: number;
  voucherBytes: bigint;
  voucherSeconds: bigint;
  voucherSig: string | null;
  claimedBytes: bigint;
  claimedSeconds: bigint;
  lastClaimAt: number;
  cutReason: string | null;
}

/** The store's operations. */
export interface Store {
  get(id: bigint): SessionRecord | undefined;
  /** Sessions whose status is one of `statuses`. */
  list(statuses: SessionStatus[]): SessionRecord[];
  /** Sessions that have or should have a peer: provisioned, or live. The reconcile's working set. */
  listPeered(): SessionRecord[];
  /** The live (accepting/active, not cut) session holding `wgKey`, if any. */
  liveByKey(wgKey: string): SessionRecord | undefined;
  countLive(): number;
  /** Number of sessions per status. */
  countByStatus(): Partial<Record<SessionStatus, number>>;
  /**
   * Inserts or updates a session. The voucher fields are written only on insert: after that they
   * belong to {@link Store.setVoucher}, so a pass holding an older copy never rolls a voucher back.
   */
  put(s: SessionRecord): void;
  /** Deletes a session row (with its voucher). */
  remove(id: bigint): void;
  /** Stores a better voucher (the caller checked it is above the stored one, in a transaction). */
  setVoucher(id: bigint, bytes: bigint, seconds: bigint, signature: string): void;
  getMeta(key: string): string | undefined;
  setMeta(key: string, value: string): void;
  addresses(): PoolEntry[];
  putAddress(e: PoolEntry): void;
  /** Every session the store holds, by id. */
  listAll(): SessionRecord[];
  /** Remembers the hash of processed block `n`, keeping only the newest `keep` blocks. */
  putBlock(n: bigint, hash: string, keep: number): void;
  /** The remembered hash of block `n`. */
  blockHash(n: bigint): string | undefined;
  /** Remembered blocks, newest first. */
  recentBlocks(): { number: bigint; hash: string }[];
  /** Forgets the blocks above `n` (they were reorganised away). */
  dropBlocksAbove(n: bigint): void;
  /** Runs `fn` in one transaction (nested calls join the outer one). */
  transaction<T>(fn: () => T): T;
  close(): void;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS sessions (
  id TEXT PRIMARY KEY, client TEXT NOT NULL, signer TEXT NOT NULL, wg_key TEXT NOT NULL,
  deposit TEXT NOT NULL, price_gib TEXT NOT NULL, price_min TEXT NOT NULL, fee_bps INTEGER NOT NULL,
  accept_deadline INTEGER NOT NULL, opened_at INTEGER NOT NULL, status TEXT NOT NULL, reason TEXT,
  addr_index INTEGER, tunnel_address TEXT, allowed_ips TEXT NOT NULL, provisioned INTEGER NOT NULL,
  accepted_at INTEGER, ended_at INTEGER, settle_deadline INTEGER,
  metered_bytes TEXT NOT NULL, last_rx TEXT NOT NULL, last_tx TEXT NOT NULL, last_handshake INTEGER NOT NULL,
  voucher_bytes TEXT NOT NULL, voucher_seconds TEXT NOT NULL, voucher_sig TEXT,
  claimed_bytes TEXT NOT NULL, claimed_seconds TEXT NOT NULL, last_claim_at INTEGER NOT NULL, cut_reason TEXT
);
CREATE INDEX IF NOT EXISTS sessions_status ON sessions (status);
CREATE INDEX IF NOT EXISTS sessions_key ON sessions (wg_key);
CREATE INDEX IF NOT EXISTS sessions_provisioned ON sessions (provisioned) WHERE provisioned = 1;
CREATE TABLE IF NOT EXISTS addresses (idx INTEGER PRIMARY KEY, session_id TEXT, released_at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS blocks (number INTEGER PRIMARY KEY, hash TEXT NOT NULL);
`;

type Row = Record<string, SQLInputValue>;

/** Column order of the sessions table (matches {@link toParams}). */
const SESSION_COLUMNS = `id, client, signer, wg_key, deposit, price_gib, price_min, fee_bps, accept_deadline, opened_at,
  status, reason, addr_index, tunnel_address, allowed_ips, provisioned, accepted_at, ended_at, settle_deadline,
  metered_bytes, last_rx, last_tx, last_handshake, voucher_bytes, voucher_seconds, voucher_sig,
  claimed_bytes, claimed_seconds, last_claim_at, cut_reason`;

function fromRow(r: Row): SessionRecord {
  const n = (k: string) => (r[k] === null ? null : Number(r[k]));
  const b = (k: string) => BigInt(String(r[k]));
  return {
    id: b("id"),
    client: String(r.client),
    signer: String(r.signer),
    wgKey: String(r.wg_key),
    deposit: b("deposit"),
    pricePerGiB: b("price_gib"),
    pricePerMinute: b("price_min"),
    feeBps: Number(r.fee_bps),
    acceptDeadline: Number(r.accept_deadline),
    openedAt: Number(r.opened_at),
    status: String(r.status) as SessionStatus,
    reason: r.reason === null ? null : String(r.reason),
    addrIndex: n("addr_index"),
    tunnelAddress: r.tunnel_address === null ? null : String(r.tunnel_address),
    allowedIps: JSON.parse(String(r.allowed_ips)) as string[],
    provisioned: Number(r.provisioned) === 1,
    acceptedAt: n("accepted_at"),
    endedAt: n("ended_at"),
    settleDeadline: n("settle_deadline"),
    meteredBytes: b("metered_bytes"),
    lastRx: b("last_rx"),
    lastTx: b("last_tx"),
    lastHandshake: Number(r.last_handshake),
    voucherBytes: b("voucher_bytes"),
    voucherSeconds: b("voucher_seconds"),
    voucherSig: r.voucher_sig === null ? null : String(r.voucher_sig),
    claimedBytes: b("claimed_bytes"),
    claimedSeconds: b("claimed_seconds"),
    lastClaimAt: Number(r.last_claim_at),
    cutReason: r.cut_reason === null ? null : String(r.cut_reason),
  };
}

function toParams(s: SessionRecord): SQLInputValue[] {
  return [
    s.id.toString(),
    s.client,
    s.signer,
    s.wgKey,
    s.deposit.toString(),
    s.pricePerGiB.toString(),
    s.pricePerMinute.toString(),
    s.feeBps,
    s.acceptDeadline,
    s.openedAt,
    s.status,
    s.reason,
    s.addrIndex,
    s.tunnelAddress,
    JSON.stringify(s.allowedIps),
    s.provisioned ? 1 : 0,
    s.acceptedAt,
    s.endedAt,
    s.settleDeadline,
    s.meteredBytes.toString(),
    s.lastRx.toString(),
    s.lastTx.toString(),
    s.lastHandshake,
    s.voucherBytes.toString(),
    s.voucherSeconds.toString(),
    s.voucherSig,
    s.claimedBytes.toString(),
    s.claimedSeconds.toString(),
    s.lastClaimAt,
    s.cutReason,
  ];
}

/**
 * Opens (and creates) the store at `path`; `":memory:"` for tests.
 * @example const store = openStore(".data/agent/agent.sqlite")
 */
export function openStore(path: string): Store {
  if (path !== ":memory:") mkdirSync(dirname(path), { recursive: true });
  const db = new DatabaseSync(path);
  db.exec("PRAGMA busy_timeout = 5000;");
  const version = Number((db.prepare("PRAGMA user_version").get() as { user_version: number }).user_version);
  if (version > STORE_SCHEMA_VERSION) {
    // Refused before anything is written (not even the journal mode).
    db.close();
    throw newerStoreError(path, version);
  }
  db.exec("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;");
  db.exec(SCHEMA);
  migrateStore(db, path);
  const cols = 30;
  const names = SESSION_COLUMNS.split(",").map((c) => c.trim());
  if (names.length !== cols) throw new Error("session columns out of sync");
  const owned = new Set(["id", "voucher_bytes", "voucher_seconds", "voucher_sig"]);
  const insert = db.prepare(
    `INSERT INTO sessions (${names.join(",")}) VALUES (${Array(cols).fill("?").join(",")}) ` +
      `ON CONFLICT(id) DO UPDATE SET ${names
        .filter((n) => !owned.has(n))
        .map((n) => `${n} = excluded.${n}`)
        .join(", ")}`,
  );
  const voucherSet = db.prepare(
    "UPDATE sessions SET voucher_bytes = ?, voucher_seconds = ?, voucher_sig = ? WHERE id = ?",
  );
  const byId = db.prepare("SELECT * FROM sessions WHERE id = ?");
  const deleteById = db.prepare("DELETE FROM sessions WHERE id = ?");
  const byKey = db.prepare(
    "SELECT * FROM sessions WHERE wg_key = ? AND status IN ('accepting','active') AND cut_reason IS NULL LIMIT 1",
  );
  const live = db.prepare(
    "SELECT count(*) AS n FROM sessions WHERE status IN ('accepting','active') AND cut_reason IS NULL",
  );
  const peered = db.prepare(
    "SELECT * FROM sessions WHERE provisioned = 1 OR (status IN ('accepting','active') AND cut_reason IS NULL)",
  );
  const byStatus = db.prepare("SELECT status, count(*) AS n FROM sessions GROUP BY status");
  const metaGet = db.prepare("SELECT value FROM meta WHERE key = ?");
  const metaSet = db.prepare("INSERT OR REPLACE INTO meta VALUES (?, ?)");
  const addrAll = db.prepare("SELECT idx, session_id, released_at FROM addresses");
  const addrPut = db.prepare("INSERT OR REPLACE INTO addresses VALUES (?, ?, ?)");
  const all = db.prepare("SELECT * FROM sessions ORDER BY CAST(id AS INTEGER)");
  const blockPut = db.prepare("INSERT OR REPLACE INTO blocks VALUES (?, ?)");
  const blockPrune = db.prepare(
    "DELETE FROM blocks WHERE number <= (SELECT number FROM blocks ORDER BY number DESC LIMIT 1 OFFSET ?)",
  );
  const blockGet = db.prepare("SELECT hash FROM blocks WHERE number = ?");
  const blockRecent = db.prepare("SELECT number, hash FROM blocks ORDER BY number DESC");
  const blockDrop = db.prepare("DELETE FROM blocks WHERE number > ?");
  let depth = 0;

  return {
    get(id) {
      const r = byId.get(id.toString()) as Row | undefined;
      return r ? fromRow(r) : undefined;
    },
    list(statuses) {
      if (statuses.length === 0) return [];
      const q = db.prepare(
        `SELECT * FROM sessions WHERE status IN (${statuses.map(() => "?").join(",")}) ORDER BY CAST(id AS INTEGER)`,
      );
      return (q.all(...statuses) as Row[]).map(fromRow);
    },
    listPeered: () => (peered.all() as Row[]).map(fromRow).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)),
    liveByKey(wgKey) {
      const r = byKey.get(wgKey) as Row | undefined;
      return r ? fromRow(r) : undefined;
    },
    countLive: () => Number((live.get() as Row).n),
    countByStatus: () =>
      Object.fromEntries((byStatus.all() as Row[]).map((r) => [String(r.status), Number(r.n)])) as Partial<
        Record<SessionStatus, number>
      >,
    put: (s) => void insert.run(...toParams(s)),
    remove: (id) => void deleteById.run(id.toString()),
    setVoucher: (id, bytes, seconds, signature) =>
      void voucherSet.run(bytes.toString(), seconds.toString(), signature, id.toString()),
    getMeta: (key) => (metaGet.get(key) as Row | undefined)?.value?.toString(),
    setMeta: (key, value) => void metaSet.run(key, value),
    addresses: () =>
      (addrAll.all() as Row[]).map((r) => ({
        index: Number(r.idx),
        sessionId: r.session_id === null ? null : String(r.session_id),
        releasedAt: Number(r.released_at),
      })),
    putAddress: (e) => void addrPut.run(e.index, e.sessionId, e.releasedAt),
    listAll: () => (all.all() as Row[]).map(fromRow),
    putBlock(n, hash, keep) {
      blockPut.run(Number(n), hash);
      blockPrune.run(Math.max(1, keep));
    },
    blockHash: (n) => (blockGet.get(Number(n)) as Row | undefined)?.hash?.toString(),
    recentBlocks: () =>
      (blockRecent.all() as Row[]).map((r) => ({ number: BigInt(String(r.number)), hash: String(r.hash) })),
    dropBlocksAbove: (n) => void blockDrop.run(Number(n)),
    transaction(fn) {
      if (depth > 0) return fn();
      depth++;
      db.exec("BEGIN IMMEDIATE");
      try {
        const result = fn();
        db.exec("COMMIT");
        return result;
      } catch (err) {
        db.exec("ROLLBACK");
        throw err;
      } finally {
        depth--;
      }
    },
    close: () => db.close(),
  };
}

/** A new session row with every counter at zero. */
export function newSessionRecord(fields: {
  id: bigint;
  client: string;
  signer: string;
  wgKey: string;
  deposit: bigint;
  pricePerGiB: bigint;
  pricePerMinute: bigint;
  feeBps: number;
  acceptDeadline: number;
  openedAt: number;
  status: SessionStatus;
  reason?: string | null;
}): SessionRecord {
  return {
    reason: null,
    addrIndex: null,
    tunnelAddress: null,
    allowedIps: [],
    provisioned: false,
    acceptedAt: null,
    endedAt: null,
    settleDeadline: null,
    meteredBytes: 0n,
    lastRx: 0n,
    lastTx: 0n,
    lastHandshake: 0,
    voucherBytes: 0n,
    voucherSeconds: 0n,
    voucherSig: null,
    claimedBytes: 0n,
    claimedSeconds: 0n,
    lastClaimAt: 0,
    cutReason: null,
    ...fields,
  };
}
