/**
 * {@link AgentChain} on the SDK: its actions for every write (acceptSession, claimUsage,
 * closeWithVoucher, closeSession, heartbeat, pause) and the session/provider reads, which
 * simulate first and decode reverts into named contract errors; raw `eth_getLogs` (filtered by
 * the indexed provider, ranges halved on errors) for the event stream. Writes may be called
 * concurrently: the SDK client broadcasts them one after another (`serializeSends`, each takes
 * the node's next pending nonce) and their receipts are awaited together.
 */
import {
  createPublicClient,
  createWalletClient,
  decodeEventLog,
  defineChain,
  getAddress,
  http,
  numberToHex,
  pad,
  toEventSelector,
  zeroAddress,
  type AbiEvent,
  type Address,
  type Hex,
  type LocalAccount,
} from "viem";
import { providerRegistryAbi, sessionEscrowAbi } from "../../../sdk/src/abi/index.ts";
import { createDvpnClient } from "../../../sdk/src/client/createDvpnClient.ts";
import type { Deployment } from "../../../sdk/src/deployment/types.ts";
import { DvpnError } from "../../../sdk/src/errors/base.ts";
import { ContractRevertError } from "../../../sdk/src/errors/contract.ts";
import { ChainRevertError, type AgentChain, type EscrowEvent } from "./types.ts";

const EVENT_NAMES = [
  "SessionOpened",
  "SessionAccepted",
  "SessionCancelled",
  "SessionClosed",
  "SessionSettled",
  "UsageClaimed",
] as const;
const eventAbis = sessionEscrowAbi.filter(
  (x): x is Extract<(typeof sessionEscrowAbi)[number], { type: "event" }> =>
    x.type === "event" && (EVENT_NAMES as readonly string[]).includes(x.name),
);
const selectors = eventAbis.map((e) => toEventSelector(e as AbiEvent));

const erc1271Abi = [
  {
    type: "function",
    name: "isValidSignature",
    stateMutability: "view",
    inputs: [
      { name: "hash", type: "bytes32" },
      { name: "signature", type: "bytes" },
    ],
    outputs: [{ name: "magicValue", type: "bytes4" }],
  },
] as const;

/** Parameters of {@link createSdkChain}. */
export interface SdkChainParams {
  rpcUrl: string;
  chainId: number;
  escrow: Address;
  registry: Address;
  account: LocalAccount;
  /** How often to poll for receipts (ms). */
  pollingIntervalMs?: number;
  /** Largest eth_getLogs range; halved on errors down to one block. */
  maxLogRange?: bigint;
}

function toChainError(err: unknown, action: string): ChainRevertError {
  const name = err instanceof ContractRevertError ? err.errorName : undefined;
  const short = err instanceof DvpnError ? err.shortMessage : ((err as Error)?.message ?? String(err));
  return new ChainRevertError(`${action}: ${short}`, name, { cause: err });
}

interface RawLog {
  topics: Hex[];
  data: Hex;
  blockNumber: Hex;
  logIndex: Hex;
}

