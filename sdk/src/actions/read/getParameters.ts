import type { Address } from "viem";
import { dvpnGovernorAbi, dvpnTimelockAbi, providerRegistryAbi, sessionEscrowAbi } from "../../abi/index.ts";
import type { DvpnContext } from "../../client/types.ts";
import { addresses } from "../../internal/contracts.ts";
import { read } from "../../internal/write.ts";

/** Every governable parameter of the protocol, as currently set on-chain. */
export interface ProtocolParameters {
  registry: { minStake: bigint; unbondingPeriod: number; heartbeatTimeout: number; maxSlashBps: number };
  escrow: { protocolFeeBps: number; acceptTimeout: number; settlementWindow: number; treasury: Address };
  governor: {
    votingDelay: bigint;
    votingPeriod: bigint;
    proposalThreshold: bigint;
    quorumNumerator: bigint;
    timelockDelay: bigint;
  };
}

/**
 * Reads every governable parameter (registry, escrow, governor and timelock).
 * @param client a DvpnClient.
 * @returns the current values.
 * @example const { escrow } = await getParameters(client); console.log(escrow.protocolFeeBps)
 */
export async function getParameters(client: DvpnContext): Promise<ProtocolParameters> {
  const a = addresses(client);
  const pc = client.publicClient;
  const r = <T>(
    address: Address,
    abi: typeof providerRegistryAbi | typeof sessionEscrowAbi | typeof dvpnGovernorAbi | typeof dvpnTimelockAbi,
    functionName: string,
  ) => read<T>(pc, { address, abi, functionName });
  const [minStake, unbondingPeriod, heartbeatTimeout, maxSlashBps] = await Promise.all([
    r<bigint>(a.registry, providerRegistryAbi, "minStake"),
    r<number>(a.registry, providerRegistryAbi, "unbondingPeriod"),
    r<number>(a.registry, providerRegistryAbi, "heartbeatTimeout"),
    r<number>(a.registry, providerRegistryAbi, "maxSlashBps"),
  ]);
  const [protocolFeeBps, acceptTimeout, settlementWindow, treasury] = await Promise.all([
    r<number>(a.escrow, sessionEscrowAbi, "protocolFeeBps"),
    r<number>(a.escrow, sessionEscrowAbi, "acceptTimeout"),
    r<number>(a.escrow, sessionEscrowAbi, "settlementWindow"),
    r<Address>(a.escrow, sessionEscrowAbi, "treasury"),
  ]);
  const [votingDelay, votingPeriod, proposalThreshold, quorumNumerator, timelockDelay] = await Promise.all([
    r<bigint>(a.governor, dvpnGovernorAbi, "votingDelay"),
    r<bigint>(a.governor, dvpnGovernorAbi, "votingPeriod"),
    r<bigint>(a.governor, dvpnGovernorAbi, "proposalThreshold"),
    r<bigint>(a.governor, dvpnGovernorAbi, "quorumNumerator"),
    r<bigint>(a.timelock, dvpnTimelockAbi, "getMinDelay"),
  ]);
  return {
    registry: {
      minStake,
      unbondingPeriod: Number(unbondingPeriod),
      heartbeatTimeout: Number(heartbeatTimeout),
      maxSlashBps: Number(maxSlashBps),
    },
    escrow: {
      protocolFeeBps: Number(protocolFeeBps),
      acceptTimeout: Number(acceptTimeout),
      settlementWindow: Number(settlementWindow),
      treasury,
    },
    governor: { votingDelay, votingPeriod, proposalThreshold, quorumNumerator, timelockDelay },
  };
}
