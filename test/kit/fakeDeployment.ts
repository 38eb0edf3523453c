import type { Address } from "viem";
import type { Deployment } from "../../sdk/src/deployment/types.ts";

/**
 * A deployment record naming contracts that exist on no chain: for an indexer (or its config)
 * that only reads a database it is handed, as the feed benchmarks and configuration tests do.
 */
export function fakeDeployment(): Deployment {
  const a = (n: number) => `0x${n.toString(16).padStart(40, "0")}` as Address;
  return {
    chainId: 31337,
    startBlock: 1,
    deployer: a(1),
    contracts: {
      ProviderRegistry: { address: a(2), blockNumber: 1 },
      SessionEscrow: { address: a(3), blockNumber: 1 },
      DVPNGovernor: { address: a(4), blockNumber: 1 },
    },
    parameters: { tokenSupply: "1000000000000000000000000000" },
  } as unknown as Deployment; // only the fields the indexer reads
}
