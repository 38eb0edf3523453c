import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { InvalidInputError } from "../../sdk/src/errors/input.ts";
import { checkDeploymentParameters } from "./checkParameters.ts";
import { LOCAL_PARAMETERS } from "./deployProtocol.ts";

/** LOCAL_PARAMETERS as a deployment file would hold them, with `change` applied to a copy. */
function withChange(change: (p: Record<string, Record<string, unknown>>) => void): unknown {
  const p = JSON.parse(JSON.stringify(LOCAL_PARAMETERS)) as Record<string, Record<string, unknown>>;
  change(p);
  return p;
}

function refused(value: unknown, field: string, reason: RegExp): void {
  assert.throws(
    () => checkDeploymentParameters(value),
    (err: unknown) => err instanceof InvalidInputError && err.field === field && reason.test(err.message),
    `expected ${field} to be refused (${reason})`,
  );
}

describe("checkDeploymentParameters", () => {
  it("accepts the local parameters read back from JSON", () => {
    const json: unknown = JSON.parse(JSON.stringify(LOCAL_PARAMETERS));
    assert.deepEqual(checkDeploymentParameters(json), LOCAL_PARAMETERS);
  });

  it("names a missing, unknown or mistyped nested field", () => {
    refused(
      withChange((p) => delete p.governor!.votingPeriod),
      "parameters.governor.votingPeriod",
      /is missing/,
    );
    refused(
      withChange((p) => (p.escrow!.settlementWindowSeconds = 3600)),
      "parameters.escrow.settlementWindowSeconds",
      /not a deployment parameter/,
    );
    refused(
      withChange((p) => (p.governor!.votingPeriod = "300")),
      "parameters.governor.votingPeriod",
      /JSON number/,
    );
    refused(
      withChange((p) => (p.governor!.votingPeriod = 2 ** 32)),
      "parameters.governor.votingPeriod",
      /0 to 4294967295/,
    );
    refused(
      withChange((p) => (p.escrow!.protocolFeeBps = 2.5)),
      "parameters.escrow.protocolFeeBps",
      /integer/,
    );
    refused(
      withChange((p) => (p.registry!.heartbeatTimeout = -1)),
      "parameters.registry.heartbeatTimeout",
      /integer from 0/,
    );
    refused(
      withChange((p) => (p.registry!.minStake = 1000)),
      "parameters.registry.minStake",
      /decimal string/,
    );
    refused(
      withChange((p) => (p.governor!.proposalThreshold = "1e21")),
      "parameters.governor.proposalThreshold",
      /decimal string/,
    );
    refused(
      withChange((p) => (p.registry = [] as never)),
      "parameters.registry",
      /must be an object/,
    );
  });

  it("names a bad top-level field or allocation", () => {
    refused(null, "parameters", /JSON object/);
    refused(
      withChange((p) => (p.tokenSupply = "0" as never)),
      "parameters.tokenSupply",
      /above 0/,
    );
    refused(
      withChange((p) => (p.distribution = [] as never)),
      "parameters.distribution",
      /non-empty list/,
    );
    refused(
      withChange((p) => (p.distribution = [{ to: "deployer", amount: "1", lable: "x" }] as never)),
      "parameters.distribution[0].lable",
      /not a field of an allocation/,
    );
    refused(
      withChange((p) => (p.distribution = [{ to: "deployer", amount: "1", label: 7 }] as never)),
      "parameters.distribution[0].label",
      /must be a string/,
    );
  });
});

describe("npm run deploy with a bad parameters file", () => {
  const dir = mkdtempSync(join(tmpdir(), "dvpn-deploy-params-"));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("exits 1 naming the field, before it reaches for a chain", () => {
    const file = join(dir, "parameters.json");
    writeFileSync(file, JSON.stringify(withChange((p) => (p.escrow!.acceptTimeout = "300"))));
    const r = spawnSync(process.execPath, [join(import.meta.dirname, "../deploy.ts")], {
      encoding: "utf8",
      timeout: 30_000,
      // Port 1 on loopback: nothing listens, so reaching for the chain would fail differently.
      env: { ...process.env, DVPN_DEPLOY_PARAMETERS: file, DVPN_RPC_URL: "http://127.0.0.1:1" },
    });
    assert.equal(r.status, 1, r.stderr);
    assert.match(
      r.stderr,
      /DVPN_DEPLOY_PARAMETERS: .*parameters\.json: invalid parameters\.escrow\.acceptTimeout "300"/,
    );
    assert.doesNotMatch(r.stderr, /cannot reach a chain/);
  });
});
