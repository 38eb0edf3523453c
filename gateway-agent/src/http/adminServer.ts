/**
 * The operator's local HTTP port: `/metrics` (Prometheus text), `/healthz` (200/503),
 * `/sessions` (every open session with its peer, meter, voucher and claimed totals) and
 * `/policy` (the exit policy and per-peer limits in force).
 */
import { createServer, type Server } from "node:http";
import { meteredUsage } from "../context.ts";
import type { Store } from "../store/store.ts";
import type { Metrics } from "./metrics.ts";

/** Parameters of {@link createAdminServer}. */
export interface AdminServerParams {
  metrics: Metrics;
  store: Store;
  /** Unix seconds. */
  now(): number;
  /** The health verdict and the fields shown with it. */
  health(): { ok: boolean } & Record<string, unknown>;
  /** What `/policy` shows: the exit policy and per-peer limits in force. */
  policy?: () => Record<string, unknown>;
}

/** Creates the admin server (not listening yet). Bind it to a local address only. */
export function createAdminServer(params: AdminServerParams): Server {
  const { metrics, store, now } = params;
  return createServer((req, res) => {
    if (req.url === "/metrics") {
      metrics.render().then(
        (text) => res.writeHead(200, { "content-type": metrics.contentType }).end(text),
        (err: unknown) => res.writeHead(500).end(String((err as Error).message)),
      );
    } else if (req.url === "/healthz") {
      const h = params.health();
      res.writeHead(h.ok ? 200 : 503, { "content-type": "application/json" });
      res.end(JSON.stringify(h));
    } else if (req.url === "/policy") {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify(params.policy?.() ?? { firewall: false }));
    } else if (req.url === "/sessions") {
      const sessions = store.list(["accepting", "active", "closing"]).map((s) => {
        const u = meteredUsage(s, now());
        return {
          sessionId: s.id.toString(),
          status: s.cutReason ? "cut" : s.status,
          cutReason: s.cutReason,
          client: s.client,
          wgPublicKey: s.wgKey,
          tunnelAddress: s.tunnelAddress,
          peer: s.provisioned,
          lastHandshake: s.lastHandshake,
          meteredBytes: u.bytes.toString(),
          meteredSeconds: u.seconds.toString(),
          voucherBytes: s.voucherBytes.toString(),
          voucherSeconds: s.voucherSeconds.toString(),
          claimedBytes: s.claimedBytes.toString(),
          claimedSeconds: s.claimedSeconds.toString(),
        };
      });
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ sessions }));
    } else {
      res.writeHead(404).end();
    }
  });
}
