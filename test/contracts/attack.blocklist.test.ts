/**
 * The blocklist attacks of the review, performed as the attacker would, with a USDC-style
 * payment token that refuses transfers to a blocked address:
 * - a client that gets itself blocked made every refund revert, so the provider could neither
 *   close, settle nor cancel its sessions: its slots, its full exit and its stake were locked;
 * - a treasury that cannot receive halted every claim.
 * Now refunds the token refuses are credited to the client (withdrawn to any address it names)
 * and fees accrue in the escrow until anyone sweeps them.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { getContract, parseAbi, zeroAddress } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { providerRegistryAbi, sessionEscrowAbi } from "../../sdk/src/abi/index.ts";
import { loadFixture, type Wallet } from "./fixture.ts";
import {
  CLIENT_WG_KEY,
  DVPN,
  ENDPOINT,
  MAX_UINT96,
  USD,
  WG_KEY,
  assertRevert,
  region,
  signVoucher,
} from "./helpers.ts";

const tokenAbi = parseAbi([
  "function mint(address to, uint256 amount)",
  "function setBlocked(address account, bool value)",
  "function approve(address spender, uint256 amount) returns (bool)",
  "function balanceOf(address) view returns (uint256)",
]);
const GIB = 1n << 30n;
const sessionKey = privateKeyToAccount(generatePrivateKey());

/** A registry and an escrow that stake and pay in the blocklisting token; treasury = `treasury`. */
async function setup() {
  const f = await loadFixture();
  const [provider, client, treasury, other] = f.users as [Wallet, Wallet, Wallet, Wallet];
  const deployer = f.deployer.account.address;
  const token = await f.viem.deployContract("BlocklistToken", []);
  const reg = await f.viem.deployContract("ProviderRegistry", [token.address, deployer, DVPN(1), 86_400n, 900n, 5000n]);
  const esc = await f.viem.deployContract("SessionEscrow", [
    token.address,
    reg.address,
    deployer,
    treasury.account.address,
    250n,
    300n,
    3600n,
  ]);
  const pub = f.publicClient;
  const as = (w: Wallet) => ({
    token: getContract({ address: token.address, abi: tokenAbi, client: { public: pub, wallet: w } }),
    registry: getContract({ address: reg.address, abi: providerRegistryAbi, client: { public: pub, wallet: w } }),
    escrow: getContract({ address: esc.address, abi: sessionEscrowAbi, client: { public: pub, wallet: w } }),
  });
  await f.mined(as(f.deployer).registry.write.bindEscrow([esc.address]));
  for (const w of [provider, client]) {
    await f.mined(as(w).token.write.mint([w.account.address, DVPN(1000)]));
    await f.mined(as(w).token.write.approve([reg.address, DVPN(1000)]));
    await f.mined(as(w).token.write.approve([esc.address, DVPN(1000)]));
  }
  await f.mined(as(provider).registry.write.register([ENDPOINT, WG_KEY, region("NL"), GIB, 60n, 2, DVPN(100)]));
  const balance = (a: `0x${string}`) => as(client).token.read.balanceOf([a]);
  const domain = { chainId: f.deployment.chainId, escrow: esc.address };
  const open = async (deposit: bigint) => {
    await f.mined(
      as(client).escrow.write.openSession([
        provider.account.address,
        CLIENT_WG_KEY,
        sessionKey.address,
        deposit,
        MAX_UINT96,
        MAX_UINT96,
      ]),
    );
    return as(client).escrow.read.sessionCount();
  };
  return { f, provider, client, treasury, other, as, balance, domain, open, token, esc, reg };
}

