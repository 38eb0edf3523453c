/**
 * A scripted protocol story for the indexer tests: five providers in four regions, sessions
 * accepted, missed (cancelled), claimed, closed by either side, heartbeats, a slash through the
 * impersonated timelock, a governance vote that raises the protocol fee, a pause and a price
 * change. Returns the facts the tests compute expected values from.
 */
import { encodeFunctionData, keccak256, toHex, type Address } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { dvpnGovernorAbi, dvpnTokenAbi, providerRegistryAbi, sessionEscrowAbi } from "../../sdk/src/abi/index.ts";
import { readVoucherTerms, signUsageVoucher } from "../../sdk/src/vouchers/usage.ts";
import { DVPN, USD, type TestChain } from "./testChain.ts";

export interface SessionFact {
  id: bigint;
  provider: Address;
  client: Address;
  openedAt: number;
  acceptedAt?: number;
  cancelled?: boolean;
  /** When it was cancelled (chain time). */
  cancelledAt?: number;
  /** Refused by the provider with rejectSession (the deposit went back at once). */
  rejected?: boolean;
  settled?: boolean;
  /** Who closed the session first, and when (absent for sessions never closed or cancelled). */
  closed?: { by: Address; at: number };
  claims: { bytes: bigint; seconds: bigint }[];
}

export interface ScenarioFacts {
  providers: Record<"p1" | "p2" | "p3" | "p4" | "p5", Address>;
  regions: Record<Address, string>;
  /** Heartbeat (and registration) timestamps per provider. */
  heartbeats: Record<Address, number[]>;
  sessions: SessionFact[];
  slash: { provider: Address; amount: bigint; beneficiary: Address };
  proposal: { id: bigint; description: string; votes: { voter: Address; support: number }[] };
  newProtocolFeeBps: number;
}

const wgKey = (n: number) => toHex(n + 1, { size: 32 });

