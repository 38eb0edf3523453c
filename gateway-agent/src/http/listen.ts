/** Opens the agent's HTTP servers (voucher API, /metrics) on a `host:port`. */
import type { Server } from "node:http";

function splitHostPort(v: string): { host: string; port: number } {
  const i = v.lastIndexOf(":");
  return { host: v.slice(0, i).replace(/^\[|\]$/g, ""), port: Number(v.slice(i + 1)) };
}

/**
 * Listens on `where` (`host:port`, `[v6]:port`; port 0 picks a free one) with short timeouts.
 * @returns the server's URL.
 */
export function listen(server: Server, where: string): Promise<string> {
  const { host, port } = splitHostPort(where);
  // Requests are small (vouchers ≤ 4 KiB): a client that trickles its headers or body is cut
  // after a few seconds instead of holding a socket for Node's default five minutes.
  server.headersTimeout = 5_000;
  server.requestTimeout = 10_000;
  server.keepAliveTimeout = 5_000;
  return new Promise((resolveUrl, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      const a = server.address();
      const p = typeof a === "object" && a ? a.port : port;
      resolveUrl(`http://${host.includes(":") ? `[${host}]` : host}:${p}`);
    });
  });
}
