import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { providerRegistryAbi } from "../../sdk/src/abi/index.ts";
import { loadFixture, type Fixture } from "./fixture.ts";
import { assertEvent, assertRevert, registerProvider } from "./helpers.ts";

async function setup() {
  const f = await loadFixture();
  const [alice, bob] = f.users as [Fixture["deployer"], Fixture["deployer"]];
  return { f, alice, bob, reg: (w: Fixture["deployer"]) => f.as(w).registry };
}

/** Policies the grammar accepts (the agent's defaults among them). */
const GOOD = [
  "",
  "deny-ports=25",
  "deny-ports=25,465,6881-6889;allow-ports=1-65535",
  "deny-ports=25;deny-ranges=10.0.0.0/8,172.16.0.0/12,192.168.0.0/16,100.64.0.0/10,169.254.0.0/16,fc00::/7,fe80::/10",
  "allow-ports=53,80,443;allow-ranges=0.0.0.0/0,::/0",
  "deny-ranges=2001:db8::1/128",
];

/** Policies it refuses, with the byte offset the error names. */
const BAD: [string, number][] = [
  ["deny-ports", 0], // no '='
  ["ports=25", 0], // unknown key
  ["deny-ports=25;deny-ports=26", 14], // key twice
  ["deny-ranges=10.0.0.0/8;deny-ports=25", 23], // keys out of order
  ["deny-ports=", 11], // empty list
  ["deny-ports=0", 12], // port 0
  ["deny-ports=65536", 16], // port too large
  ["deny-ports=123456", 16], // six digits
  ["deny-ports=30-20", 16], // range backwards
  ["deny-ports=25;", 14], // trailing separator
  ["deny-ports=25,", 14], // trailing comma
  ["deny-ports=25 ", 13], // space
  ["deny-ranges=10.0.0.0", 20], // no prefix
  ["deny-ranges=10.0.0.0/", 21], // empty prefix
  ["deny-ranges=10.0.0.0/129", 24], // prefix too large
  ["deny-ranges=/8", 12], // empty address
  ["deny-ranges=evil.example/8", 13], // not address characters ('v')
  ["Deny-ports=25", 0], // keys are lower case
];

describe("ProviderRegistry exit policy", () => {
  it("setExitPolicy: stores the policy, emits ExitPolicyUpdated, and the empty string clears it", async () => {
    const { f, alice, reg } = await setup();
    await registerProvider(f, alice);
    assert.equal(await f.registry.read.exitPolicyOf([alice.account.address]), "");
    for (const policy of GOOD) {
      const receipt = await f.mined(reg(alice).write.setExitPolicy([policy]));
      assertEvent(providerRegistryAbi, f.registry.address, receipt, "ExitPolicyUpdated", {
        provider: alice.account.address,
        policy,
      });
      assert.equal(await f.registry.read.exitPolicyOf([alice.account.address]), policy);
    }
  });

  it("setExitPolicy: a malformed policy reverts RegistryInvalidExitPolicy at its first bad byte and changes nothing", async () => {
    const { f, alice, reg } = await setup();
    await registerProvider(f, alice);
    await f.mined(reg(alice).write.setExitPolicy(["deny-ports=25"]));
    for (const [policy, offset] of BAD) {
      await assertRevert(reg(alice).write.setExitPolicy([policy]), "RegistryInvalidExitPolicy", [
        policy,
        BigInt(offset),
      ]);
    }
    assert.equal(await f.registry.read.exitPolicyOf([alice.account.address]), "deny-ports=25");
  });

  it("setExitPolicy: longer than 512 bytes reverts RegistryExitPolicyTooLong; 512 passes", async () => {
    const { f, alice, reg } = await setup();
    await registerProvider(f, alice);
    const exact = `deny-ports=111${",10000".repeat(83)}`;
    assert.equal(exact.length, 512);
    await f.mined(reg(alice).write.setExitPolicy([exact]));
    const long = `${exact},1`;
    await assertRevert(reg(alice).write.setExitPolicy([long]), "RegistryExitPolicyTooLong", [
      BigInt(long.length),
      512n,
    ]);
  });

  it("setExitPolicy: reverts RegistryNotRegistered for a stranger; the policy outlives deregistration", async () => {
    const { f, alice, bob, reg } = await setup();
    await assertRevert(reg(bob).write.setExitPolicy(["deny-ports=25"]), "RegistryNotRegistered", [bob.account.address]);
    await registerProvider(f, alice);
    await f.mined(reg(alice).write.setExitPolicy(["deny-ports=25"]));
    const p = await f.registry.read.getProvider([alice.account.address]);
    await f.mined(reg(alice).write.requestUnstake([p.stake]));
    assert.equal(await f.registry.read.exitPolicyOf([alice.account.address]), "deny-ports=25");
    await assertRevert(reg(alice).write.setExitPolicy([""]), "RegistryNotRegistered", [alice.account.address]);
  });
});
