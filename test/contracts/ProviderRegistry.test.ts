import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { getContract, stringToHex, zeroAddress, type Hex } from "viem";
import { providerRegistryAbi } from "../../sdk/src/abi/index.ts";
import { loadFixture, type Fixture } from "./fixture.ts";
import {
  DVPN,
  ENDPOINT,
  MAX_PRICE,
  PRICE_PER_GIB,
  PRICE_PER_MINUTE,
  WG_KEY,
  activeSession,
  assertEvent,
  assertRevert,
  createPrng,
  now,
  openSession,
  region,
  registerProvider,
  itSetsBoundedParameters,
  signPermit,
  type ParameterSetterCase,
} from "./helpers.ts";

const name = (n: string): Hex => stringToHex(n, { size: 32 });
const MIN_STAKE = DVPN(1000);
const UNBONDING = 86_400n;
const HEARTBEAT_TIMEOUT = 900n;

async function setup() {
  const f = await loadFixture();
  const [alice, bob, carol, dave] = f.users as [
    Fixture["deployer"],
    Fixture["deployer"],
    Fixture["deployer"],
    Fixture["deployer"],
  ];
  return { f, alice, bob, carol, dave, reg: (w: Fixture["deployer"]) => f.as(w).registry };
}

function registerArgs(
  o: Partial<{
    endpoint: string;
    key: Hex;
    region: Hex;
    pricePerGiB: bigint;
    pricePerMinute: bigint;
    maxSessions: number;
    stake: bigint;
  }> = {},
) {
  return [
    o.endpoint ?? ENDPOINT,
    o.key ?? WG_KEY,
    o.region ?? region("DE"),
    o.pricePerGiB ?? PRICE_PER_GIB,
    o.pricePerMinute ?? PRICE_PER_MINUTE,
    o.maxSessions ?? 10,
    o.stake ?? DVPN(10_000),
  ] as const;
}

