/**
 * A VPN connection that survives its provider (Node only): opens a session with the best
 * provider, pays for the tunnel with {@link createTunnelSession}, and when the provider stops
 * serving (it closed the session, or the tunnel stayed unhealthy past the grace) closes that
 * session with its best voucher and moves to the next-best provider under the same price cap and
 * region, excluding the ones that failed. Bringing the tunnel up and down (wg-quick, a kill
 * switch) is the caller's {@link TunnelDriver}, so the kill switch can be swapped in one step.
 */
import type { Address } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import type { DvpnClient } from "../client/createDvpnClient.ts";
import type { ProviderRecord } from "../actions/read/getProvider.ts";
import { DvpnError } from "../errors/base.ts";
import { TunnelConflictError } from "./tunnelConflict.ts";
import { parseTunnelAddress, type TunnelAddress } from "../wireguard/config.ts";
import { generateWgKeyPair } from "../wireguard/keys.ts";
import { priceUsage } from "../vouchers/usage.ts";
import { createTunnelSession, type TunnelSessionEnd } from "./createTunnelSession.ts";
import { nextProvider } from "./nextProvider.ts";
import { peerBytesReader, peerHandshakeReader } from "./peerBytes.ts";
import { postVoucher } from "./voucherApi.ts";

export {
  TunnelUpError,
  type LegOutcome,
  type LegResult,
  type TunnelDriver,
  type TunnelLeg,
  type TunnelUp,
  type VpnConnection,
  type VpnConnectionEnd,
  type VpnConnectionEndReason,
  type VpnConnectionEvent,
  type VpnConnectionParameters,
} from "./vpnConnectionTypes.ts";
import {
  TunnelUpError,
  type LegOutcome,
  type LegResult,
  type TunnelLeg,
  type TunnelUp,
  type VpnConnection,
  type VpnConnectionEndReason,
  type VpnConnectionEvent,
  type VpnConnectionParameters,
} from "./vpnConnectionTypes.ts";

/**
 * A VPN connection with health watch and failover over {@link createTunnelSession}.
 * - A transient outage (the agent or WireGuard back within the grace, `session.unreachableAfterMs`)
 *   keeps the session and the tunnel; WireGuard re-handshakes by itself.
 * - A provider that stops serving is left: its tunnel goes down (the caller's kill switch stays),
 *   the session is closed by the client (the provider may claim its best voucher during the
 *   settlement window, the rest is refunded) unless the provider closed it, and a session is
 *   opened with the next-best provider (same region and price caps, failed ones excluded).
 * - An accept that does not come within `acceptTimeoutMs` is withdrawn at once (full refund) and
 *   the next provider is tried.
 * @param client a DvpnClient with an account (it opens and closes sessions).
 * @param params the choice, deposit, tunnel driver and options.
 * @returns the connection; call `run(signal)`.
 * @example
 * const conn = createVpnConnection(client, {
 *   choice: { region: "DE", maxPricePerGiB: 50_000n }, deposit: 5_000_000n,
 *   tunnel: { up: async (leg) => ({ iface: await myUp(leg) }), down: (leg) => myDown(leg) },
 * })
 * const { reason, legs } = await conn.run(abortSignal)
 */
