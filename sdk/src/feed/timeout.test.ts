/** Feed requests end with a FeedError naming the URL and the timeout when the indexer never answers. */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { http } from "viem";
import { hardhat } from "viem/chains";
import { createDvpnClient } from "../client/createDvpnClient.ts";
import type { Deployment } from "../deployment/types.ts";
import { FeedError } from "../errors/feed.ts";
import { InvalidInputError } from "../errors/input.ts";
import { getFeedMeta } from "./actions.ts";
import { feedRequest } from "./request.ts";
import { subscribeFeed } from "./subscribe.ts";
import { DEFAULT_FEED_TIMEOUT_MS } from "./timeout.ts";

const deployment = { chainId: hardhat.id, contracts: {} } as unknown as Deployment;

describe("feed timeout", () => {
  let server: Server;
  let base: string;
  const held: ServerResponse[] = [];
  let requests = 0;

  before(async () => {
    // /silent reads the request and never answers; /stall sends the headers and never the body;
    // /meta answers at once.
    server = createServer((req: IncomingMessage, res: ServerResponse) => {
      requests++;
      req.resume();
      if (req.url === "/stall") {
        res.writeHead(200, { "content-type": "application/json" });
        res.write('{"data": ');
        held.push(res);
      } else if (req.url === "/sse") {
        // The stream starts at once; its first event comes after longer than the client's timeout.
        res.writeHead(200, { "content-type": "text/event-stream" });
        res.write(": started\n\n");
        setTimeout(() => res.end('event: next\ndata: {"data":{"x":1}}\n\nevent: complete\ndata:\n\n'), 600);
      } else if (req.url === "/meta") {
        res.writeHead(200, { "content-type": "application/json" }).end('{"data":{"_meta":{"chainId":31337}}}');
      } else {
        held.push(res);
      }
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  after(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  const expectTimeout = async (p: Promise<unknown>, url: string, ms: number) => {
    const err = await p.then(
      () => assert.fail("expected a timeout"),
      (e: unknown) => e,
    );
    assert.ok(err instanceof FeedError, String(err));
    assert.equal(
      err.shortMessage,
      `indexer feed at ${url}: no answer within ${ms} ms (feedTimeoutMs; createDvpnClient sets it, default 10000)`,
    );
    assert.equal((err.cause as Error).name, "TimeoutError");
    assert.equal(err.status, undefined);
  };

  it("a server that never answers: the request fails with the URL and the timeout", async () => {
    const url = `${base}/silent`;
    const client = createDvpnClient({
      chain: hardhat,
      transport: http("http://127.0.0.1:1"),
      deployment,
      indexerUrl: url,
      feedTimeoutMs: 300,
    });
    assert.equal(client.feedTimeoutMs, 300);
    const before = requests;
    await expectTimeout(getFeedMeta(client), url, 300);
    assert.equal(requests, before + 1);
  });

  it("headers without a body: the body read is bounded too", async () => {
    const url = `${base}/stall`;
    await expectTimeout(feedRequest({ indexerUrl: url, fetch, feedTimeoutMs: 250 }, "{ _meta { chainId } }"), url, 250);
  });

  it("a fetch that ignores the abort signal is still cut at the timeout", async () => {
    const url = `${base}/silent`;
    const deaf: typeof fetch = (input, init) => fetch(input, { ...init, signal: null });
    await expectTimeout(feedRequest({ indexerUrl: url, fetch: deaf, feedTimeoutMs: 200 }, "{ x }"), url, 200);
  });

  it("a subscription must start within the timeout (a non-stream answer must end in it); a started one may last longer", async () => {
    const url = `${base}/silent`;
    const silent = subscribeFeed({ indexerUrl: url, fetch, feedTimeoutMs: 200 }, "subscription { x }", {});
    await expectTimeout(silent.next(), url, 200);
    // An answer that is not an event stream and stalls in its body is bounded too.
    const stalled = subscribeFeed({ indexerUrl: `${base}/stall`, fetch, feedTimeoutMs: 200 }, "subscription { x }", {});
    await expectTimeout(stalled.next(), `${base}/stall`, 200);
    const started = subscribeFeed<{ x: number }>(
      { indexerUrl: `${base}/sse`, fetch, feedTimeoutMs: 200 },
      "subscription { x }",
      {},
    );
    const got: { x: number }[] = [];
    for await (const data of started) got.push(data);
    assert.deepEqual(got, [{ x: 1 }]);
  });

  it("answers within the timeout are unaffected; the default is 10 s; bad values are refused", async () => {
    const client = createDvpnClient({
      chain: hardhat,
      transport: http("http://127.0.0.1:1"),
      deployment,
      indexerUrl: `${base}/meta`,
    });
    assert.equal(client.feedTimeoutMs, DEFAULT_FEED_TIMEOUT_MS);
    assert.equal(DEFAULT_FEED_TIMEOUT_MS, 10_000);
    assert.deepEqual(await feedRequest(client, "{ _meta { chainId } }"), { _meta: { chainId: 31337 } });
    for (const feedTimeoutMs of [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 31]) {
      assert.throws(
        () => createDvpnClient({ chain: hardhat, transport: http("http://127.0.0.1:1"), deployment, feedTimeoutMs }),
        (e: unknown) => e instanceof InvalidInputError && e.field === "feedTimeoutMs",
      );
    }
  });
});
