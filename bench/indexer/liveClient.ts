/**
 * A worker thread of the live part's client: opens its share of the SSE subscribers and records
 * when each event arrives (milliseconds since the epoch, `performance.timeOrigin` + now, so
 * threads compare), parsing its streams in parallel with the other workers. The main thread
 * asks for the smallest number of events any of its subscribers got, and for the arrival times
 * of the k-th event.
 */
import { Agent, request } from "node:http";
import { parentPort, workerData } from "node:worker_threads";

/** What the main thread sends. */
export type ClientRequest =
  { id: number; type: "least" } | { id: number; type: "arrivals"; index: number } | { id: number; type: "close" };

const { url, queries } = workerData as { url: string; queries: string[] };
const agent = new Agent({ keepAlive: false, maxSockets: Infinity });
const epochNow = () => performance.timeOrigin + performance.now();

const subs = queries.map((query) => {
  const arrivals: number[] = [];
  let buffer = "";
  const req = request(url, {
    method: "POST",
    agent,
    headers: { "content-type": "application/json", accept: "text/event-stream" },
  });
  req.on("response", (res) => {
    res.setEncoding("utf8");
    res.on("data", (chunk: string) => {
      buffer += chunk;
      let end: number;
      while ((end = buffer.indexOf("\n\n")) >= 0) {
        const message = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        if (message.startsWith("event: next\n") && message.includes('"data"')) arrivals.push(epochNow());
      }
    });
    res.on("error", () => {});
  });
  req.on("error", () => {});
  req.end(JSON.stringify({ query }));
  return { arrivals, close: () => req.destroy() };
});

parentPort!.on("message", (m: ClientRequest) => {
  if (m.type === "least") {
    let least = Infinity;
    for (const s of subs) least = Math.min(least, s.arrivals.length);
    parentPort!.postMessage({ id: m.id, value: subs.length === 0 ? 0 : least });
  } else if (m.type === "arrivals") {
    parentPort!.postMessage({ id: m.id, value: subs.map((s) => s.arrivals[m.index] ?? null) });
  } else {
    for (const s of subs) s.close();
    agent.destroy();
    parentPort!.postMessage({ id: m.id, value: null });
  }
});
