import type { Reader } from "../database/reader.ts";
import { selectList } from "../database/sql.ts";
import { TABLES } from "../database/tables.ts";

/**
 * What a subscription follows: a provider or a session row, by id, or the checkpoint itself
 * ("blocks", one topic: every block indexed and every move of the head).
 */
export type LiveKind = "providers" | "sessions" | "blocks";

/** Turns a row (null: no such row) into the value subscribers of its topic receive (null: none). */
export type Derive = (kind: LiveKind, row: Record<string, unknown> | null) => Promise<unknown>;

/**
 * Yielded, to a subscriber that asked for it, when its topic's value is gone (the row no longer
 * exists, e.g. a reorg rolled its session or provider back): no value to show, and the last one
 * is no longer current.
 */
export const GONE: unique symbol = Symbol("gone");

/**
 * The root value a subscription's consumer passes when it understands {@link GONE} (the SSE hub,
 * which must forget the frame it replays to late joiners); the feed's subscribe resolvers ask
 * the live feed for the marker only then.
 */
export const GONE_AWARE = Object.freeze({ gone: true });

export interface LiveFeed {
  /**
   * Values for one topic: the current one first, then each distinct new one. A topic whose row
   * is gone yields nothing, or {@link GONE} with `gone`; a value not yet taken is dropped then.
   * The iterator's `return()` (the client went away) unsubscribes at once.
   */
  subscribe(kind: LiveKind, id: string, options?: { gone?: boolean }): AsyncIterableIterator<unknown>;
  /** One poll now (tests; the loop polls every `intervalMs` while anyone subscribes). */
  poll(): Promise<void>;
  /** Current subscribers and topics (for metrics and tests). */
  stats(): { subscribers: number; topics: number };
}

interface Subscriber {
  /** The value not yet taken by the client (only the newest is kept). */
  pending: { value: unknown } | undefined;
  /** Whether it is told {@link GONE}. */
  gone: boolean;
  wake: (() => void) | undefined;
}

interface Topic {
  kind: LiveKind;
  id: string;
  subscribers: Set<Subscriber>;
  /** JSON of the last value delivered (undefined: never read). */
  text: string | undefined;
  value: unknown;
}

const CHUNK = 1000;
const STATEMENTS: Record<Exclude<LiveKind, "blocks">, string> = {
  providers: `SELECT ${selectList(TABLES.providers)} FROM providers WHERE id = ANY($1::text[])`,
  sessions: `SELECT ${selectList(TABLES.sessions)} FROM sessions WHERE id = ANY($1::numeric[])`,
};
const json = (v: unknown) => JSON.stringify(v, (_, x) => (typeof x === "bigint" ? x.toString() : x));

/**
 * Live updates shared by every subscriber of a server: one loop reads the checkpoint every
 * `intervalMs`, and at once when the database announces a change of it (`Reader.onCheckpoint`:
 * on the primary and PGlite; a replica's readers only poll), and, when a block was indexed or the
 * head moved (every value the feed derives depends on nothing else), reads every followed row of
 * a kind in one statement, derives each topic's value once and hands it to the topic's
 * subscribers. Database queries per second
 * depend on the number of kinds followed, never on the number of subscribers or topics (beyond
 * one statement per 1,000 ids). Rows of topics subscribed between polls are read at the next
 * poll in one statement as well.
 */
