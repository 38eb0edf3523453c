import assert from "node:assert/strict";
import { test } from "node:test";
import { getAddress } from "viem";
import { chainEvent } from "../testing/events.ts";
import { INDEXED_ABIS, type ContractKey } from "./decodeLogs.ts";
import { HANDLERS, keysOf, PARAMETER_NAMES } from "./handlers.ts";

test("the handler map has one entry per event of each contract's ABI", () => {
  for (const contract of ["registry", "escrow", "governor"] as const satisfies ContractKey[]) {
    const events = INDEXED_ABIS[contract].filter((item) => item.type === "event").map((item) => item.name);
    assert.deepEqual(Object.keys(HANDLERS[contract]).sort(), [...new Set(events)].sort(), contract);
  }
});

test("keysOf lists each provider, session, proposal and parameter a range touches, once", () => {
  const provider = getAddress(`0x${"ab".repeat(20)}`);
  const name = `0x${Buffer.from("minStake").toString("hex").padEnd(64, "0")}` as const;
  const keys = keysOf([
    chainEvent("registry", "ProviderPaused", { provider }, { timestamp: 1 }),
    chainEvent("escrow", "SessionAccepted", { sessionId: 3n, provider, tunnelAddress: "10.64.0.9" }, { timestamp: 2 }),
    chainEvent(
      "escrow",
      "SessionClosed",
      { sessionId: 3n, provider, closedBy: provider, settlementDeadline: 0 },
      { timestamp: 3 },
    ),
    chainEvent("governor", "ProposalExecuted", { proposalId: 12n }, { timestamp: 4 }),
    chainEvent("registry", "ParameterUpdated", { name, oldValue: 1n, newValue: 2n }, { timestamp: 5 }),
  ]);
  assert.deepEqual(keys.providers, [{ id: provider }]);
  assert.deepEqual(keys.sessions, [{ id: 3n }]);
  assert.deepEqual(keys.proposals, [{ id: 12n }]);
  assert.deepEqual(
    keys.parameters.map((k) => k.id),
    PARAMETER_NAMES,
  );
});
