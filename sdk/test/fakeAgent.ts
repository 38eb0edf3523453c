/**
 * A stand-in for the gateway agent's voucher API (docs/agent-api.md), run inside the
 * provider's network namespace by the `dvpn connect --up` test:
 * `node fakeAgent.ts <host> <port>`. Every voucher it receives is printed to stdout as one
 * JSON line; it answers like the agent (200 with metered totals).
 */
import { createServer } from "node:http";

const [host = "127.0.0.1", port = "51830"] = process.argv.slice(2);
const server = createServer((req, res) => {
  let body = "";
  req.on("data", (d: Buffer) => (body += d.toString()));
  req.on("end", () => {
    res.setHeader("content-type", "application/json");
    if (req.method === "POST" && req.url === "/v1/vouchers") {
      const v = JSON.parse(body) as { sessionId: string; bytes: string; seconds: string };
      process.stdout.write(JSON.stringify(v) + "\n");
      res.end(
        JSON.stringify({ accepted: true, sessionId: v.sessionId, meteredBytes: v.bytes, meteredSeconds: v.seconds }),
      );
    } else {
      res.statusCode = 404;
      res.end(JSON.stringify({ error: "unknown route" }));
    }
  });
});
server.listen(Number(port), host, () => process.stderr.write(`listening on ${host}:${port}\n`));
process.on("SIGTERM", () => server.close(() => process.exit(0)));