export async function playScenario(t: TestChain): Promise<ScenarioFacts> {
  const c = t.deployment.contracts;
  const reg = c.ProviderRegistry.address;
  const esc = c.SessionEscrow.address;
  const [, a1, a2, a3, a4, a5, c1, c2, c3] = t.accounts as Address[];
  const providers = { p1: a1!, p2: a2!, p3: a3!, p4: a4!, p5: a5! };
  const regions: Record<Address, string> = {};
  const heartbeats: Record<Address, number[]> = {};
  const sessions: SessionFact[] = [];
  const signers = new Map<bigint, ReturnType<typeof privateKeyToAccount>>();

  const setups: [Address, string, bigint, bigint, number, bigint][] = [
    [a1!, "DE", USD("0.05"), USD("0.001"), 10, DVPN(5000)],
    [a2!, "DE", USD("0.04"), USD("0.002"), 5, DVPN(3000)],
    [a3!, "US", USD("0.08"), USD("0"), 20, DVPN(2000)],
    [a4!, "FR", USD("0.03"), USD("0.001"), 3, DVPN(1000)],
    [a5!, "JP", USD("0.10"), USD("0.003"), 2, DVPN(1500)],
  ];
  for (const [i, [p, region, gib, min, max, stake]] of setups.entries()) {
    const r = await t.send(p, reg, providerRegistryAbi, "register", [
      `node${i}.example:51820`,
      wgKey(i),
      toHex(region, { size: 2 }),
      gib,
      min,
      max,
      stake,
    ]);
    regions[p] = region;
    heartbeats[p] = [r.timestamp];
  }
  const beat = async (p: Address) => {
    const r = await t.send(p, reg, providerRegistryAbi, "heartbeat", []);
    heartbeats[p]!.push(r.timestamp);
  };

  const open = async (client: Address, provider: Address, deposit: bigint): Promise<SessionFact> => {
    const signer = privateKeyToAccount(generatePrivateKey());
    const r = await t.send(client, esc, sessionEscrowAbi, "openSession", [
      provider,
      wgKey(100 + sessions.length),
      signer.address,
      deposit,
      USD(1),
      USD(1),
    ]);
    const id = BigInt(sessions.length + 1);
    signers.set(id, signer);
    const s: SessionFact = { id, provider, client, openedAt: r.timestamp, claims: [] };
    sessions.push(s);
    return s;
  };
  const accept = async (s: SessionFact, tunnel: string) => {
    const r = await t.send(s.provider, esc, sessionEscrowAbi, "acceptSession", [s.id, tunnel]);
    s.acceptedAt = r.timestamp;
  };
  const voucher = async (s: SessionFact, bytes: bigint, seconds: bigint) =>
    await signUsageVoucher({
      account: signers.get(s.id)!,
      domain: { chainId: t.deployment.chainId, escrow: esc },
      voucher: { sessionId: s.id, terms: await readVoucherTerms(t.publicClient, esc, s.id), bytes, seconds },
    });
  const claim = async (s: SessionFact, bytes: bigint, seconds: bigint) => {
    await t.send(s.provider, esc, sessionEscrowAbi, "claim", [s.id, bytes, seconds, await voucher(s, bytes, seconds)]);
    s.claims.push({ bytes, seconds });
  };

  const closeWithVoucher = async (s: SessionFact, bytes: bigint, seconds: bigint) => {
    const r = await t.send(s.provider, esc, sessionEscrowAbi, "closeWithVoucher", [
      s.id,
      bytes,
      seconds,
      await voucher(s, bytes, seconds),
    ]);
    s.claims.push({ bytes, seconds });
    s.closed ??= { by: s.provider, at: r.timestamp };
    s.settled = true;
  };
  const close = async (s: SessionFact, by: Address) => {
    const r = await t.send(by, esc, sessionEscrowAbi, "closeSession", [s.id]);
    s.closed ??= { by, at: r.timestamp };
  };

  // S1: p1 accepts after 2 s, two claims, the provider closes with a final voucher.
  const s1 = await open(c1!, a1!, USD(20));
  await t.increaseTime(1);
  await accept(s1, "10.64.0.2/32");
  await claim(s1, 3n << 30n, 600n);
  await beat(a1!);
  await closeWithVoucher(s1, 5n << 30n, 1200n);

  // S2: p1 accepts, the client closes, the provider claims in the window, anyone finalizes.
  const s2 = await open(c2!, a1!, USD(10));
  await t.increaseTime(4);
  await accept(s2, "10.64.0.3/32");
  await close(s2, c2!);
  await claim(s2, 1n << 30n, 300n);

  // S3: p2 never accepts; the client cancels after the accept timeout.
  const s3 = await open(c1!, a2!, USD(5));
  // S4: p3 accepts and is paid; stays active.
  const s4 = await open(c2!, a3!, USD(50));
  await accept(s4, "10.70.0.2/32");
  await claim(s4, 7n << 30n, 60n);
  // S5: p2 accepts, then closes without any usage (paid 0: does not count).
  const s5 = await open(c3!, a2!, USD(5));
  await accept(s5, "10.71.0.9/32");
  await close(s5, a2!);
  s5.settled = true;

  await t.increaseTime(301);
  const cancelled3 = await t.send(c1!, esc, sessionEscrowAbi, "cancelSession", [s3.id]);
  s3.cancelled = true;
  s3.cancelledAt = cancelled3.timestamp;

  // Heartbeats; p5 stops beating and goes stale.
  for (const p of [a1!, a2!, a3!, a4!]) await beat(p);
  await t.increaseTime(600);
  for (const p of [a1!, a3!]) await beat(p);
  await t.send(a4!, reg, providerRegistryAbi, "pause", []);
  await t.send(a3!, reg, providerRegistryAbi, "setPrices", [USD("0.07"), USD("0.0005")]);

  // Finalize S2 after the settlement window.
  await t.increaseTime(3601);
  await t.send(c3!, esc, sessionEscrowAbi, "finalize", [s2.id]);
  s2.settled = true;
  for (const p of [a1!, a2!, a3!]) await beat(p);

  // Slash p2 through the impersonated timelock.
  const timelock = c.DVPNTimelock.address;
  await t.rpc("hardhat_impersonateAccount", [timelock]);
  await t.rpc("hardhat_setBalance", [timelock, toHex(10n ** 20n)]);
  const slash = { provider: a2!, amount: DVPN(100), beneficiary: c3! };
  await t.send(timelock, reg, providerRegistryAbi, "slash", [slash.provider, slash.amount, slash.beneficiary]);
  await t.rpc("hardhat_stopImpersonatingAccount", [timelock]);

  // Governance: raise the protocol fee from 250 to 300 bps.
  const gov = c.DVPNGovernor.address;
  const voters = [t.accounts[0]!, c1!, c2!, c3!];
  for (const v of voters) await t.send(v, c.DVPNToken.address, dvpnTokenAbi, "delegate", [v]);
  await t.mine();
  const calldata = encodeFunctionData({ abi: sessionEscrowAbi, functionName: "setProtocolFeeBps", args: [300n] });
  const description = "Raise the protocol fee to 3%";
  await t.send(t.accounts[0]!, gov, dvpnGovernorAbi, "propose", [[esc], [0n], [calldata], description]);
  const descriptionHash = keccak256(toHex(description));
  const proposalId = (await t.publicClient.readContract({
    address: gov,
    abi: dvpnGovernorAbi,
    functionName: "hashProposal",
    args: [[esc], [0n], [calldata], descriptionHash],
  })) as bigint;
  await t.increaseTime(61);
  await t.mine();
  const votes = [
    { voter: t.accounts[0]!, support: 1 },
    { voter: c1!, support: 0 },
    { voter: c2!, support: 2 },
    { voter: c3!, support: 1 },
  ];
  for (const v of votes) {
    await t.send(v.voter, gov, dvpnGovernorAbi, "castVoteWithReason", [proposalId, v.support, `vote ${v.support}`]);
  }
  await t.increaseTime(301);
  await t.mine();
  await t.send(t.accounts[0]!, gov, dvpnGovernorAbi, "queue", [[esc], [0n], [calldata], descriptionHash]);
  await t.increaseTime(61);
  await t.mine();
  await t.send(t.accounts[0]!, gov, dvpnGovernorAbi, "execute", [[esc], [0n], [calldata], descriptionHash]);

  // A session opened after the change snapshots the new fee.
  const s6 = await open(c1!, a1!, USD(3));
  await accept(s6, "10.64.0.4/32");
  await claim(s6, 1n << 29n, 30n);
  await beat(a1!);

  // S7: the client closes and the provider settles at once with its last voucher (the gateway
  // agent's usual path): the client stays the closer.
  const s7 = await open(c3!, a1!, USD(2));
  await accept(s7, "10.64.0.5/32");
  await close(s7, c3!);
  await t.increaseTime(5);
  await closeWithVoucher(s7, 1n << 20n, 40n);

  // S8: p1 rejects a pending session it cannot serve: refunded at once, not a missed acceptance.
  const s8 = await open(c2!, a1!, USD(4));
  const rejected = await t.send(a1!, esc, sessionEscrowAbi, "rejectSession", [s8.id, toHex("full", { size: 32 })]);
  s8.rejected = true;
  s8.closed = { by: a1!, at: rejected.timestamp };

  // S9: the client withdraws a pending session at once (before the provider had a fair chance):
  // refunded, not a missed acceptance. S10: a client gives up after 40 s: a missed acceptance.
  const s9 = await open(c3!, a1!, USD(3));
  const withdrawn = await t.send(c3!, esc, sessionEscrowAbi, "cancelSession", [s9.id]);
  Object.assign(s9, { cancelled: true, cancelledAt: withdrawn.timestamp });
  const s10 = await open(c2!, a1!, USD(3));
  await t.increaseTime(40);
  const gaveUp = await t.send(c2!, esc, sessionEscrowAbi, "cancelSession", [s10.id]);
  Object.assign(s10, { cancelled: true, cancelledAt: gaveUp.timestamp });

  // Stake changes and a profile update: p5 unbonds part of its stake, p4 (paused) exits fully,
  // p3 changes its capacity.
  await t.send(a5!, reg, providerRegistryAbi, "requestUnstake", [DVPN(500)]);
  await t.send(a4!, reg, providerRegistryAbi, "requestUnstake", [DVPN(1000)]);
  await t.send(a3!, reg, providerRegistryAbi, "update", [
    "node2.example:51821",
    wgKey(2),
    toHex("US", { size: 2 }),
    25,
  ]);

  return {
    providers,
    regions,
    heartbeats,
    sessions,
    slash,
    proposal: { id: proposalId, description, votes },
    newProtocolFeeBps: 300,
  };
}
