import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { LOCAL_PARAMETERS } from "../../../../test/kit/deployment.ts";
import { InvalidInputError } from "../../errors/input.ts";
import { DVPN, USD, sdkFixture, type SdkFixture } from "../../../test/fixture.ts";

describe("read actions", () => {
  let f: SdkFixture;
  before(async () => {
    f = await sdkFixture();
  });
  after(async () => {
    await f.connection.close();
  });

  it("getParameters returns the deployed parameters", async () => {
    const p = await f.readOnly.getParameters();
    assert.equal(p.registry.minStake, BigInt(LOCAL_PARAMETERS.registry.minStake));
    assert.equal(p.registry.unbondingPeriod, LOCAL_PARAMETERS.registry.unbondingPeriod);
    assert.equal(p.registry.heartbeatTimeout, LOCAL_PARAMETERS.registry.heartbeatTimeout);
    assert.equal(p.registry.maxSlashBps, LOCAL_PARAMETERS.registry.maxSlashBps);
    assert.equal(p.escrow.protocolFeeBps, LOCAL_PARAMETERS.escrow.protocolFeeBps);
    assert.equal(p.escrow.acceptTimeout, LOCAL_PARAMETERS.escrow.acceptTimeout);
    assert.equal(p.escrow.settlementWindow, LOCAL_PARAMETERS.escrow.settlementWindow);
    assert.equal(p.escrow.treasury, f.deployment.contracts.DVPNTimelock.address);
    assert.equal(p.governor.votingPeriod, BigInt(LOCAL_PARAMETERS.governor.votingPeriod));
    assert.equal(p.governor.timelockDelay, BigInt(LOCAL_PARAMETERS.governor.timelockDelay));
  });

  it("getBalances, unknown provider and unknown session", async () => {
    const user = f.wallets[5]!.account.address;
    await f.fund(user, DVPN(7), USD(3));
    const b = await f.readOnly.getBalances({ address: user });
    assert.equal(b.token, DVPN(7));
    assert.equal(b.paymentToken, USD(3));
    assert.equal(b.votes, 0n);
    assert.ok(b.native > 0n);
    const p = await f.readOnly.getProvider({ provider: user });
    assert.equal(p.registered, false);
    assert.equal(p.region, "");
    assert.equal(await f.readOnly.isProviderAvailable({ provider: user }), false);
    assert.equal((await f.readOnly.getSession({ sessionId: 999n })).status, "None");
    await assert.rejects(f.readOnly.getSession({ sessionId: 0n }), InvalidInputError);
  });
});