describe("attack: a payment token that refuses transfers", () => {
  it("a blocked client locks neither the provider's slots, its exit nor its stake; its refunds wait for it", async () => {
    const { f, provider, client, other, as, balance, domain, open, esc } = await setup();
    const p = provider.account.address;
    const c = client.account.address;
    const prov = as(provider).escrow;
    // Three sessions in the three ways they end: provider close, client close + finalize, cancel.
    const a = await open(DVPN(10));
    const b = await open(DVPN(10));
    const pending = await open(DVPN(5));
    await f.mined(prov.write.acceptSession([a, "10.0.0.2"]));
    await f.mined(prov.write.acceptSession([b, "10.0.0.3"]));
    assert.equal((await as(provider).registry.read.getProvider([p])).activeSessions, 2, "both slots taken");
    await f.mined(as(client).escrow.write.closeSession([b]));
    // The attack: the client gets itself blocklisted.
    await f.mined(as(client).token.write.setBlocked([c, true]));
    const paidBefore = await balance(p);
    const sig = await signVoucher(f, sessionKey, a, GIB, 60n, domain);
    await f.mined(prov.write.closeWithVoucher([a, GIB, 60n, sig]));
    await f.networkHelpers.time.increase(3601);
    await f.mined(as(other).escrow.write.finalize([b]));
    await f.mined(as(other).escrow.write.cancelSession([pending]));
    // The provider is paid, its slots are free and it can leave with its whole stake.
    const paid = GIB * 1n + 60n; // 1 GiB at 1 GiB-unit + 60 s at 60/min
    const fee = (paid * 250n) / 10_000n;
    assert.equal(await balance(p), paidBefore + paid - fee, "provider paid for its voucher");
    const info = await as(provider).registry.read.getProvider([p]);
    assert.equal(info.activeSessions, 0, "no slot held");
    await f.mined(as(provider).registry.write.requestUnstake([DVPN(100)]));
    await f.networkHelpers.time.increase(86_401);
    await f.mined(as(provider).registry.write.withdraw());
    assert.equal(await balance(p), paidBefore + paid - fee + DVPN(100), "the whole stake back");
    // The client's refunds are credited; it withdraws them to an address it controls.
    const owed = DVPN(10) - paid + DVPN(10) + DVPN(5);
    assert.equal(await as(client).escrow.read.refundCredit([c]), owed);
    await assertRevert(as(client).escrow.write.withdrawRefund([c]), "BlocklistTokenBlocked", [c]);
    await assertRevert(as(client).escrow.write.withdrawRefund([zeroAddress]), "EscrowInvalidRecipient");
    await assertRevert(as(other).escrow.write.withdrawRefund([c]), "EscrowNothingToWithdraw", [other.account.address]);
    const fresh = privateKeyToAccount(generatePrivateKey()).address;
    await f.mined(as(client).escrow.write.withdrawRefund([fresh]));
    assert.equal(await balance(fresh), owed, "the client is whole too");
    assert.equal(await balance(esc.address), fee, "only the accrued fee is left in the escrow");
  });

  it("a treasury that cannot receive halts no claim; the fees wait until governance moves the treasury", async () => {
    const { f, provider, treasury, other, as, balance, domain, open } = await setup();
    const a = await open(DVPN(10));
    await f.mined(as(provider).escrow.write.acceptSession([a, "10.0.0.2"]));
    await f.mined(as(other).token.write.setBlocked([treasury.account.address, true]));
    const before = await balance(provider.account.address);
    for (const n of [1n, 2n, 3n]) {
      const sig = await signVoucher(f, sessionKey, a, n * GIB, 0n, domain);
      await f.mined(as(provider).escrow.write.claim([a, n * GIB, 0n, sig]));
    }
    // The session's fee is rounded once, on its total (3 GiB-units), and accrues when it settles.
    const fees = (3n * GIB * 250n) / 10_000n;
    assert.equal(await balance(provider.account.address), before + 3n * GIB - fees, "every claim paid");
    await f.mined(as(provider).escrow.write.closeSession([a]));
    assert.equal(await as(other).escrow.read.accruedFees(), fees);
    await assertRevert(as(other).escrow.write.sweepFees(), "BlocklistTokenBlocked", [treasury.account.address]);
    // Governance (the deployer stands in for it here) names another treasury; anyone sweeps.
    await f.mined(as(f.deployer).escrow.write.setTreasury([other.account.address]));
    await f.mined(as(provider).escrow.write.sweepFees());
    assert.equal(await balance(other.account.address), fees);
  });
});
