/**
 * The end of the demo session: the provider's claims on-chain, the client's close, the
 * provider's settlement (or the client's finalization when no provider settles) and the figures
 * of the settled session read back from its events.
 */
import { formatUnits, parseEventLogs, type Address } from "viem";
import type { LocalChain } from "../../test/kit/localChain.ts";
import type { Reporter } from "../lib/reporter.ts";
import { waitFor } from "../lib/waitFor.ts";
import type { DvpnClient } from "../../sdk/src/index.ts";
import { sessionEscrowAbi } from "../../sdk/src/abi/index.ts";
import type { Deployment } from "../../sdk/src/deployment/types.ts";
import { advanceTime } from "./advanceTime.ts";

/** Paid, fee, provider share, refund and number of claims of a settled session. */
export interface SettlementFigures {
  /** Gross amount paid out of the deposit (provider + fee). */
  paid: bigint;
  fee: bigint;
  providerReceived: bigint;
  refund: bigint;
  claims: number;
}

/** Waits until the provider has claimed at least `voucher` on-chain. */
export async function waitForClaims(
  r: Reporter,
  client: DvpnClient,
  sessionId: bigint,
  voucher: { bytes: bigint; seconds: bigint },
): Promise<void> {
  await r.step("Provider: claim the vouchers on-chain", async (note) => {
    const claimed = await waitFor(async () => {
      const s = await client.getSession({ sessionId });
      return s.claimedBytes >= voucher.bytes && s.claimedSeconds >= voucher.seconds ? s : undefined;
    }, 60_000);
    note(
      `claimed up to ${claimed.claimedBytes} bytes and ${claimed.claimedSeconds} s: ${formatUnits(claimed.paid, 6)} mUSD paid`,
    );
  });
}

/**
 * The client closes the session; the provider's agent settles it (or, when `agentRuns` is false
 * or the agent does not settle in time, the client finalizes it after the settlement window).
 * Checks that the client's balance grew by exactly the refund and returns the session's figures.
 */
export async function closeAndSettle(params: {
  r: Reporter;
  chain: LocalChain;
  deployment: Deployment;
  client: DvpnClient;
  clientAddress: Address;
  sessionId: bigint;
  agentRuns: boolean;
}): Promise<SettlementFigures> {
  const { client, sessionId } = params;
  const clientBalanceBefore = await client.getBalances({ address: params.clientAddress });
  await params.r.step("Client: close the session; the provider settles and the rest is refunded", async (note) => {
    await client.closeSession({ sessionId });
    const finalize = async (why: string) => {
      note(`${why}: waiting out the settlement window and finalizing`);
      await advanceTime(params.chain.publicClient, params.deployment.parameters.escrow.settlementWindow + 1);
      await client.finalizeSession({ sessionId });
      return client.getSession({ sessionId });
    };
    // Without a gateway agent (data plane skipped) no provider is there to settle: finalize at once.
    const settled = params.agentRuns
      ? await waitFor(async () => {
          const s = await client.getSession({ sessionId });
          return s.status === "Closed" ? s : undefined;
        }, 60_000).catch(() => finalize("the provider did not settle in time"))
      : await finalize("no gateway agent runs here");
    note(`session ${sessionId} ${settled.status}`);
  });

  const figures = await settlementFigures(client, sessionId, params.deployment.contracts.SessionEscrow.address);
  const clientBalanceAfter = await client.getBalances({ address: params.clientAddress });
  if (clientBalanceAfter.paymentToken - clientBalanceBefore.paymentToken !== figures.refund) {
    throw new Error("the client's balance did not grow by the refund");
  }
  return figures;
}

/** Paid, fee, provider share and refund of a settled session, from its events. */
async function settlementFigures(client: DvpnClient, sessionId: bigint, escrow: Address): Promise<SettlementFigures> {
  const logs = await client.publicClient.getLogs({ address: escrow, fromBlock: 0n });
  const events = parseEventLogs({ abi: sessionEscrowAbi, logs }).filter(
    (e) => "sessionId" in e.args && e.args.sessionId === sessionId,
  );
  let fee = 0n;
  let paid = 0n;
  let claims = 0;
  let refund = 0n;
  for (const e of events) {
    if (e.eventName === "UsageClaimed") {
      fee += e.args.fee;
      paid += e.args.amount;
      claims += 1;
    }
    if (e.eventName === "SessionSettled") refund = e.args.refund;
  }
  return { paid, fee, providerReceived: paid - fee, refund, claims };
}
