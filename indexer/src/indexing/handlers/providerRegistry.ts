/** ProviderRegistry events: registration, prices, stake, heartbeats, slashes and parameters. */
import { checksum, nameOf, regionOf } from "../decodeLogs.ts";
import { exitPolicyColumns } from "../exitPolicyColumns.ts";
import { transportColumns } from "../transportColumns.ts";
import type { ContractHandlers } from "./context.ts";
import { heartbeat, refreshCapacity, setParam, touchProvider, update } from "./rows.ts";

export const providerRegistryHandlers: ContractHandlers<"registry"> = {
  ProviderRegistered(ctx, e) {
    // A re-registration after a full exit keeps the history and the first registration time.
    const a = e.args;
    const p = touchProvider(ctx, a.provider, e);
    update(p, {
      endpoint: a.endpoint,
      wgPublicKey: a.wgPublicKey,
      region: regionOf(a.region),
      pricePerGiB: a.pricePerGiB,
      pricePerMinute: a.pricePerMinute,
      maxSessions: a.maxSessions,
      stake: a.stake,
      paused: false,
      registered: true,
    });
    refreshCapacity(p);
    heartbeat(ctx, p, e, e.timestamp); // registration counts as a heartbeat
  },
  ProviderUpdated(ctx, e) {
    const a = e.args;
    const p = touchProvider(ctx, a.provider, e);
    update(p, {
      endpoint: a.endpoint,
      wgPublicKey: a.wgPublicKey,
      region: regionOf(a.region),
      maxSessions: a.maxSessions,
    });
    refreshCapacity(p);
  },
  ExitPolicyUpdated(ctx, e) {
    update(touchProvider(ctx, e.args.provider, e), exitPolicyColumns(e.args.policy));
  },
  TransportUpdated(ctx, e) {
    update(touchProvider(ctx, e.args.provider, e), transportColumns(e.args));
  },
  PricesUpdated(ctx, e) {
    const { pricePerGiB, pricePerMinute } = e.args;
    update(touchProvider(ctx, e.args.provider, e), { pricePerGiB, pricePerMinute });
  },
  ProviderPaused(ctx, e) {
    touchProvider(ctx, e.args.provider, e).paused = true;
  },
  ProviderUnpaused(ctx, e) {
    touchProvider(ctx, e.args.provider, e).paused = false;
  },
  Heartbeat(ctx, e) {
    heartbeat(ctx, touchProvider(ctx, e.args.provider, e), e, e.args.timestamp);
  },
  StakeAdded(ctx, e) {
    touchProvider(ctx, e.args.provider, e).stake = e.args.stake;
  },
  UnstakeRequested(ctx, e) {
    const p = touchProvider(ctx, e.args.provider, e);
    p.stake -= e.args.amount;
    p.unbonding = e.args.unbonding;
    p.unbondingEnd = e.args.releaseTime;
  },
  StakeWithdrawn(ctx, e) {
    update(touchProvider(ctx, e.args.provider, e), { unbonding: 0n, unbondingEnd: 0 });
  },
  ProviderDeregistered(ctx, e) {
    update(touchProvider(ctx, e.args.provider, e), { registered: false, paused: false });
  },
  ProviderSlashed(ctx, e) {
    const a = e.args;
    const p = touchProvider(ctx, a.provider, e);
    p.stake = a.stake;
    p.unbonding = a.unbonding;
    p.slashCount += 1;
    p.slashedAmount += a.amount;
    ctx.store.append("slashes", {
      id: e.id,
      blockNumber: e.blockNumber,
      timestamp: e.timestamp,
      provider: p.id,
      amount: a.amount,
      beneficiary: checksum(a.beneficiary),
      stakeAfter: a.stake,
    });
  },
  ActiveSessionsChanged(ctx, e) {
    const p = touchProvider(ctx, e.args.provider, e);
    p.activeSessions = e.args.activeSessions;
    refreshCapacity(p);
  },
  ParameterUpdated(ctx, e) {
    setParam(ctx, e, nameOf(e.args.name), "ProviderRegistry", e.args.newValue);
  },
  // The escrow the registry is bound to is in the deployment file.
  EscrowBound: null,
};
