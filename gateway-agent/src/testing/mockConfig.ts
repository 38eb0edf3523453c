/**
 * The configuration every agent unit test starts from: a mock chain and data plane (passed as
 * deps), an RPC URL nothing listens on, the provider's own address as both contracts, and every
 * timer an hour long so the test drives tick() and reconcile() itself.
 */
import type { Hex } from "viem";
import { privateKeyToAccount } from "viem/accounts";

/**
 * @param params the provider's key and the agent's data folder.
 * @returns the config input; spread it and add the options a test needs.
 * @example createGatewayAgent({ ...mockAgentConfig({ privateKey, dataDir }), confirmations: 0 }, { backend, chain })
 */
export function mockAgentConfig(params: { privateKey: Hex; dataDir: string }) {
  const provider = privateKeyToAccount(params.privateKey).address;
  return {
    rpcUrl: "http://127.0.0.1:1",
    deployment: {
      chainId: 31337,
      startBlock: 1,
      contracts: { ProviderRegistry: { address: provider }, SessionEscrow: { address: provider } },
    },
    privateKey: params.privateKey,
    dataDir: params.dataDir,
    ipv4Pool: "10.66.0.0/29",
    ipv6Pool: "fd77:dead:beef::/64",
    voucherListen: "127.0.0.1:0",
    pollIntervalMs: 3_600_000,
    reconcileIntervalMs: 3_600_000,
    resyncIntervalMs: 3_600_000,
    heartbeat: false,
  };
}
