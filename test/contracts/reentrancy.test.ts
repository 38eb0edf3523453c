import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { encodeFunctionData, getContract, parseAbi, zeroAddress, type Hex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { providerRegistryAbi, sessionEscrowAbi } from "../../sdk/src/abi/index.ts";
import { loadFixture, type Wallet } from "./fixture.ts";
import { CLIENT_WG_KEY, DVPN, ENDPOINT, MAX_UINT96, WG_KEY, assertRevert, region } from "./helpers.ts";
import { signUsageVoucher } from "../../sdk/src/vouchers/usage.ts";

const reentrantTokenAbi = parseAbi([
  "function mint(address to, uint256 amount)",
  "function arm(address target, bytes data)",
  "function approve(address spender, uint256 amount) returns (bool)",
  "function balanceOf(address) view returns (uint256)",
]);
const signer = privateKeyToAccount(`0x${"5a".repeat(32)}`);

/** A registry and an escrow that stake and pay in a token which re-enters them on every transfer. */
async function setup() {
  const f = await loadFixture();
  const [provider, client] = f.users as [Wallet, Wallet];
  const deployer = f.deployer.account.address;
  const token = await f.viem.deployContract("ReentrantToken", []);
  const reg = await f.viem.deployContract("ProviderRegistry", [token.address, deployer, DVPN(1), 86_400n, 900n, 5000n]);
  const esc = await f.viem.deployContract("SessionEscrow", [
    token.address,
    reg.address,
    deployer,
    deployer,
    250n,
    300n,
    3600n,
  ]);
  const pub = f.publicClient;
  const as = (w: Wallet) => ({
    token: getContract({ address: token.address, abi: reentrantTokenAbi, client: { public: pub, wallet: w } }),
    registry: getContract({ address: reg.address, abi: providerRegistryAbi, client: { public: pub, wallet: w } }),
    escrow: getContract({ address: esc.address, abi: sessionEscrowAbi, client: { public: pub, wallet: w } }),
  });
  await f.mined(as(f.deployer).registry.write.bindEscrow([esc.address]));
  for (const w of [provider, client]) {
    await f.mined(as(w).token.write.mint([w.account.address, DVPN(1000)]));
    await f.mined(as(w).token.write.approve([reg.address, DVPN(1000)]));
    await f.mined(as(w).token.write.approve([esc.address, DVPN(1000)]));
  }
  await f.mined(as(provider).registry.write.register([ENDPOINT, WG_KEY, region("NL"), 1n << 30n, 60n, 10, DVPN(100)]));
  const arm = (target: Hex, data: Hex) => f.mined(as(client).token.write.arm([target, data]));
  return { f, provider, client, as, arm, registryAddress: reg.address, escrowAddress: esc.address };
}

async function openActive(s: Awaited<ReturnType<typeof setup>>): Promise<bigint> {
  await s.f.mined(
    s
      .as(s.client)
      .escrow.write.openSession([
        s.provider.account.address,
        CLIENT_WG_KEY,
        signer.address,
        DVPN(10),
        MAX_UINT96,
        MAX_UINT96,
      ]),
  );
  const id = await s.as(s.client).escrow.read.sessionCount();
  await s.f.mined(s.as(s.provider).escrow.write.acceptSession([id, "10.0.0.2"]));
  return id;
}

const escrowData = (functionName: string, args: readonly unknown[]) =>
  encodeFunctionData({ abi: sessionEscrowAbi, functionName, args } as never);
const registryData = (functionName: string, args: readonly unknown[] = []) =>
  encodeFunctionData({ abi: providerRegistryAbi, functionName, args } as never);

describe("reentrancy", () => {
  it("the hook runs: a re-entered unguarded call's own revert bubbles up (control)", async () => {
    const s = await setup();
    await s.arm(s.escrowAddress, escrowData("acceptSession", [999n, "x"]));
    await assertRevert(s.as(s.provider).registry.write.addStake([DVPN(1)]), "EscrowUnknownSession", [999n]);
  });

  it("openSession: reverts ReentrancyGuardReentrantCall when the token re-enters the escrow", async () => {
    const s = await setup();
    await s.arm(
      s.escrowAddress,
      escrowData("openSession", [s.provider.account.address, CLIENT_WG_KEY, zeroAddress, 1n, MAX_UINT96, MAX_UINT96]),
    );
    await assertRevert(
      s
        .as(s.client)
        .escrow.write.openSession([
          s.provider.account.address,
          CLIENT_WG_KEY,
          zeroAddress,
          DVPN(1),
          MAX_UINT96,
          MAX_UINT96,
        ]),
      "ReentrancyGuardReentrantCall",
    );
  });

  it("claim: reverts ReentrancyGuardReentrantCall when the payout re-enters closeSession", async () => {
    const s = await setup();
    const id = await openActive(s);
    const domain = { chainId: s.f.deployment.chainId, escrow: s.escrowAddress };
    const sig = await signUsageVoucher({
      account: signer,
      domain,
      voucher: { sessionId: id, terms: await s.as(s.client).escrow.read.termsOf([id]), bytes: 1n << 30n, seconds: 0n },
    });
    await s.arm(s.escrowAddress, escrowData("closeSession", [id]));
    await assertRevert(s.as(s.provider).escrow.write.claim([id, 1n << 30n, 0n, sig]), "ReentrancyGuardReentrantCall");
    // Disarmed, the same claim goes through.
    await s.arm(zeroAddress, "0x");
    await s.f.mined(s.as(s.provider).escrow.write.claim([id, 1n << 30n, 0n, sig]));
  });

  it("closeSession/finalize: a refund that re-enters fails alone and is credited, never paid twice", async () => {
    const s = await setup();
    const esc = s.as(s.client).escrow;
    const id = await openActive(s);
    await s.f.mined(esc.write.closeSession([id]));
    await s.f.networkHelpers.time.increase(3601);
    await s.arm(s.escrowAddress, escrowData("finalize", [id]));
    await s.f.mined(esc.write.finalize([id]));
    assert.equal(await esc.read.refundCredit([s.client.account.address]), DVPN(10), "credited, not sent");
    assert.equal((await esc.read.getSession([id])).status, 4, "closed once");
    await s.arm(zeroAddress, "0x");
    await s.f.mined(s.as(s.provider).registry.write.heartbeat());
    const id2 = await openActive(s);
    await s.arm(s.escrowAddress, escrowData("closeSession", [id2]));
    await s.f.mined(s.as(s.provider).escrow.write.closeSession([id2]));
    assert.equal(await esc.read.refundCredit([s.client.account.address]), DVPN(20));
    // Withdrawing re-enters too, and that reverts the whole withdrawal (nothing is lost).
    await s.arm(s.escrowAddress, escrowData("withdrawRefund", [s.client.account.address]));
    await assertRevert(esc.write.withdrawRefund([s.client.account.address]), "ReentrancyGuardReentrantCall");
    await s.arm(zeroAddress, "0x");
    const before = await s.as(s.client).token.read.balanceOf([s.client.account.address]);
    await s.f.mined(esc.write.withdrawRefund([s.client.account.address]));
    assert.equal(await s.as(s.client).token.read.balanceOf([s.client.account.address]), before + DVPN(20));
    assert.equal(await s.as(s.client).token.read.balanceOf([s.escrowAddress]), 0n);
  });

  it("cancelSession: a refund that re-enters cancelSession fails and is credited once", async () => {
    const s = await setup();
    await s.f.mined(
      s
        .as(s.client)
        .escrow.write.openSession([
          s.provider.account.address,
          CLIENT_WG_KEY,
          zeroAddress,
          DVPN(1),
          MAX_UINT96,
          MAX_UINT96,
        ]),
    );
    await s.f.networkHelpers.time.increase(301);
    await s.arm(s.escrowAddress, escrowData("cancelSession", [1n]));
    await s.f.mined(s.as(s.client).escrow.write.cancelSession([1n]));
    assert.equal(await s.as(s.client).escrow.read.refundCredit([s.client.account.address]), DVPN(1), "credited once");
  });

  it("register/registerWithPermit: the stake's transferFrom cannot re-enter the registry", async () => {
    const s = await setup();
    const c = s.as(s.client).registry;
    const zero: Hex = `0x${"00".repeat(32)}`;
    await s.arm(s.registryAddress, registryData("withdraw"));
    await assertRevert(
      c.write.register([ENDPOINT, WG_KEY, region("NL"), 1n, 1n, 1, DVPN(10)]),
      "ReentrancyGuardReentrantCall",
    );
    // The token has no permit: the failed permit is ignored and the approval is used.
    await assertRevert(
      c.write.registerWithPermit([ENDPOINT, WG_KEY, region("NL"), 1n, 1n, 1, DVPN(10), 0n, 27, zero, zero]),
      "ReentrancyGuardReentrantCall",
    );
    await s.arm(s.escrowAddress, escrowData("finalize", [1n]));
    await assertRevert(
      s
        .as(s.client)
        .escrow.write.openSessionWithPermit([
          s.provider.account.address,
          CLIENT_WG_KEY,
          zeroAddress,
          DVPN(1),
          MAX_UINT96,
          MAX_UINT96,
          0n,
          27,
          zero,
          zero,
        ]),
      "ReentrancyGuardReentrantCall",
    );
  });

  it("withdraw/addStake: the registry's stake transfers cannot be re-entered", async () => {
    const s = await setup();
    const p = s.as(s.provider).registry;
    await s.f.mined(p.write.requestUnstake([DVPN(10)]));
    await s.f.networkHelpers.time.increase(86_401);
    await s.arm(s.registryAddress, registryData("withdraw"));
    await assertRevert(p.write.withdraw(), "ReentrancyGuardReentrantCall");
    await s.arm(s.registryAddress, registryData("addStake", [1n]));
    await assertRevert(p.write.addStake([DVPN(1)]), "ReentrancyGuardReentrantCall");
    await s.arm(zeroAddress, "0x");
    await s.f.mined(p.write.withdraw());
    assert.equal((await p.read.getProvider([s.provider.account.address])).unbonding, 0n);
  });
});
