/**
 * What the client uses of an accepted session and the vouchers that pay for it: with the data
 * plane, real downloads through the WireGuard tunnel paid by the SDK's tunnel session (the same
 * object as `dvpn connect --up`); without it, one voucher for the time used, claimed by the
 * provider.
 */
import { type Address } from "viem";
import { TOPOLOGY, type Topology } from "../lib/netns.ts";
import type { Reporter } from "../lib/reporter.ts";
import type { Shutdown } from "../../sdk/src/shutdown/createShutdown.ts";
import { signUsageVoucher } from "../../sdk/src/index.ts";
import { createTunnelSession, peerBytesReader, receiptOf, VoucherRejectedError } from "../../sdk/src/node.ts";
import type { DemoAccount } from "./accounts.ts";
import { bringUpClientTunnel, startContentServer, type ClientTunnel } from "./clientTunnel.ts";
import type { DemoSession } from "./clientSession.ts";
import { USD } from "./participants.ts";
import type { AgentService } from "./services.ts";

/** Content is downloaded as a few blobs, each as fast as the tunnel carries it. */
const BLOB = 8 << 20;
const ROUNDS = 4;

/** What the client used and signed for. */
export interface DemoUsage {
  /** The client's tunnel (absent without the data plane). */
  tunnel: ClientTunnel | undefined;
  /** Body bytes fetched through the tunnel. */
  contentBytes: number;
  /** The last voucher the client signed. */
  lastVoucher: { bytes: bigint; seconds: bigint };
}

/**
 * Brings the client's tunnel up and downloads {@link ROUNDS} blobs through it while the SDK's
 * tunnel session signs vouchers and sends them to the agent's voucher API.
 */
export async function payThroughTunnel(params: {
  r: Reporter;
  shutdown: Shutdown;
  topology: Topology;
  agent: AgentService;
  client: DemoAccount;
  session: DemoSession;
  /** The gateway agent's WireGuard public key (the client's one peer). */
  gatewayPublicKey: string;
}): Promise<DemoUsage> {
  const { r, topology, agent, session: s } = params;
  const { sessionId, opened, signer } = s;
  const acceptedAt = Date.now();
  const tunnel = await r.step("Client: bring the WireGuard tunnel up", async (note) => {
    const t = await bringUpClientTunnel({
      topology,
      iface: `${topology.ifacePrefix}c`,
      privateKey: s.clientWg.privateKey,
      tunnelAddress: s.tunnelAddress,
      peerPublicKey: params.gatewayPublicKey,
      endpoint: `${TOPOLOGY.providerToClient}:51820`,
    });
    params.shutdown.add("client tunnel", () => t.down());
    note(`${t.iface} up in ${topology.client}; default route through the tunnel`);
    return t;
  });
  await startContentServer(topology, TOPOLOGY.internetAddress, 8080, BLOB);
  let contentBytes = 0;
  let lastVoucher = { bytes: 0n, seconds: 0n };
  await r.step(
    `Client: download ${(ROUNDS * BLOB) >> 20} MiB through the tunnel at full speed, paid by the SDK's tunnel session`,
    async (note) => {
      // The same session object as `dvpn connect --up`: it reads the client's own counter 20 times a
      // second and signs ahead of the agent's meter by what the measured rate carries in 0.3 s plus
      // 6 MiB, within a credit of 64 MiB + 25 % of its counter.
      const url = `http://${agent.gateway}:51830/v1/vouchers`;
      let vouchers = 0;
      const session = createTunnelSession(params.client.client, {
        sessionId,
        signer,
        terms: { pricePerGiB: opened.pricePerGiB, pricePerMinute: opened.pricePerMinute, deposit: USD("5") },
        voucherTerms: s.voucherTerms,
        acceptedAt,
        readBytes: peerBytesReader(tunnel.iface, params.gatewayPublicKey),
        send: async (v) => {
          const res = await tunnel.post(url, {
            sessionId: v.sessionId.toString(),
            bytes: v.bytes.toString(),
            seconds: v.seconds.toString(),
            signature: v.signature,
          });
          const body = (res.body ?? {}) as Record<string, unknown>;
          if (res.status !== 200)
            throw new VoucherRejectedError(`the agent refused the voucher: ${String(body.error)}`, res.status);
          vouchers++;
          return receiptOf(body);
        },
      });
      const stop = new AbortController();
      const paying = session.run(stop.signal);
      try {
        for (let round = 1; round <= ROUNDS; round++) {
          contentBytes += await retry(() => tunnel.fetch(`http://${TOPOLOGY.internetAddress}:8080/blob`), 3);
          const snap = session.snapshot();
          note(
            `download ${round}: ${contentBytes} bytes fetched; client counter ${snap.counter}, signed ${snap.delivered.bytes}, agent meter ${snap.metered}`,
          );
        }
        // Let the agent meter the end of the transfer before the last voucher.
        await new Promise((res) => setTimeout(res, 1500));
      } finally {
        stop.abort();
      }
      const end = await paying;
      if (end.reason !== "stopped") throw new Error(`the tunnel session ended early: ${end.reason}`);
      lastVoucher = end.delivered;
      note(`${vouchers} vouchers; the last: ${lastVoucher.bytes} bytes, ${lastVoucher.seconds} s`);
    },
  );
  return { tunnel, contentBytes, lastVoucher };
}

/** Without the data plane: the client signs one voucher for the time used and the provider claims it. */
export async function payForTime(params: {
  r: Reporter;
  provider: DemoAccount;
  session: DemoSession;
  domain: { chainId: number; escrow: Address };
}): Promise<DemoUsage> {
  const { sessionId, signer, voucherTerms: terms, openedAt } = params.session;
  let lastVoucher = { bytes: 0n, seconds: 0n };
  await params.r.step("Client: sign a voucher for the time used (no traffic without the data plane)", async (note) => {
    await new Promise((res) => setTimeout(res, 1500));
    const seconds = BigInt(Math.max(1, Math.round((Date.now() - openedAt) / 1000)));
    const voucher = { sessionId, terms, bytes: 0n, seconds };
    const signature = await signUsageVoucher({ account: signer, domain: params.domain, voucher });
    await params.provider.client.claimUsage({ sessionId, bytes: 0n, seconds, signature });
    lastVoucher = { bytes: 0n, seconds };
    note(`voucher for ${lastVoucher.seconds} s claimed by the provider`);
  });
  return { tunnel: undefined, contentBytes: 0, lastVoucher };
}

async function retry<T>(fn: () => Promise<T>, attempts: number): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await fn();
    } catch (err) {
      if (i >= attempts) throw err;
      await new Promise((res) => setTimeout(res, 500));
    }
  }
}
