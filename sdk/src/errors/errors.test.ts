import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { DvpnError } from "./base.ts";
import { ContractRevertError, toDvpnError } from "./contract.ts";
import { InvalidInputError } from "./input.ts";
import { isContractRevert } from "./isContractRevert.ts";

describe("errors", () => {
  it("DvpnError keeps a short message, details and a walkable cause chain", () => {
    const root = new Error("socket hang up");
    const err = new DvpnError("could not reach the chain", { cause: root });
    assert.equal(err.shortMessage, "could not reach the chain");
    assert.equal(err.details, "socket hang up");
    assert.equal(err.walk(), root);
    assert.equal(
      err.walk((e) => e === root),
      root,
    );
    assert.equal(
      err.walk((e) => e === "nothing"),
      null,
    );
    assert.match(err.message, /Version: dvpn-sdk@/);
  });

  it("ContractRevertError words known errors and falls back to the raw name", () => {
    const known = new ContractRevertError({
      errorName: "EscrowPriceAboveMaximum",
      args: [60_000n, 50_000n],
      functionName: "openSession",
    });
    assert.equal(known.shortMessage, "openSession: provider's price 60000 is above your maximum 50000");
    assert.equal(known.details, "EscrowPriceAboveMaximum(60000, 50000)");
    const region = new ContractRevertError({ errorName: "RegistryInvalidRegion", args: ["0x6465"], functionName: "f" });
    assert.equal(region.shortMessage, 'f: region "de" is not two upper-case letters (ISO 3166-1 alpha-2)');
    const unknown = new ContractRevertError({ errorName: "SomethingNew", args: [1n], functionName: "g" });
    assert.equal(unknown.shortMessage, "g: SomethingNew(1)");
  });

  it("toDvpnError passes DvpnErrors through and wraps anything else", () => {
    const input = new InvalidInputError({ field: "region", value: "XYZ", reason: "bad" });
    assert.equal(toDvpnError(input, "x"), input);
    const wrapped = toDvpnError(new Error("ECONNREFUSED"), "getProvider");
    assert.equal(wrapped.name, "ChainRequestError");
    assert.equal(wrapped.shortMessage, "getProvider failed: ECONNREFUSED");
  });

  it("isContractRevert narrows to one custom error with typed args", () => {
    const err: unknown = new ContractRevertError({
      errorName: "EscrowPriceAboveMaximum",
      args: [60_000n, 50_000n],
      functionName: "openSession",
    });
    assert.equal(isContractRevert(err, "EscrowStaleVoucher"), false);
    assert.equal(isContractRevert(new Error("x"), "EscrowPriceAboveMaximum"), false);
    if (!isContractRevert(err, "EscrowPriceAboveMaximum")) throw new Error("expected a match");
    const [price, max]: readonly [bigint, bigint] = err.args;
    assert.equal(price - max, 10_000n);
  });
});
