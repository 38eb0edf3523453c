import { decodeEventLog, getAddress, type Abi, type Hex } from "viem";
import { dvpnGovernorAbi, providerRegistryAbi, sessionEscrowAbi } from "../../../sdk/src/abi/index.ts";
import type { Deployment } from "../../../sdk/src/deployment/types.ts";

export type ContractKey = "registry" | "escrow" | "governor";

/** A raw eth_getLogs entry (hex quantities as the node returns them). */
export interface RawLog {
  address: string;
  topics: string[];
  data: string;
  blockNumber: string;
  blockHash: string;
  blockTimestamp?: string;
  transactionHash: string;
  logIndex: string;
  removed?: boolean;
}

/** A decoded event with its position on the chain. */
export interface ChainEvent {
  contract: ContractKey;
  name: string;
  // Decoded arguments as viem returns them (bigint, checksummed addresses, hex bytes).
  args: Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
  blockNumber: number;
  logIndex: number;
  timestamp: number;
  /** `txHash-logIndex`, unique per event. */
  id: string;
}

/** The contracts the indexer reads, by lower-case address. */
export function contractsOf(deployment: Deployment): Map<string, { key: ContractKey; abi: Abi }> {
  const c = deployment.contracts;
  return new Map([
    [c.ProviderRegistry.address.toLowerCase(), { key: "registry" as const, abi: providerRegistryAbi as Abi }],
    [c.SessionEscrow.address.toLowerCase(), { key: "escrow" as const, abi: sessionEscrowAbi as Abi }],
    [c.DVPNGovernor.address.toLowerCase(), { key: "governor" as const, abi: dvpnGovernorAbi as Abi }],
  ]);
}

/**
 * Decodes and orders logs. `timestamps` gives block timestamps when the node omits
 * `blockTimestamp` from logs. Logs of unknown events are skipped.
 */
export function decodeLogs(
  logs: RawLog[],
  contracts: ReturnType<typeof contractsOf>,
  timestamps: Map<number, number> = new Map(),
): ChainEvent[] {
  const events: ChainEvent[] = [];
  for (const log of logs) {
    if (log.removed) continue;
    const contract = contracts.get(log.address.toLowerCase());
    if (!contract) continue;
    let decoded: { eventName: string; args: unknown };
    try {
      decoded = decodeEventLog({ abi: contract.abi, data: log.data as Hex, topics: log.topics as [Hex, ...Hex[]] }) as {
        eventName: string;
        args: unknown;
      };
    } catch {
      continue;
    }
    const blockNumber = Number(log.blockNumber);
    const timestamp = log.blockTimestamp !== undefined ? Number(log.blockTimestamp) : timestamps.get(blockNumber);
    if (timestamp === undefined) throw new Error(`no timestamp for block ${blockNumber}`);
    const logIndex = Number(log.logIndex);
    events.push({
      contract: contract.key,
      name: decoded.eventName,
      args: decoded.args as Record<string, unknown>,
      blockNumber,
      logIndex,
      timestamp,
      id: `${log.transactionHash}-${logIndex}`,
    });
  }
  events.sort((a, b) => a.blockNumber - b.blockNumber || a.logIndex - b.logIndex);
  return events;
}

/** bytes2 region code → "DE". */
export function regionOf(hex: string): string {
  const code = hex.slice(2, 6);
  return String.fromCharCode(parseInt(code.slice(0, 2), 16), parseInt(code.slice(2, 4), 16));
}

/** bytes32 parameter name → "minStake". */
export function nameOf(hex: string): string {
  let s = "";
  for (let i = 2; i < hex.length; i += 2) {
    const c = parseInt(hex.slice(i, i + 2), 16);
    if (c === 0) break;
    s += String.fromCharCode(c);
  }
  return s;
}

export const checksum = (a: string) => getAddress(a);
