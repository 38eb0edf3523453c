import { describe, it } from "node:test";
import assert from "node:assert/strict";
import type { Hex } from "viem";
import { providerRegistryAbi } from "../../sdk/src/abi/index.ts";
import { loadFixture, type Fixture } from "./fixture.ts";
import { assertEvent, assertRevert, registerProvider } from "./helpers.ts";

async function setup() {
  const f = await loadFixture();
  const [alice, bob] = f.users as [Fixture["deployer"], Fixture["deployer"]];
  return { f, alice, bob, reg: (w: Fixture["deployer"]) => f.as(w).registry };
}

const CERT: Hex = `0x${"ab".repeat(32)}`;
const ID: Hex = `0x${"cd".repeat(16)}`;
const ZERO32: Hex = `0x${"00".repeat(32)}`;
const ZERO16: Hex = `0x${"00".repeat(16)}`;

describe("ProviderRegistry transport offer", () => {
  it("setTransport: stores the offer, emits TransportUpdated, and all zero withdraws it", async () => {
    const { f, alice, reg } = await setup();
    await registerProvider(f, alice);
    assert.deepEqual(await f.registry.read.transportOf([alice.account.address]), [0, 0, ZERO32, ZERO16]);
    const receipt = await f.mined(reg(alice).write.setTransport([1, 443, CERT, ID]));
    assertEvent(providerRegistryAbi, f.registry.address, receipt, "TransportUpdated", {
      provider: alice.account.address,
      kind: 1,
      port: 443,
      certSha256: CERT,
      clientId: ID,
    });
    assert.deepEqual(await f.registry.read.transportOf([alice.account.address]), [1, 443, CERT, ID]);
    await f.mined(reg(alice).write.setTransport([0, 0, ZERO32, ZERO16]));
    assert.deepEqual(await f.registry.read.transportOf([alice.account.address]), [0, 0, ZERO32, ZERO16]);
  });

  it("setTransport: a malformed offer reverts RegistryInvalidTransport with its values and changes nothing", async () => {
    const { f, alice, reg } = await setup();
    await registerProvider(f, alice);
    await f.mined(reg(alice).write.setTransport([1, 443, CERT, ID]));
    const bad: [number, number, Hex, Hex][] = [
      [2, 443, CERT, ID], // unknown kind
      [1, 0, CERT, ID], // no port
      [1, 443, ZERO32, ID], // no certificate to pin
      [1, 443, CERT, ZERO16], // no client id
      [0, 443, ZERO32, ZERO16], // "none" with a port
    ];
    for (const args of bad) await assertRevert(reg(alice).write.setTransport(args), "RegistryInvalidTransport", args);
    assert.deepEqual(await f.registry.read.transportOf([alice.account.address]), [1, 443, CERT, ID]);
  });

  it("setTransport: reverts RegistryNotRegistered for a stranger", async () => {
    const { bob, reg } = await setup();
    await assertRevert(reg(bob).write.setTransport([1, 443, CERT, ID]), "RegistryNotRegistered", [bob.account.address]);
  });
});