export function createVpnConnection(client: DvpnClient, params: VpnConnectionParameters): VpnConnection {
  const failover = params.failover ?? true;
  const maxProviders = params.maxProviders ?? 4;
  const emit = (e: VpnConnectionEvent) => params.onEvent?.(e);
  let current: TunnelLeg | undefined;

  /**
   * Ends a session whose accept was not awaited to the end: cancelled (the whole deposit back) if
   * still pending, closed (nothing owed) if the provider's accept won the race; rethrows `err` if
   * the provider rejected it or the chain cannot be read (the error then names the session).
   */
  const withdrawOrClose = async (
    base: { provider: Address; sessionId: bigint; deposit: bigint },
    err: unknown,
  ): Promise<LegResult> => {
    const { sessionId } = base;
    const statusNow = () =>
      client.getSession({ sessionId }).then(
        (r) => r.status,
        () => {
          throw new DvpnError(
            `${(err as DvpnError).shortMessage ?? String(err)}; session ${sessionId} may still be pending (the chain could not be read): withdraw it with \`dvpn session close ${sessionId}\``,
            { cause: err },
          );
        },
      );
    let status = await statusNow();
    if (status === "Pending") {
      try {
        const c = await client.cancelSession({ sessionId });
        return { ...base, reason: "not-accepted", outcome: { kind: "cancelled", refund: c.refund, hash: c.hash } };
      } catch (cancelErr) {
        status = await statusNow(); // the accept landed between the read and the cancel
        if (status !== "Active") throw cancelErr;
      }
    }
    if (status === "Active") {
      const closed = await client.closeSession({ sessionId });
      return {
        ...base,
        reason: "not-accepted",
        outcome: {
          kind: "client-closed",
          hash: closed.hash,
          settlementDeadline: closed.settlementDeadline,
          owedAtMost: 0n,
        },
      };
    }
    throw err; // rejected or cancelled meanwhile: the error says so
  };

  /** Opens with `provider` and waits for its accept; a late accept is withdrawn at once. */
  const openAccepted = async (provider: ProviderRecord, signal?: AbortSignal): Promise<TunnelLeg | LegResult> => {
    const keys = generateWgKeyPair();
    const signer = privateKeyToAccount(generatePrivateKey());
    const opened = await client.openSession({
      provider: provider.address,
      wgPublicKey: keys.publicKey,
      signer: signer.address,
      deposit: params.deposit,
      maxPricePerGiB: params.choice.maxPricePerGiB ?? provider.pricePerGiB,
      maxPricePerMinute: params.choice.maxPricePerMinute ?? provider.pricePerMinute,
    });
    emit({ type: "opened", provider, opened });
    const sessionId = opened.sessionId;
    const base = { provider: provider.address, sessionId, deposit: opened.deposit };
    let accepted;
    try {
      accepted = await client.waitForSessionAccepted({
        sessionId,
        fromBlock: opened.receipt.blockNumber,
        pollIntervalMs: params.acceptPollMs ?? 1000,
        timeoutMs: params.acceptTimeoutMs ?? 60_000,
        ...(signal ? { signal } : {}),
        onPoll: ({ elapsedMs }) => emit({ type: "waiting", sessionId, elapsedMs }),
      });
    } catch (err) {
      // Whatever ended the wait (no accept in time, Ctrl-C, a failing RPC), the session is not
      // left open unreported: withdrawn while pending, closed if the accept landed meanwhile.
      const result = await withdrawOrClose(base, err);
      emit({ type: "left", result, failover: failover && !signal?.aborted });
      return result;
    }
    let tunnel: TunnelAddress | undefined;
    try {
      tunnel = parseTunnelAddress(accepted.tunnelAddress);
    } catch {
      tunnel = undefined;
    }
    if (!tunnel || tunnel.addresses.length === 0 || tunnel.gateway === undefined) {
      // Nothing can be configured, or vouchers could not reach the agent: close at once.
      const closed = await client.closeSession({ sessionId });
      const result: LegResult = {
        ...base,
        reason: "bad-tunnel-address",
        outcome: {
          kind: "client-closed",
          hash: closed.hash,
          settlementDeadline: closed.settlementDeadline,
          owedAtMost: 0n,
        },
      };
      emit({ type: "left", result, failover });
      return result;
    }
    const leg: TunnelLeg = {
      provider,
      sessionId,
      opened,
      keys,
      signer,
      tunnelAddress: accepted.tunnelAddress,
      tunnel: { ...tunnel, gateway: tunnel.gateway },
      acceptedAt: Date.now(),
    };
    emit({ type: "accepted", leg });
    return leg;
  };

  /** Closes a leg's session after its tunnel went down, unless the provider closed it. */
  const settle = async (leg: TunnelLeg, end: TunnelSessionEnd): Promise<LegOutcome> => {
    if (end.reason === "provider-closed") {
      return {
        kind: "provider-closed",
        record: end.onChain ?? (await client.getSession({ sessionId: leg.sessionId })),
      };
    }
    const terms = {
      pricePerGiB: leg.opened.pricePerGiB,
      pricePerMinute: leg.opened.pricePerMinute,
      deposit: leg.opened.deposit,
    };
    const closed = await client.closeSession({ sessionId: leg.sessionId }).catch(async (err: unknown) => {
      // The provider may have closed it meanwhile.
      const s = await client.getSession({ sessionId: leg.sessionId });
      if (s.status === "Closing" || s.status === "Closed") return s;
      throw err;
    });
    if ("status" in closed) return { kind: "provider-closed", record: closed };
    return {
      kind: "client-closed",
      hash: closed.hash,
      settlementDeadline: closed.settlementDeadline,
      owedAtMost: priceUsage(terms, end.delivered),
      ...(closed.paid !== undefined ? { paid: closed.paid } : {}),
      ...(closed.refund !== undefined ? { refund: closed.refund } : {}),
    };
  };

  return {
    current: () => current,
    async run(signal) {
      const legs: LegResult[] = [];
      const failed: Address[] = [];
      let previous: TunnelLeg | undefined;
      let last: VpnConnectionEndReason = "no-provider";
      for (let attempt = 1; attempt <= maxProviders && !signal?.aborted; attempt++) {
        const picked = await nextProvider(client, params.choice, failed);
        if (!picked) {
          emit({ type: "no-provider", excluded: [...failed] });
          return { reason: legs.length ? last : "no-provider", legs };
        }
        emit({ type: "picked", picked, attempt });
        const provider = await client.getProvider({ provider: picked.address });
        const got = await openAccepted(provider, signal);
        if (!("opened" in got)) {
          // Withdrawn (not accepted in time, or Ctrl-C while waiting) or an unusable tunnel address.
          legs.push(got);
          failed.push(got.provider);
          last = got.reason === "not-accepted" ? "not-accepted" : "unreachable";
          if (signal?.aborted) return { reason: "stopped", legs };
          if (!failover) return { reason: last, legs };
          continue;
        }
        const leg = got;
        let up: TunnelUp;
        try {
          up = await params.tunnel.up(leg, previous);
        } catch (err) {
          await params.tunnel.down(leg).catch(() => undefined);
          const closed = await client.closeSession({ sessionId: leg.sessionId });
          const conflict = err instanceof TunnelConflictError;
          const result: LegResult = {
            provider: provider.address,
            sessionId: leg.sessionId,
            deposit: leg.opened.deposit,
            reason: conflict ? "tunnel-conflict" : "tunnel-failed",
            ...(conflict ? { detail: err.shortMessage } : {}),
            outcome: {
              kind: "client-closed",
              hash: closed.hash,
              settlementDeadline: closed.settlementDeadline,
              owedAtMost: 0n,
            },
          };
          legs.push(result);
          // The machine cannot bring a tunnel up: no other provider would do better.
          if (!conflict) throw new TunnelUpError((err as DvpnError).shortMessage ?? String(err), legs, err);
          // This provider's tunnel clashes with another one the client has up: the next may not.
          emit({ type: "left", result, failover: failover && attempt < maxProviders });
          failed.push(provider.address);
          last = "tunnel-conflict";
          if (!failover) return { reason: last, legs };
          continue;
        }
        current = leg;
        const iface = up.iface;
        emit({ type: "up", leg, iface });
        const session = createTunnelSession(client, {
          sessionId: leg.sessionId,
          signer: leg.signer,
          terms: {
            pricePerGiB: leg.opened.pricePerGiB,
            pricePerMinute: leg.opened.pricePerMinute,
            deposit: leg.opened.deposit,
          },
          voucherTerms: {
            provider: provider.address,
            deposit: leg.opened.deposit,
            pricePerGiB: leg.opened.pricePerGiB,
            pricePerMinute: leg.opened.pricePerMinute,
          },
          acceptedAt: leg.acceptedAt,
          readBytes: up.readBytes ?? peerBytesReader(iface, provider.wgPublicKeyBase64),
          readHandshake: up.readHandshake ?? peerHandshakeReader(iface, provider.wgPublicKeyBase64),
          send: up.send ?? ((v) => postVoucher({ gateway: leg.tunnel.gateway, ...v, timeoutMs: 5_000 })),
          unreachableAfterMs: 20_000,
          probeIntervalMs: 2_000,
          ...params.session,
          onEvent: (event) => emit({ type: "session", leg, event }),
        });
        const end = await session.run(signal);
        const again = failover && (end.reason === "provider-closed" || end.reason === "unreachable");
        // Down first: with a full tunnel the chain is reachable only outside it (the kill switch allows it).
        await params.tunnel.down(leg).catch(() => undefined);
        current = undefined;
        const outcome = await settle(leg, end);
        const result: LegResult = {
          provider: provider.address,
          sessionId: leg.sessionId,
          deposit: leg.opened.deposit,
          end,
          reason: end.reason,
          outcome,
        };
        legs.push(result);
        emit({ type: "left", result, failover: again && attempt < maxProviders });
        last = end.reason;
        if (!again) return { reason: end.reason, legs };
        failed.push(provider.address);
        previous = leg;
      }
      return { reason: signal?.aborted ? "stopped" : last, legs };
    },
  };
}
