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
  // Each read is checked against its contract's ABI (name, no arguments) and typed from it.
  const reg = { address: a.registry, abi: providerRegistryAbi } as const;
  const esc = { address: a.escrow, abi: sessionEscrowAbi } as const;
  const gov = { address: a.governor, abi: dvpnGovernorAbi } as const;
  const [minStake, unbondingPeriod, heartbeatTimeout, maxSlashBps] = await Promise.all([
    read(pc, { ...reg, functionName: "minStake" }),
    read(pc, { ...reg, functionName: "unbondingPeriod" }),
    read(pc, { ...reg, functionName: "heartbeatTimeout" }),
    read(pc, { ...reg, functionName: "maxSlashBps" }),
  ]);
  const [protocolFeeBps, acceptTimeout, settlementWindow, treasury] = await Promise.all([
    read(pc, { ...esc, functionName: "protocolFeeBps" }),
    read(pc, { ...esc, functionName: "acceptTimeout" }),
    read(pc, { ...esc, functionName: "settlementWindow" }),
    read(pc, { ...esc, functionName: "treasury" }),
  ]);
  const [votingDelay, votingPeriod, proposalThreshold, quorumNumerator, timelockDelay] = await Promise.all([
    read(pc, { ...gov, functionName: "votingDelay" }),
    read(pc, { ...gov, functionName: "votingPeriod" }),
    read(pc, { ...gov, functionName: "proposalThreshold" }),
    read(pc, { ...gov, functionName: "quorumNumerator" }),
    read(pc, { address: a.timelock, abi: dvpnTimelockAbi, functionName: "getMinDelay" }),
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
