/**
 * The initial DVPN distribution is a deployment parameter: the token's constructor mints each
 * allocation to its recipient, and a bad list is refused before anything is sent.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { network } from "hardhat";
import { parseUnits, zeroAddress, type Abi, type Hex } from "viem";
import { LOCAL_PARAMETERS, deployProtocol } from "../../scripts/deploy/deployProtocol.ts";
import { dvpnTokenAbi } from "../../sdk/src/abi/index.ts";
import type { DeploymentParameters } from "../../sdk/src/deployment/types.ts";
import { assertRevert } from "./helpers.ts";

const DVPN = (n: number) => parseUnits(String(n), 18);

async function chain() {
  const { viem } = await network.create();
  const publicClient = await viem.getPublicClient();
  const [deployer, investor] = await viem.getWalletClients();
  if (!deployer || !investor) throw new Error("no accounts");
  return { publicClient, deployer, investor };
}

describe("initial DVPN distribution", () => {
  it("mints each allocation to its recipient (an address, the timelock, the deployer); nobody else holds any", async () => {
    const { publicClient, deployer, investor } = await chain();
    const parameters: DeploymentParameters = {
      ...LOCAL_PARAMETERS,
      tokenSupply: DVPN(1_000_000).toString(),
      distribution: [
        { to: "timelock", amount: DVPN(600_000).toString(), label: "treasury" },
        { to: investor.account.address, amount: DVPN(300_000).toString(), label: "early contributors" },
        { to: "deployer", amount: DVPN(100_000).toString(), label: "bootstrap providers" },
      ],
    };
    const d = await deployProtocol({ publicClient, walletClient: deployer, parameters });
    const balance = (who: Hex) =>
      publicClient.readContract({
        address: d.contracts.DVPNToken.address,
        abi: dvpnTokenAbi,
        functionName: "balanceOf",
        args: [who],
      });
    assert.equal(await balance(d.contracts.DVPNTimelock.address), DVPN(600_000));
    assert.equal(await balance(investor.account.address), DVPN(300_000));
    assert.equal(await balance(deployer.account.address), DVPN(100_000));
    const supply = await publicClient.readContract({
      address: d.contracts.DVPNToken.address,
      abi: dvpnTokenAbi,
      functionName: "totalSupply",
    });
    assert.equal(supply, DVPN(1_000_000));
    assert.deepEqual(d.parameters.distribution, parameters.distribution, "the record keeps the distribution");
  });

  it("refuses a distribution that does not sum to tokenSupply, a bad amount or recipient, before sending anything", async () => {
    const { publicClient, deployer } = await chain();
    const before = await publicClient.getTransactionCount({ address: deployer.account.address });
    const supply = DVPN(1000).toString();
    const cases: [DeploymentParameters["distribution"], RegExp][] = [
      [[{ to: "deployer", amount: DVPN(999).toString() }], /sums to .* not tokenSupply/],
      [[], /distribution is missing/],
      [[{ to: "deployer", amount: "0" }], /distribution\[0\]\.amount/],
      [[{ to: "deployer", amount: "1e21" }], /distribution\[0\]\.amount/],
      [[{ to: "treasury" as never, amount: supply }], /distribution\[0\]\.to/],
      [[{ to: zeroAddress, amount: supply }], /distribution\[0\]\.to/],
    ];
    for (const [distribution, message] of cases) {
      await assert.rejects(
        deployProtocol({
          publicClient,
          walletClient: deployer,
          parameters: { ...LOCAL_PARAMETERS, tokenSupply: supply, distribution },
        }),
        message,
      );
    }
    assert.equal(await publicClient.getTransactionCount({ address: deployer.account.address }), before, "nothing sent");
  });

  it("DVPNToken: reverts TokenInvalidDistribution and TokenInvalidAllocation on a bad list", async () => {
    const { publicClient, deployer, investor } = await chain();
    const { abi, bytecode } = JSON.parse(
      readFileSync(join(import.meta.dirname, "../../artifacts/contracts/DVPNToken.sol/DVPNToken.json"), "utf8"),
    ) as { abi: Abi; bytecode: Hex };
    const deploy = (recipients: Hex[], amounts: bigint[]) =>
      deployer
        .deployContract({ abi, bytecode, args: [recipients, amounts] })
        .then((hash) => publicClient.waitForTransactionReceipt({ hash }));
    const a = investor.account.address;
    await assertRevert(deploy([a], [1n, 2n]), "TokenInvalidDistribution", [1n, 2n]);
    await assertRevert(deploy([], []), "TokenInvalidDistribution", [0n, 0n]);
    await assertRevert(deploy([a, zeroAddress], [1n, 1n]), "TokenInvalidAllocation", [1n, zeroAddress, 1n]);
    await assertRevert(deploy([a], [0n]), "TokenInvalidAllocation", [0n, a, 0n]);
  });
});