/** Creates the chain access of one provider account. */
export function createSdkChain(params: SdkChainParams): AgentChain {
  const chain = defineChain({
    id: params.chainId,
    name: `chain-${params.chainId}`,
    nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
    rpcUrls: { default: { http: [params.rpcUrl] } },
  });
  const pollingInterval = params.pollingIntervalMs ?? 250;
  const transport = http(params.rpcUrl, { retryCount: 2, timeout: 20_000 });
  const publicClient = createPublicClient({ chain, transport, pollingInterval });
  const wallet = createWalletClient({ chain, transport, account: params.account, pollingInterval });
  const provider = getAddress(params.account.address);
  const providerTopic = pad(provider, { size: 32 }).toLowerCase() as Hex;
  const maxRange = params.maxLogRange ?? 2000n;

  // The SDK needs a whole deployment record; the agent only touches the registry and the escrow.
  const unused = { address: zeroAddress, blockNumber: 0 };
  const deployment: Deployment = {
    chainId: params.chainId,
    startBlock: 0,
    deployer: zeroAddress,
    contracts: {
      DVPNToken: unused,
      PaymentToken: unused,
      DVPNTimelock: unused,
      DVPNGovernor: unused,
      ProviderRegistry: { address: params.registry, blockNumber: 0 },
      SessionEscrow: { address: params.escrow, blockNumber: 0 },
    },
    parameters: undefined as unknown as Deployment["parameters"],
  };
  const sdk = createDvpnClient({ chain, publicClient, walletClient: wallet, deployment, serializeSends: true });

  /** Runs one SDK write, its errors mapped to chain errors. */
  async function write(action: string, fn: () => Promise<unknown>): Promise<void> {
    try {
      await fn();
    } catch (err) {
      throw toChainError(err, action);
    }
  }

  async function logs(from: bigint, to: bigint): Promise<RawLog[]> {
    try {
      return (await publicClient.request({
        method: "eth_getLogs",
        params: [
          {
            address: params.escrow,
            fromBlock: numberToHex(from),
            toBlock: numberToHex(to),
            topics: [selectors, null, providerTopic],
          },
        ],
      })) as RawLog[];
    } catch (err) {
      if (to <= from) throw err;
      const mid = from + (to - from) / 2n;
      return [...(await logs(from, mid)), ...(await logs(mid + 1n, to))];
    }
  }

  function decode(raw: RawLog): EscrowEvent | undefined {
    let d;
    try {
      d = decodeEventLog({ abi: eventAbis, data: raw.data, topics: raw.topics as [Hex, ...Hex[]] });
    } catch {
      return undefined;
    }
    const a = d.args as Record<string, unknown>;
    const base = {
      sessionId: a.sessionId as bigint,
      provider: getAddress(a.provider as Address),
      blockNumber: BigInt(raw.blockNumber),
      logIndex: Number(raw.logIndex),
    };
    switch (d.eventName) {
      case "SessionOpened":
        return {
          ...base,
          type: "SessionOpened",
          client: getAddress(a.client as Address),
          wgPublicKey: a.wgPublicKey as Hex,
          signer: getAddress(a.signer as Address),
          deposit: a.deposit as bigint,
          pricePerGiB: a.pricePerGiB as bigint,
          pricePerMinute: a.pricePerMinute as bigint,
          feeBps: Number(a.feeBps),
          acceptDeadline: Number(a.acceptDeadline),
        };
      case "SessionAccepted":
        return { ...base, type: "SessionAccepted", tunnelAddress: String(a.tunnelAddress) };
      case "SessionCancelled":
        return { ...base, type: "SessionCancelled" };
      case "SessionClosed":
        return {
          ...base,
          type: "SessionClosed",
          closedBy: getAddress(a.closedBy as Address),
          settlementDeadline: Number(a.settlementDeadline),
        };
      case "SessionSettled":
        return { ...base, type: "SessionSettled" };
      case "UsageClaimed":
        return {
          ...base,
          type: "UsageClaimed",
          totalBytes: a.totalBytes as bigint,
          totalSeconds: a.totalSeconds as bigint,
        };
      default:
        return undefined;
    }
  }

  return {
    provider,
    chainId: params.chainId,
    escrow: params.escrow,
    blockNumber: () => publicClient.getBlockNumber({ cacheTime: 0 }),
    async blockHash(n) {
      const b = (await publicClient.request({
        method: "eth_getBlockByNumber",
        params: [numberToHex(n), false],
      })) as { hash?: Hex | null } | null;
      return b?.hash ?? undefined;
    },
    async escrowEvents(from, to) {
      const out: EscrowEvent[] = [];
      for (let start = from; start <= to; start += maxRange) {
        const end = start + maxRange - 1n < to ? start + maxRange - 1n : to;
        for (const raw of await logs(start, end)) {
          const e = decode(raw);
          if (e) out.push(e);
        }
      }
      return out.sort((x, y) =>
        x.blockNumber === y.blockNumber ? x.logIndex - y.logIndex : x.blockNumber < y.blockNumber ? -1 : 1,
      );
    },
    async getSession(id) {
      const s = await sdk.getSession({ sessionId: id });
      return {
        client: s.client,
        provider: s.provider,
        signer: s.signer,
        status: s.status,
        deadline: s.deadline,
        feeBps: s.feeBps,
        deposit: s.deposit,
        pricePerGiB: s.pricePerGiB,
        pricePerMinute: s.pricePerMinute,
        claimedBytes: s.claimedBytes,
        claimedSeconds: s.claimedSeconds,
      };
    },
    async getProvider() {
      const p = await sdk.getProvider({ provider });
      return { registered: p.registered, paused: p.paused, maxSessions: p.maxSessions, wgPublicKey: p.wgPublicKey };
    },
    async exitPolicy() {
      return sdk.getExitPolicy({ provider });
    },
    async heartbeatTimeout() {
      return Number(
        await publicClient.readContract({
          address: params.registry,
          abi: providerRegistryAbi,
          functionName: "heartbeatTimeout",
        }),
      );
    },
    async isValidErc1271Signature(signer, hash, signature) {
      try {
        const code = await publicClient.getCode({ address: signer });
        if (!code || code === "0x") return false;
        const magic = await publicClient.readContract({
          address: signer,
          abi: erc1271Abi,
          functionName: "isValidSignature",
          args: [hash, signature],
        });
        return magic.toLowerCase() === "0x1626ba7e";
      } catch {
        return false;
      }
    },
    acceptSession: (sessionId, tunnelAddress) =>
      write("acceptSession", () => sdk.acceptSession({ sessionId, tunnelAddress })),
    rejectSession: (sessionId, reason) => write("rejectSession", () => sdk.rejectSession({ sessionId, reason })),
    claim: (sessionId, bytes, seconds, signature) =>
      write("claim", () => sdk.claimUsage({ sessionId, bytes, seconds, signature })),
    closeWithVoucher: (sessionId, bytes, seconds, signature) =>
      write("closeWithVoucher", () => sdk.closeWithVoucher({ sessionId, bytes, seconds, signature })),
    closeSession: (sessionId) => write("closeSession", () => sdk.closeSession({ sessionId })),
    heartbeat: () => write("heartbeat", () => sdk.sendHeartbeat()),
    pause: () => write("pause", () => sdk.pauseProvider()),
    unpause: () => write("unpause", () => sdk.unpauseProvider()),
  };
}