describe("ProviderRegistry", () => {
  describe("deployment", () => {
    it("constructor: sets the parameters and emits ParameterUpdated for each", async () => {
      const { f } = await setup();
      assert.equal(await f.registry.read.minStake(), MIN_STAKE);
      assert.equal(await f.registry.read.unbondingPeriod(), Number(UNBONDING));
      assert.equal(await f.registry.read.heartbeatTimeout(), Number(HEARTBEAT_TIMEOUT));
      assert.equal(await f.registry.read.maxSlashBps(), 1000);
      assert.equal((await f.registry.read.stakingToken()).toLowerCase(), f.token.address.toLowerCase());
    });

    it("constructor: reverts RegistryParameterOutOfBounds for an out-of-bounds parameter", async () => {
      const { f } = await setup();
      const base = [f.token.address, f.timelock.address, MIN_STAKE, UNBONDING, HEARTBEAT_TIMEOUT, 1000n] as const;
      await assertRevert(
        f.viem.deployContract("ProviderRegistry", [...base.slice(0, 2), 0n, ...base.slice(3)] as never),
        "RegistryParameterOutOfBounds",
        [name("minStake"), 0n, 1n, DVPN(10_000_000)],
      );
      await assertRevert(
        f.viem.deployContract("ProviderRegistry", [...base.slice(0, 3), 3600n, ...base.slice(4)] as never),
        "RegistryParameterOutOfBounds",
        [name("unbondingPeriod"), 3600n, 86_400n, 90n * 86_400n],
      );
      await assertRevert(
        f.viem.deployContract("ProviderRegistry", [...base.slice(0, 4), 86_401n, 1000n] as never),
        "RegistryParameterOutOfBounds",
        [name("heartbeatTimeout"), 86_401n, 60n, 86_400n],
      );
      await assertRevert(
        f.viem.deployContract("ProviderRegistry", [...base.slice(0, 5), 5001n] as never),
        "RegistryParameterOutOfBounds",
        [name("maxSlashBps"), 5001n, 1n, 5000n],
      );
    });

    it("bindEscrow: binds once and emits EscrowBound; only the deployer, never zero, never twice", async () => {
      const { f, alice } = await setup();
      const deployed = await f.viem.deployContract("ProviderRegistry", [
        f.token.address,
        f.timelock.address,
        MIN_STAKE,
        UNBONDING,
        HEARTBEAT_TIMEOUT,
        1000n,
      ]);
      const client = { public: f.publicClient, wallet: f.deployer };
      const fresh = getContract({ address: deployed.address, abi: providerRegistryAbi, client });
      const asAlice = getContract({
        address: deployed.address,
        abi: providerRegistryAbi,
        client: { ...client, wallet: alice },
      });
      await assertRevert(asAlice.write.bindEscrow([f.escrow.address]), "RegistryUnauthorized", [alice.account.address]);
      await assertRevert(fresh.write.bindEscrow([zeroAddress]), "RegistryInvalidEscrow");
      const receipt = await f.mined(fresh.write.bindEscrow([f.escrow.address]));
      assertEvent(providerRegistryAbi, fresh.address, receipt, "EscrowBound", { escrow: f.escrow.address });
      assert.equal((await fresh.read.escrow()).toLowerCase(), f.escrow.address.toLowerCase());
      // The binder is cleared: the deployer is now as unauthorized as anyone.
      await assertRevert(fresh.write.bindEscrow([f.escrow.address]), "RegistryUnauthorized", [
        f.deployer.account.address,
      ]);
    });
  });

  describe("register", () => {
    it("register: stores the provider, takes the stake and emits ProviderRegistered", async () => {
      const { f, alice, reg } = await setup();
      const before = await f.token.read.balanceOf([alice.account.address]);
      const receipt = await f.mined(reg(alice).write.register(registerArgs()));
      const ts = await now(f);
      assertEvent(providerRegistryAbi, f.registry.address, receipt, "ProviderRegistered", {
        provider: alice.account.address,
        endpoint: ENDPOINT,
        wgPublicKey: WG_KEY,
        region: region("DE"),
        pricePerGiB: PRICE_PER_GIB,
        pricePerMinute: PRICE_PER_MINUTE,
        maxSessions: 10,
        stake: DVPN(10_000),
      });
      assert.equal(await f.token.read.balanceOf([alice.account.address]), before - DVPN(10_000));
      assert.equal(await f.token.read.balanceOf([f.registry.address]), DVPN(10_000));
      const p = await f.registry.read.getProvider([alice.account.address]);
      assert.equal(p.registered, true);
      assert.equal(p.paused, false);
      assert.equal(p.stake, DVPN(10_000));
      assert.equal(p.lastHeartbeat, Number(ts));
      assert.equal(p.endpoint, ENDPOINT);
      assert.equal(p.region, region("DE"));
      assert.equal(p.maxSessions, 10);
      assert.equal(await f.registry.read.isAvailable([alice.account.address]), true);
    });

    it("register: reverts RegistryAlreadyRegistered for a registered provider", async () => {
      const { f, alice, reg } = await setup();
      await f.mined(reg(alice).write.register(registerArgs()));
      await assertRevert(reg(alice).write.register(registerArgs()), "RegistryAlreadyRegistered", [
        alice.account.address,
      ]);
    });

    it("register: reverts RegistryInvalidEndpoint for a too short or too long endpoint", async () => {
      const { alice, reg } = await setup();
      await assertRevert(reg(alice).write.register(registerArgs({ endpoint: "a:" })), "RegistryInvalidEndpoint", [
        "a:",
      ]);
      const long = "h".repeat(250) + ":51820";
      await assertRevert(reg(alice).write.register(registerArgs({ endpoint: long })), "RegistryInvalidEndpoint", [
        long,
      ]);
    });

    it("register: reverts RegistryInvalidEndpoint for anything but host:port", async () => {
      const { alice, reg } = await setup();
      const bad = [
        "no-port",
        "host:",
        ":51820",
        "host:0",
        "host:65536",
        "host:123456",
        "host:51a20",
        "host :51820",
        "host:51820\nPostUp = x",
        "h\u00f4st:51820",
        "host:51820 ",
      ];
      for (const endpoint of bad) {
        await assertRevert(reg(alice).write.register(registerArgs({ endpoint })), "RegistryInvalidEndpoint", [
          endpoint,
        ]);
      }
    });

    it("register: accepts host names, IPv4 and bracketed IPv6 endpoints up to 255 bytes", async () => {
      const { f, reg } = await setup();
      const good = ["h:1", "10.0.0.1:65535", "[2001:db8::1]:51820", "h".repeat(249) + ":51820"];
      for (const [i, endpoint] of good.entries()) {
        const w = f.users[i + 4]!;
        await f.mined(reg(w).write.register(registerArgs({ endpoint, stake: MIN_STAKE })));
        assert.equal((await f.registry.read.getProvider([w.account.address])).endpoint, endpoint);
      }
    });

    it("register: the endpoint check agrees with a reference host:port parser on seeded random strings", async () => {
      const { f, alice } = await setup();
      const reference = (text: string) => {
        const b = Buffer.from(text, "utf8");
        if (b.length < 3 || b.length > 255) return false;
        if (b.some((c) => c < 0x21 || c > 0x7e)) return false;
        const colon = b.lastIndexOf(0x3a);
        if (colon < 1) return false;
        const port = b.subarray(colon + 1).toString();
        return /^[0-9]{1,5}$/.test(port) && Number(port) >= 1 && Number(port) <= 65_535;
      };
      const rng = createPrng(0xe9dn);
      const alphabet = ["a", "Z", "9", "0", ".", "-", ":", "[", "]", " ", "\u007f", "\u0000", "\t", "\u00e9", "~", "!"];
      const hostLengths = [0, 1, 2, 25, 26, 27, 30, 31, 32, 33, 57, 58, 63, 64, 65, 96, 200, 249, 250, 251];
      let accepted = 0;
      for (let i = 0; i < 160; i++) {
        const hostLength = rng.pick(hostLengths);
        let host = "";
        // Mostly clean hosts, sometimes with one odd character at a random place.
        for (let j = 0; j < hostLength; j++) host += rng.below(40) === 0 ? rng.pick(alphabet) : "h";
        const port = rng.pick([
          "1",
          "80",
          "51820",
          "65535",
          "65536",
          "0",
          "00080",
          "000080",
          "99999",
          "",
          "8a",
          "123456",
        ]);
        const text = rng.below(10) === 0 ? host : `${host}:${port}`;
        const call = f.publicClient.simulateContract({
          address: f.registry.address,
          abi: providerRegistryAbi,
          functionName: "register",
          args: registerArgs({ endpoint: text }),
          account: alice.account.address,
        });
        if (reference(text)) {
          await call;
          accepted++;
        } else {
          await assertRevert(call, "RegistryInvalidEndpoint", [text]);
        }
      }
      assert.ok(accepted >= 20 && accepted <= 140, `a mix of valid and invalid endpoints (${accepted} valid)`);
    });

    it("register: reverts RegistryInvalidWgKey for a zero key", async () => {
      const { alice, reg } = await setup();
      await assertRevert(
        reg(alice).write.register(registerArgs({ key: `0x${"00".repeat(32)}` })),
        "RegistryInvalidWgKey",
      );
    });

    it("register: reverts RegistryInvalidRegion for a lower-case region", async () => {
      const { alice, reg } = await setup();
      await assertRevert(reg(alice).write.register(registerArgs({ region: region("de") })), "RegistryInvalidRegion", [
        region("de"),
      ]);
      await assertRevert(reg(alice).write.register(registerArgs({ region: region("D1") })), "RegistryInvalidRegion", [
        region("D1"),
      ]);
      await assertRevert(reg(alice).write.register(registerArgs({ region: region("@Z") })), "RegistryInvalidRegion", [
        region("@Z"),
      ]);
    });

    it("register: reverts RegistryInvalidCapacity for zero maxSessions", async () => {
      const { alice, reg } = await setup();
      await assertRevert(reg(alice).write.register(registerArgs({ maxSessions: 0 })), "RegistryInvalidCapacity", [0]);
    });

    it("register: reverts RegistryPriceTooHigh for a price above MAX_PRICE (2^64 − 1); MAX_PRICE itself registers", async () => {
      const { f, alice, reg } = await setup();
      assert.equal(await f.registry.read.MAX_PRICE(), MAX_PRICE);
      for (const o of [{ pricePerGiB: MAX_PRICE + 1n }, { pricePerMinute: MAX_PRICE + 1n }]) {
        await assertRevert(reg(alice).write.register(registerArgs(o)), "RegistryPriceTooHigh", [
          MAX_PRICE + 1n,
          MAX_PRICE,
        ]);
      }
      await f.mined(reg(alice).write.register(registerArgs({ pricePerGiB: MAX_PRICE, pricePerMinute: MAX_PRICE })));
      const p = await f.registry.read.getProvider([alice.account.address]);
      assert.deepEqual([p.pricePerGiB, p.pricePerMinute], [MAX_PRICE, MAX_PRICE]);
    });

    it("register: reverts RegistryStakeBelowMinimum for a stake under minStake", async () => {
      const { alice, reg } = await setup();
      const stake = MIN_STAKE - 1n;
      await assertRevert(reg(alice).write.register(registerArgs({ stake })), "RegistryStakeBelowMinimum", [
        stake,
        MIN_STAKE,
      ]);
    });

    it("registerWithPermit: registers without a prior approval", async () => {
      const { f } = await setup();
      const fresh = f.users[12]!;
      await f.mined(f.token.write.transfer([fresh.account.address, DVPN(5000)]));
      const deadline = (await now(f)) + 3600n;
      const nonce = await f.token.read.nonces([fresh.account.address]);
      const { v, r, s } = await signPermit(
        f,
        fresh,
        { address: f.token.address, name: "dvpn" },
        { spender: f.registry.address, value: DVPN(5000), nonce, deadline },
      );
      const receipt = await f.mined(
        f.as(fresh).registry.write.registerWithPermit([...registerArgs({ stake: DVPN(5000) }), deadline, v, r, s]),
      );
      assertEvent(providerRegistryAbi, f.registry.address, receipt, "ProviderRegistered", {
        provider: fresh.account.address,
        endpoint: ENDPOINT,
        wgPublicKey: WG_KEY,
        region: region("DE"),
        pricePerGiB: PRICE_PER_GIB,
        pricePerMinute: PRICE_PER_MINUTE,
        maxSessions: 10,
        stake: DVPN(5000),
      });
      assert.equal(await f.token.read.balanceOf([fresh.account.address]), 0n);
    });

    it("registerWithPermit: ignores a failing permit when the allowance already suffices", async () => {
      const { f, alice, reg } = await setup();
      const zero: Hex = `0x${"00".repeat(32)}`;
      await f.mined(reg(alice).write.registerWithPermit([...registerArgs(), 0n, 27, zero, zero]));
      assert.equal((await f.registry.read.getProvider([alice.account.address])).registered, true);
    });
  });

  describe("profile", () => {
    it("update: changes endpoint, key, region and capacity and emits ProviderUpdated", async () => {
      const { f, alice, reg } = await setup();
      await registerProvider(f, alice);
      const key: Hex = `0x${"33".repeat(32)}`;
      const receipt = await f.mined(reg(alice).write.update(["10.0.0.1:443", key, region("FR"), 3]));
      assertEvent(providerRegistryAbi, f.registry.address, receipt, "ProviderUpdated", {
        provider: alice.account.address,
        endpoint: "10.0.0.1:443",
        wgPublicKey: key,
        region: region("FR"),
        maxSessions: 3,
      });
      const p = await f.registry.read.getProvider([alice.account.address]);
      assert.deepEqual([p.endpoint, p.wgPublicKey, p.region, p.maxSessions], ["10.0.0.1:443", key, region("FR"), 3]);
    });

    it("update: reverts RegistryNotRegistered for a stranger and checks every value", async () => {
      const { f, alice, bob, reg } = await setup();
      await assertRevert(reg(bob).write.update([ENDPOINT, WG_KEY, region("DE"), 1]), "RegistryNotRegistered", [
        bob.account.address,
      ]);
      await registerProvider(f, alice);
      await assertRevert(reg(alice).write.update(["x", WG_KEY, region("DE"), 1]), "RegistryInvalidEndpoint", ["x"]);
      await assertRevert(
        reg(alice).write.update([ENDPOINT, `0x${"00".repeat(32)}`, region("DE"), 1]),
        "RegistryInvalidWgKey",
      );
      await assertRevert(reg(alice).write.update([ENDPOINT, WG_KEY, region("dE"), 1]), "RegistryInvalidRegion", [
        region("dE"),
      ]);
      await assertRevert(reg(alice).write.update([ENDPOINT, WG_KEY, region("DE"), 0]), "RegistryInvalidCapacity", [0]);
    });

    it("setPrices: sets prices for new sessions and emits PricesUpdated; open sessions keep theirs", async () => {
      const { f, alice, bob, reg } = await setup();
      await registerProvider(f, alice);
      const { sessionId } = await openSession(f, bob, alice.account.address);
      const receipt = await f.mined(reg(alice).write.setPrices([7n, 9n]));
      assertEvent(providerRegistryAbi, f.registry.address, receipt, "PricesUpdated", {
        provider: alice.account.address,
        pricePerGiB: 7n,
        pricePerMinute: 9n,
      });
      const p = await f.registry.read.getProvider([alice.account.address]);
      assert.deepEqual([p.pricePerGiB, p.pricePerMinute], [7n, 9n]);
      const s = await f.escrow.read.getSession([sessionId]);
      assert.deepEqual([s.pricePerGiB, s.pricePerMinute], [PRICE_PER_GIB, PRICE_PER_MINUTE]);
      await assertRevert(reg(bob).write.setPrices([1n, 1n]), "RegistryNotRegistered", [bob.account.address]);
      await assertRevert(reg(alice).write.setPrices([MAX_PRICE + 1n, 1n]), "RegistryPriceTooHigh", [
        MAX_PRICE + 1n,
        MAX_PRICE,
      ]);
      await assertRevert(reg(alice).write.setPrices([1n, MAX_PRICE + 1n]), "RegistryPriceTooHigh", [
        MAX_PRICE + 1n,
        MAX_PRICE,
      ]);
    });

    it("pause/unpause: toggle availability with events; double pause or unpause reverts", async () => {
      const { f, alice, bob, reg } = await setup();
      await assertRevert(reg(bob).write.pause(), "RegistryNotRegistered", [bob.account.address]);
      await assertRevert(reg(bob).write.unpause(), "RegistryNotRegistered", [bob.account.address]);
      await registerProvider(f, alice);
      await assertRevert(reg(alice).write.unpause(), "RegistryNotPaused", [alice.account.address]);
      let receipt = await f.mined(reg(alice).write.pause());
      assertEvent(providerRegistryAbi, f.registry.address, receipt, "ProviderPaused", {
        provider: alice.account.address,
      });
      assert.equal(await f.registry.read.isAvailable([alice.account.address]), false);
      assert.equal((await f.registry.read.getProvider([alice.account.address])).paused, true);
      await assertRevert(reg(alice).write.pause(), "RegistryAlreadyPaused", [alice.account.address]);
      await assertRevert(openSession(f, bob, alice.account.address), "RegistryProviderUnavailable", [
        alice.account.address,
      ]);
      receipt = await f.mined(reg(alice).write.unpause());
      assertEvent(providerRegistryAbi, f.registry.address, receipt, "ProviderUnpaused", {
        provider: alice.account.address,
      });
      assert.equal(await f.registry.read.isAvailable([alice.account.address]), true);
    });

    it("heartbeat: refreshes lastHeartbeat and emits Heartbeat; a stale heartbeat makes the provider unavailable", async () => {
      const { f, alice, bob, reg } = await setup();
      await assertRevert(reg(bob).write.heartbeat(), "RegistryNotRegistered", [bob.account.address]);
      await registerProvider(f, alice);
      await f.networkHelpers.time.increase(HEARTBEAT_TIMEOUT);
      assert.equal(
        await f.registry.read.isAvailable([alice.account.address]),
        true,
        "exactly at the timeout it is still fresh",
      );
      await f.networkHelpers.time.increase(1);
      assert.equal(await f.registry.read.isAvailable([alice.account.address]), false);
      const receipt = await f.mined(reg(alice).write.heartbeat());
      const ts = await now(f);
      assertEvent(providerRegistryAbi, f.registry.address, receipt, "Heartbeat", {
        provider: alice.account.address,
        timestamp: Number(ts),
      });
      assert.equal((await f.registry.read.getProvider([alice.account.address])).lastHeartbeat, Number(ts));
      assert.equal(await f.registry.read.isAvailable([alice.account.address]), true);
    });

    it("isAvailable: false when unregistered, below minStake, or at capacity", async () => {
      const { f, alice, bob, carol } = await setup();
      assert.equal(await f.registry.read.isAvailable([alice.account.address]), false);
      await registerProvider(f, alice, { maxSessions: 1, stake: MIN_STAKE });
      assert.equal(await f.registry.read.isAvailable([alice.account.address]), true);
      await activeSession(f, bob, alice);
      assert.equal(await f.registry.read.isAvailable([alice.account.address]), false, "at capacity");
      await assertRevert(openSession(f, carol, alice.account.address), "RegistryProviderUnavailable", [
        alice.account.address,
      ]);
      await f.asTimelock((tl) => f.timelockWrite(tl, "setMinStake", [MIN_STAKE + 1n]));
      await f.mined(f.as(alice).registry.write.update([ENDPOINT, WG_KEY, region("DE"), 5]));
      assert.equal(await f.registry.read.isAvailable([alice.account.address]), false, "below minStake");
    });
  });

  describe("stake", () => {
    it("addStake: adds to the stake and emits StakeAdded", async () => {
      const { f, alice, bob, reg } = await setup();
      await assertRevert(reg(bob).write.addStake([1n]), "RegistryNotRegistered", [bob.account.address]);
      await registerProvider(f, alice);
      await assertRevert(reg(alice).write.addStake([0n]), "RegistryInvalidAmount", [0n]);
      const receipt = await f.mined(reg(alice).write.addStake([DVPN(5)]));
      assertEvent(providerRegistryAbi, f.registry.address, receipt, "StakeAdded", {
        provider: alice.account.address,
        amount: DVPN(5),
        stake: DVPN(10_005),
      });
      assert.equal(await f.token.read.balanceOf([f.registry.address]), DVPN(10_005));
    });

    it("requestUnstake: moves stake into unbonding and emits UnstakeRequested", async () => {
      const { f, alice, reg } = await setup();
      await registerProvider(f, alice);
      const receipt = await f.mined(reg(alice).write.requestUnstake([DVPN(1000)]));
      const release = Number((await now(f)) + UNBONDING);
      assertEvent(providerRegistryAbi, f.registry.address, receipt, "UnstakeRequested", {
        provider: alice.account.address,
        amount: DVPN(1000),
        unbonding: DVPN(1000),
        releaseTime: release,
      });
      const p = await f.registry.read.getProvider([alice.account.address]);
      assert.deepEqual([p.stake, p.unbonding, p.unbondingEnd, p.registered], [DVPN(9000), DVPN(1000), release, true]);
      // A second request adds up and restarts the period.
      await f.networkHelpers.time.increase(100);
      await f.mined(reg(alice).write.requestUnstake([DVPN(500)]));
      const p2 = await f.registry.read.getProvider([alice.account.address]);
      assert.deepEqual([p2.unbonding, p2.unbondingEnd], [DVPN(1500), Number((await now(f)) + UNBONDING)]);
    });

    it("requestUnstake: reverts on zero, too much, or a remainder under minStake", async () => {
      const { f, alice, bob, reg } = await setup();
      await assertRevert(reg(bob).write.requestUnstake([1n]), "RegistryNotRegistered", [bob.account.address]);
      await registerProvider(f, alice);
      await assertRevert(reg(alice).write.requestUnstake([0n]), "RegistryInvalidAmount", [0n]);
      await assertRevert(reg(alice).write.requestUnstake([DVPN(10_001)]), "RegistryInsufficientStake", [
        DVPN(10_001),
        DVPN(10_000),
      ]);
      await assertRevert(reg(alice).write.requestUnstake([DVPN(9500)]), "RegistryStakeBelowMinimum", [
        DVPN(500),
        MIN_STAKE,
      ]);
    });

    it("requestUnstake: a full exit deregisters, and is refused while sessions are open", async () => {
      const { f, alice, bob, reg } = await setup();
      await registerProvider(f, alice);
      const sessionId = await activeSession(f, bob, alice);
      await assertRevert(reg(alice).write.requestUnstake([DVPN(10_000)]), "RegistryOpenSessions", [
        alice.account.address,
        1,
      ]);
      await f.mined(f.as(alice).escrow.write.closeSession([sessionId]));
      await f.mined(reg(alice).write.pause());
      const receipt = await f.mined(reg(alice).write.requestUnstake([DVPN(10_000)]));
      assertEvent(providerRegistryAbi, f.registry.address, receipt, "ProviderDeregistered", {
        provider: alice.account.address,
      });
      const p = await f.registry.read.getProvider([alice.account.address]);
      assert.deepEqual([p.registered, p.paused, p.stake, p.unbonding], [false, false, 0n, DVPN(10_000)]);
      assert.equal(await f.registry.read.isAvailable([alice.account.address]), false);
      // Registering again works while the old stake still unbonds.
      await registerProvider(f, alice, { stake: MIN_STAKE });
      assert.equal((await f.registry.read.getProvider([alice.account.address])).unbonding, DVPN(10_000));
    });

    it("withdraw: pays out after the unbonding period and emits StakeWithdrawn", async () => {
      const { f, alice, bob, reg } = await setup();
      await assertRevert(reg(bob).write.withdraw(), "RegistryNothingToWithdraw", [bob.account.address]);
      await registerProvider(f, alice);
      await f.mined(reg(alice).write.requestUnstake([DVPN(2000)]));
      const release = (await now(f)) + UNBONDING;
      await f.networkHelpers.time.setNextBlockTimestamp(release - 1n);
      await assertRevert(reg(alice).write.withdraw(), "RegistryUnbondingNotOver", [
        Number(release),
        Number(release - 1n),
      ]);
      await f.networkHelpers.time.setNextBlockTimestamp(release);
      const before = await f.token.read.balanceOf([alice.account.address]);
      const receipt = await f.mined(reg(alice).write.withdraw());
      assertEvent(providerRegistryAbi, f.registry.address, receipt, "StakeWithdrawn", {
        provider: alice.account.address,
        amount: DVPN(2000),
      });
      assert.equal(await f.token.read.balanceOf([alice.account.address]), before + DVPN(2000));
      const p = await f.registry.read.getProvider([alice.account.address]);
      assert.deepEqual([p.unbonding, p.unbondingEnd, p.stake], [0n, 0, DVPN(8000)]);
      await assertRevert(reg(alice).write.withdraw(), "RegistryNothingToWithdraw", [alice.account.address]);
    });
  });

  describe("slash", () => {
    it("slash: takes active stake first, then unbonding, pays the beneficiary and emits ProviderSlashed", async () => {
      const { f, alice, carol } = await setup();
      await registerProvider(f, alice, { stake: DVPN(2000) });
      await f.mined(f.as(alice).registry.write.requestUnstake([DVPN(1000)]));
      // stake 1000 + unbonding 1000; maxSlashBps 10% → at most 200 per call.
      await f.asTimelock((tl) =>
        f.timelockWrite(tl, "slash", [alice.account.address, DVPN(200), carol.account.address], "registry"),
      );
      let p = await f.registry.read.getProvider([alice.account.address]);
      assert.deepEqual([p.stake, p.unbonding], [DVPN(800), DVPN(1000)]);
      // Raising the cap to 50 % makes the period's budget 1000 of the 2000 held at its start;
      // 200 are taken, so 900 asked is clamped to 800, all of the remaining active stake.
      await f.asTimelock((tl) => f.timelockWrite(tl, "setMaxSlashBps", [5000n], "registry"));
      const before = await f.token.read.balanceOf([carol.account.address]);
      const receipt = await f.asTimelock((tl) =>
        f.timelockWrite(tl, "slash", [alice.account.address, DVPN(900), carol.account.address], "registry"),
      );
      assertEvent(providerRegistryAbi, f.registry.address, receipt, "ProviderSlashed", {
        provider: alice.account.address,
        amount: DVPN(800),
        beneficiary: carol.account.address,
        stake: 0n,
        unbonding: DVPN(1000),
      });
      p = await f.registry.read.getProvider([alice.account.address]);
      assert.deepEqual([p.stake, p.unbonding], [0n, DVPN(1000)]);
      assert.equal(await f.token.read.balanceOf([carol.account.address]), before + DVPN(800));
      assert.equal(await f.token.read.balanceOf([f.registry.address]), DVPN(1000));
      assert.equal(await f.registry.read.slashableNow([alice.account.address]), 0n);
    });

    it("slash: clamps to the period's budget and reverts RegistrySlashTooLarge once it is spent", async () => {
      const { f, alice, carol } = await setup();
      await registerProvider(f, alice, { stake: DVPN(2000) });
      await f.asTimelock(async (tl) => {
        const receipt = await f.timelockWrite(
          tl,
          "slash",
          [alice.account.address, DVPN(200) + 1n, carol.account.address],
          "registry",
        );
        assertEvent(providerRegistryAbi, f.registry.address, receipt, "ProviderSlashed", {
          provider: alice.account.address,
          amount: DVPN(200),
          beneficiary: carol.account.address,
          stake: DVPN(1800),
          unbonding: 0n,
        });
        await assertRevert(
          f.timelockWrite(tl, "slash", [alice.account.address, 1n, carol.account.address], "registry"),
          "RegistrySlashTooLarge",
          [1n, 0n],
        );
        await assertRevert(
          f.timelockWrite(tl, "slash", [carol.account.address, 1n, carol.account.address], "registry"),
          "RegistrySlashTooLarge",
          [1n, 0n],
        );
        await assertRevert(
          f.timelockWrite(tl, "slash", [alice.account.address, 0n, carol.account.address], "registry"),
          "RegistryInvalidAmount",
          [0n],
        );
        await assertRevert(
          f.timelockWrite(tl, "slash", [alice.account.address, 1n, zeroAddress], "registry"),
          "RegistryInvalidBeneficiary",
        );
      });
    });

    it("slash: reverts RegistryUnauthorized for the deployer and any user", async () => {
      const { f, alice, bob } = await setup();
      await registerProvider(f, alice);
      await assertRevert(
        f.registry.write.slash([alice.account.address, 1n, bob.account.address]),
        "RegistryUnauthorized",
        [f.deployer.account.address],
      );
      await assertRevert(
        f.as(bob).registry.write.slash([alice.account.address, 1n, bob.account.address]),
        "RegistryUnauthorized",
        [bob.account.address],
      );
    });
  });

  describe("escrow hooks", () => {
    it("reserveSession/releaseSession: revert RegistryUnauthorized for anyone but the escrow", async () => {
      const { f, alice, reg } = await setup();
      await registerProvider(f, alice);
      await assertRevert(reg(alice).write.reserveSession([alice.account.address]), "RegistryUnauthorized", [
        alice.account.address,
      ]);
      await assertRevert(reg(alice).write.releaseSession([alice.account.address]), "RegistryUnauthorized", [
        alice.account.address,
      ]);
    });

    it("reserveSession: counts accepted sessions with ActiveSessionsChanged (pending ones hold no slot)", async () => {
      const { f, alice, bob } = await setup();
      await registerProvider(f, alice);
      const { sessionId } = await openSession(f, bob, alice.account.address);
      assert.equal((await f.registry.read.getProvider([alice.account.address])).activeSessions, 0);
      const receipt = await f.mined(f.as(alice).escrow.write.acceptSession([sessionId, "10.64.0.2/32"]));
      assertEvent(providerRegistryAbi, f.registry.address, receipt, "ActiveSessionsChanged", {
        provider: alice.account.address,
        activeSessions: 1,
      });
      assert.equal((await f.registry.read.getProvider([alice.account.address])).activeSessions, 1);
    });
  });

  describe("governance setters", () => {
    const cases = [
      {
        fn: "setMinStake",
        param: "minStake",
        ok: DVPN(5),
        low: 0n,
        high: DVPN(10_000_000) + 1n,
        min: 1n,
        max: DVPN(10_000_000),
        old: MIN_STAKE,
      },
      {
        fn: "setUnbondingPeriod",
        param: "unbondingPeriod",
        ok: 7n * 86_400n,
        low: 86_399n,
        high: 90n * 86_400n + 1n,
        min: 86_400n,
        max: 90n * 86_400n,
        old: UNBONDING,
      },
      {
        fn: "setHeartbeatTimeout",
        param: "heartbeatTimeout",
        ok: 60n,
        low: 59n,
        high: 86_401n,
        min: 60n,
        max: 86_400n,
        old: HEARTBEAT_TIMEOUT,
      },
      { fn: "setMaxSlashBps", param: "maxSlashBps", ok: 5000n, low: 0n, high: 5001n, min: 1n, max: 5000n, old: 1000n },
    ] as const satisfies readonly ParameterSetterCase[];
    itSetsBoundedParameters({
      target: "registry",
      cases,
      setup: async () => {
        const { f, alice } = await setup();
        return { f, callers: [f.deployer, alice] };
      },
    });
  });
});
