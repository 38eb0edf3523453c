/**
 * The shared SSE hub: subscribers of the same document and variables share one execution and
 * receive the same frames (a late one the last value first); different variables are separate
 * groups; what is not a valid subscription is left to the caller; a group ends with its last
 * subscriber.
 */
import assert from "node:assert/strict";
import { createServer, request, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, test } from "node:test";
import { createSchema } from "graphql-yoga";
import { createSseHub, type SseHub } from "./sse.ts";

let executions = 0;
let returned = 0;
/** Values pushed to every open stream of a topic. */
const topics = new Map<string, Set<(v: number) => void>>();
const push = (topic: string, v: number) => topics.get(topic)?.forEach((f) => f(v));

const schema = createSchema({
  typeDefs: `type Query { x: Int } type Subscription { tick(topic: String!): Int }`,
  resolvers: {
    Subscription: {
      tick: {
        subscribe: (_: unknown, args: { topic: string }) => {
          const queue: number[] = [];
          let wake: (() => void) | undefined;
          const listener = (v: number) => {
            queue.push(v);
            wake?.();
          };
          let set = topics.get(args.topic);
          if (!set) topics.set(args.topic, (set = new Set()));
          set.add(listener);
          let done = false;
          return {
            [Symbol.asyncIterator]() {
              return this;
            },
            async next() {
              while (queue.length === 0 && !done) await new Promise<void>((r) => (wake = r));
              if (done) return { value: undefined, done: true };
              return { value: queue.shift(), done: false };
            },
            async return() {
              done = true;
              returned++;
              set.delete(listener);
              wake?.();
              return { value: undefined, done: true };
            },
          };
        },
        resolve: (v: number) => {
          executions++;
          return v;
        },
      },
    },
  },
});

const abort = new AbortController();
let hub: SseHub;
let server: Server;
let url: string;

before(async () => {
  hub = createSseHub({ schema, rules: [], context: () => ({}), maskErrors: true, signal: abort.signal });
  server = createServer((req, res) => {
    const u = new URL(req.url ?? "/", "http://x");
    const variables = JSON.parse(u.searchParams.get("variables") ?? "null") as Record<string, unknown> | null;
    void hub.serve({ query: u.searchParams.get("query") ?? "", variables }, res).then((served) => {
      if (!served) res.writeHead(400).end("not served");
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
});
after(async () => {
  abort.abort();
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

/** Opens a stream; `text()` is what it received so far, `close()` hangs up. */
function open(query: string, variables: Record<string, unknown>) {
  let text = "";
  let status = 0;
  const req = request(
    `${url}?query=${encodeURIComponent(query)}&variables=${encodeURIComponent(JSON.stringify(variables))}`,
  );
  req.on("response", (res) => {
    status = res.statusCode ?? 0;
    res.setEncoding("utf8");
    res.on("data", (c: string) => (text += c));
    res.on("error", () => {});
  });
  req.on("error", () => {});
  req.end();
  return { text: () => text, status: () => status, close: () => req.destroy() };
}

async function until(what: string, ok: () => boolean) {
  for (let i = 0; i < 500 && !ok(); i++) await new Promise((r) => setTimeout(r, 10));
  assert.ok(ok(), what);
}

const Q = "subscription ($t: String!) { tick(topic: $t) }";
const frames = (text: string) => text.split("\n\n").filter((f) => f.startsWith("event: next"));

test("subscribers of one document share an execution and the same frames", async () => {
  const a = open(Q, { t: "a" });
  const b = open(Q, { t: "a" });
  const other = open(Q, { t: "b" });
  await until("three subscribers in two groups", () => hub.stats().subscribers === 3 && hub.stats().groups === 2);
  await until("both a-streams subscribed once", () => topics.get("a")?.size === 1 && topics.get("b")?.size === 1);
  executions = 0;
  push("a", 1);
  push("a", 2);
  await until("two events on both", () => frames(a.text()).length === 2 && frames(b.text()).length === 2);
  assert.equal(executions, 2, "one execution per event for both subscribers");
  assert.equal(a.text(), b.text());
  assert.deepEqual(frames(a.text()), [
    'event: next\ndata: {"data":{"tick":1}}',
    'event: next\ndata: {"data":{"tick":2}}',
  ]);
  assert.ok(a.text().startsWith(":\n\n"), "a ping first, as graphql-yoga streams start");
  assert.equal(frames(other.text()).length, 0, "another topic's group gets nothing");

  const late = open(Q, { t: "a" });
  await until("the late subscriber has the last value", () => frames(late.text()).length === 1);
  assert.equal(frames(late.text())[0], 'event: next\ndata: {"data":{"tick":2}}');

  const before = returned;
  a.close();
  b.close();
  late.close();
  await until("the a-group ended with its last subscriber", () => returned === before + 1 && hub.stats().groups === 1);
  other.close();
  await until("no subscribers", () => hub.stats().subscribers === 0 && hub.stats().groups === 0);
});

test("what is not a valid subscription is left to the caller", async () => {
  for (const query of ["{ x }", "subscription { nope }", "subscription {"]) {
    const s = open(query, {});
    await until(`an answer to ${query}`, () => s.status() !== 0);
    assert.equal(s.status(), 400, query);
    s.close();
  }
});

test("a stream is pinged only after an interval without events", async () => {
  const quick = createSseHub({
    schema,
    rules: [],
    context: () => ({}),
    maskErrors: true,
    signal: abort.signal,
    pingMs: 200,
  });
  const pinged = createServer((req, res) => {
    const u = new URL(req.url ?? "/", "http://x");
    const variables = JSON.parse(u.searchParams.get("variables") ?? "null") as Record<string, unknown> | null;
    void quick.serve({ query: u.searchParams.get("query") ?? "", variables }, res);
  });
  await new Promise<void>((r) => pinged.listen(0, "127.0.0.1", r));
  const base = `http://127.0.0.1:${(pinged.address() as AddressInfo).port}/`;
  const stream = (t: string) => {
    let text = "";
    const req = request(
      `${base}?query=${encodeURIComponent(Q)}&variables=${encodeURIComponent(JSON.stringify({ t }))}`,
    );
    req.on("response", (res) => {
      res.setEncoding("utf8");
      res.on("data", (c: string) => (text += c));
      res.on("error", () => {});
    });
    req.on("error", () => {});
    req.end();
    return { text: () => text, close: () => req.destroy() };
  };
  const pings = (text: string) => text.split("\n\n").filter((f) => f === ":").length;
  try {
    const quiet = stream("quiet");
    const busy = stream("busy");
    await until("both subscribed", () => quick.stats().subscribers === 2 && topics.get("busy")?.size === 1);
    // The busy stream gets an event every 10 ms for a second or so: never 200 ms without one.
    for (let i = 0; i < 100; i++) {
      push("busy", i);
      await new Promise((r) => setTimeout(r, 10));
    }
    await until("the quiet stream pinged", () => pings(quiet.text()) >= 3);
    assert.equal(pings(busy.text()), 1, "only the first ping for a stream that is never idle");
    await until("every event on the busy stream", () => frames(busy.text()).length === 100);
    quiet.close();
    busy.close();
    await until("no subscribers", () => quick.stats().subscribers === 0);
  } finally {
    pinged.closeAllConnections();
    await new Promise((r) => pinged.close(r));
  }
});
