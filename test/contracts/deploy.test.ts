import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { keccak256, toBytes, zeroAddress } from "viem";
import { deployFixture } from "./fixture.ts";

describe("deployProtocol", () => {
  it("wires the timelock as the only power and leaves the deployer none", async () => {
    const f = await deployFixture();
    const role = (name: string) => keccak256(toBytes(name));
    const deployer = f.deployer.account.address;
    assert.equal(await f.timelock.read.hasRole([role("PROPOSER_ROLE"), f.governor.address]), true);
    assert.equal(await f.timelock.read.hasRole([role("CANCELLER_ROLE"), f.governor.address]), true);
    assert.equal(await f.timelock.read.hasRole([role("EXECUTOR_ROLE"), zeroAddress]), true);
    assert.equal(await f.timelock.read.hasRole([await f.timelock.read.DEFAULT_ADMIN_ROLE(), deployer]), false);
    assert.equal(await f.timelock.read.hasRole([role("PROPOSER_ROLE"), deployer]), false);
    assert.equal((await f.registry.read.governance()).toLowerCase(), f.timelock.address.toLowerCase());
    assert.equal((await f.escrow.read.governance()).toLowerCase(), f.timelock.address.toLowerCase());
    assert.equal((await f.registry.read.escrow()).toLowerCase(), f.escrow.address.toLowerCase());
    assert.equal(await f.token.read.CLOCK_MODE(), "mode=timestamp");
    assert.ok(f.deployment.startBlock > 0);
    assert.equal(f.deployment.chainId, 31337);
  });
});