export function createLiveFeed(p: { read: Reader; derive: Derive; intervalMs: number; signal: AbortSignal }): LiveFeed {
  const topics = new Map<string, Topic>();
  let fresh = new Set<Topic>(); // topics never read yet
  let version = "";
  let timer: NodeJS.Timeout | undefined;
  let polling: Promise<void> | undefined;
  let subscribers = 0;
  let immediate = false;
  /** Stops listening for checkpoint changes (set while anyone subscribes). */
  let unlisten: (() => void) | undefined;
  let announced = false;
  /** A change announced: one poll now for every announcement of the same turn. */
  const onAnnounced = () => {
    if (announced || subscribers === 0) return;
    announced = true;
    setImmediate(() => {
      announced = false;
      void poll().catch(() => {}); // a failed read is retried at the next poll
    });
  };

  const deliver = (t: Topic, value: unknown) => {
    const text = json(value);
    if (text === t.text) return;
    t.text = text;
    t.value = value;
    for (const s of t.subscribers) {
      if (value !== null) s.pending = { value };
      else if (s.gone) s.pending = { value: GONE };
      else {
        s.pending = undefined; // no longer current
        continue;
      }
      s.wake?.();
    }
  };

  async function readAll(kind: Exclude<LiveKind, "blocks">, list: Topic[]): Promise<void> {
    for (let start = 0; start < list.length; start += CHUNK) {
      const chunk = list.slice(start, start + CHUNK);
      const rows = await p.read.query(STATEMENTS[kind], [chunk.map((t) => t.id)], `dvpn_live_${kind}`);
      const byId = new Map(rows.map((r) => [String(r.id), r]));
      for (const t of chunk) deliver(t, await p.derive(kind, byId.get(t.id) ?? null));
    }
  }

  async function pollOnce(): Promise<void> {
    const [cp] = await p.read.query<Record<string, unknown>>(
      `SELECT "blockNumber", "blockHash", "headTimestamp", "blockTimestamp", "headNumber", reorgs FROM checkpoint WHERE id = 1`,
      [],
      "dvpn_live_checkpoint_meta",
    );
    const now = json(cp ? [cp.blockNumber, cp.blockHash, cp.headTimestamp] : null);
    const changed = now !== version;
    version = now;
    const due = changed ? [...topics.values()] : [...fresh];
    fresh = new Set();
    for (const t of due)
      if (t.kind === "blocks" && t.subscribers.size > 0) deliver(t, await p.derive("blocks", cp ?? null));
    for (const kind of ["providers", "sessions"] as const) {
      const list = due.filter((t) => t.kind === kind && t.subscribers.size > 0);
      if (list.length > 0) await readAll(kind, list);
    }
  }

  function poll(): Promise<void> {
    // One poll at a time: a new one starts when the running one has ended.
    const run = (polling ?? Promise.resolve()).catch(() => {}).then(pollOnce);
    polling = run;
    void run
      .finally(() => {
        if (polling === run) polling = undefined;
      })
      .catch(() => {});
    return run;
  }

  function schedule() {
    if (timer || subscribers === 0 || p.signal.aborted) return;
    timer = setTimeout(() => {
      timer = undefined;
      poll()
        .catch(() => {}) // a failed read is retried at the next poll
        .finally(schedule);
    }, p.intervalMs);
    timer.unref?.();
  }
  p.signal.addEventListener("abort", () => {
    clearTimeout(timer);
    unlisten?.();
    unlisten = undefined;
    for (const t of topics.values()) for (const s of t.subscribers) s.wake?.();
  });

  return {
    subscribe(kind, id, options = {}) {
      const key = `${kind}:${id}`;
      let topic = topics.get(key);
      if (!topic) {
        topic = { kind, id, subscribers: new Set(), text: undefined, value: undefined };
        topics.set(key, topic);
        fresh.add(topic);
      }
      const t = topic;
      const sub: Subscriber = { pending: undefined, gone: options.gone === true, wake: undefined };
      if (t.text !== undefined && t.value !== null) sub.pending = { value: t.value };
      t.subscribers.add(sub);
      subscribers++;
      if (!unlisten && !p.signal.aborted) unlisten = p.read.onCheckpoint(onAnnounced);
      let done = false;
      const close = () => {
        if (done) return;
        done = true;
        subscribers--;
        if (subscribers === 0) {
          unlisten?.();
          unlisten = undefined;
        }
        t.subscribers.delete(sub);
        if (t.subscribers.size === 0) {
          topics.delete(key);
          fresh.delete(t);
        }
        sub.wake?.();
      };
      // The first value comes with the next poll, started now rather than a full interval later.
      if (t.text === undefined && !immediate) {
        immediate = true; // one poll for every topic subscribed in the same turn
        setImmediate(() => {
          immediate = false;
          void poll().catch(() => {});
        });
      }
      schedule();
      return {
        [Symbol.asyncIterator]() {
          return this;
        },
        async next(): Promise<IteratorResult<unknown>> {
          while (!done && !p.signal.aborted) {
            if (sub.pending) {
              const { value } = sub.pending;
              sub.pending = undefined;
              return { value, done: false };
            }
            await new Promise<void>((resolve) => (sub.wake = resolve));
            sub.wake = undefined;
          }
          close();
          return { value: undefined, done: true };
        },
        async return(): Promise<IteratorResult<unknown>> {
          close();
          return { value: undefined, done: true };
        },
      };
    },
    poll,
    stats: () => ({ subscribers, topics: topics.size }),
  };
}
