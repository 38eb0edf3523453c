/**
 * The client's side of a session, up to the provider's acceptance: pick the best provider from
 * the feed, open a session with a deposit and an ephemeral voucher signer, and wait for the
 * gateway agent to accept it (or accept it on the provider's behalf when no agent runs).
 */
import { formatUnits, type Address, type Hex, type PrivateKeyAccount } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import type { Reporter } from "../lib/reporter.ts";
import {
  generateWgKeyPair,
  hashVoucherTerms,
  type OpenSessionReturnType,
  type WgKeyPair,
} from "../../sdk/src/index.ts";
import type { DemoAccount } from "./accounts.ts";
import { USD } from "./participants.ts";

/** An accepted session of the demo client. */
export interface DemoSession {
  sessionId: bigint;
  opened: OpenSessionReturnType;
  /** When the session was opened (ms since the epoch). */
  openedAt: number;
  /** The tunnel address the provider gave the client. */
  tunnelAddress: string;
  /** The client's WireGuard key pair for this session. */
  clientWg: WgKeyPair;
  /** The ephemeral key that signs this session's vouchers. */
  signer: PrivateKeyAccount;
  /** The hash of the terms the client saw in its own receipt, which its vouchers are bound to. */
  voucherTerms: Hex;
}

/**
 * Picks a provider from the feed, opens a session with it and waits until it is accepted. With
 * `acceptFor` (no gateway agent runs), the demo accepts on that provider's behalf.
 */
export async function openClientSession(
  r: Reporter,
  client: DemoAccount,
  acceptFor: DemoAccount | undefined,
): Promise<DemoSession> {
  const picked = await r.step(
    "Client: pick the best available provider in DE under 0.06 mUSD/GiB from the feed",
    async (note) => {
      const found = await client.client.findProviders({
        where: { region: "DE", available: true, maxPricePerGiB: USD("0.06") },
        orderBy: "score",
        orderDirection: "desc",
        first: 5,
      });
      for (const p of found.items)
        note(`${p.id} score ${p.reputation.score} ${formatUnits(BigInt(p.pricePerGiB), 6)} mUSD/GiB`);
      const best = found.items[0];
      if (!best) throw new Error("the feed lists no available provider in DE under the price cap");
      return best.id as Address;
    },
  );

  const clientWg = generateWgKeyPair();
  const signer = privateKeyToAccount(generatePrivateKey());
  const opened = await r.step(
    "Client: open a session with a 5 mUSD deposit (permit, ephemeral voucher signer)",
    async (note) => {
      const o = await client.client.openSession({
        provider: picked,
        wgPublicKey: clientWg.publicKey,
        signer: signer.address,
        deposit: USD("5"),
        maxPricePerGiB: USD("0.06"),
        maxPricePerMinute: USD("0.001"),
      });
      note(
        `session ${o.sessionId} opened (gas ${o.receipt.gasUsed}), accept deadline in ${o.acceptDeadline - Math.floor(Date.now() / 1000)} s`,
      );
      return o;
    },
  );
  const sessionId = opened.sessionId;
  const openedAt = Date.now();
  // Vouchers are bound to the terms the client saw in its own receipt.
  const voucherTerms = hashVoucherTerms({
    provider: picked,
    deposit: opened.deposit,
    pricePerGiB: opened.pricePerGiB,
    pricePerMinute: opened.pricePerMinute,
  });

  const accepted = await r.step("Provider: accept the session", async (note) => {
    if (acceptFor) {
      const a = await acceptFor.client.acceptSession({ sessionId, tunnelAddress: "10.77.0.2/16" });
      note("accepted by the demo on the provider's behalf (no agent without the data plane)");
      return { tunnelAddress: "10.77.0.2/16", hash: a.hash };
    }
    const a = await client.client.waitForSessionAccepted({ sessionId, timeoutMs: 60_000 });
    note(`the agent added the peer and accepted: tunnel address ${a.tunnelAddress}`);
    return a;
  });

  return { sessionId, opened, openedAt, tunnelAddress: accepted.tunnelAddress, clientWg, signer, voucherTerms };
}
