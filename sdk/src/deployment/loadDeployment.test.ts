import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DeploymentNotFoundError, InvalidDeploymentError } from "../errors/deployment.ts";
import { loadDeployment } from "./loadDeployment.ts";

const addr = (n: number) => `0x${n.toString(16).padStart(40, "0")}`;
const record = {
  chainId: 31337,
  startBlock: 1,
  deployer: addr(1),
  contracts: Object.fromEntries(
    ["DVPNToken", "PaymentToken", "DVPNTimelock", "DVPNGovernor", "ProviderRegistry", "SessionEscrow"].map((n, i) => [
      n,
      { address: addr(i + 10), blockNumber: 1 },
    ]),
  ),
  parameters: {},
};

describe("loadDeployment", () => {
  const dir = mkdtempSync(join(tmpdir(), "dvpn-deploy-"));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("reads deployments/<chainId>.json", () => {
    writeFileSync(join(dir, "31337.json"), JSON.stringify(record));
    const d = loadDeployment({ chainId: 31337, dir });
    assert.equal(d.contracts.SessionEscrow.address, addr(15));
  });

  it("says clearly when the file is missing", () => {
    assert.throws(
      () => loadDeployment({ chainId: 5, dir }),
      (e: unknown) =>
        e instanceof DeploymentNotFoundError &&
        e.path === join(dir, "5.json") &&
        /no deployment for chain 5 at .*5\.json \(file not found\): run `npm run deploy`/.test(e.shortMessage),
    );
  });

  it("rejects a malformed record or one for another chain", () => {
    writeFileSync(join(dir, "bad.json"), JSON.stringify({ ...record, contracts: { DVPNToken: { address: "0x1" } } }));
    assert.throws(() => loadDeployment({ file: join(dir, "bad.json") }), InvalidDeploymentError);
    writeFileSync(join(dir, "1.json"), JSON.stringify(record));
    assert.throws(() => loadDeployment({ chainId: 1, dir }), /is for chain 31337, not 1/);
  });
});
