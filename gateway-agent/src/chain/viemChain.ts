/**
 * {@link AgentChain} on viem with the generated ABIs. Writes are serialized (one nonce stream)
 * and simulated first so reverts come back as named contract errors. When the SDK's client
 * exposes the same actions this is the one file to switch.
 */
import {
  BaseError,
  ContractFunctionRevertedError,
  createPublicClient,
  createWalletClient,
  decodeEventLog,
  defineChain,
  getAddress,
  http,
  numberToHex,
  pad,
  toEventSelector,
  type AbiEvent,
  type Address,
  type Hex,
  type LocalAccount,
} from "viem";
import { providerRegistryAbi, sessionEscrowAbi } from "../../../sdk/src/abi/index.ts";
import { CHAIN_STATUS, ChainRevertError, type AgentChain, type EscrowEvent } from "./types.ts";

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

/** Parameters of {@link createViemChain}. */
export interface ViemChainParams {
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

function revertName(err: unknown): string | undefined {
  if (err instanceof BaseError) {
    const r = err.walk((e) => e instanceof ContractFunctionRevertedError);
    if (r instanceof ContractFunctionRevertedError) return r.data?.errorName ?? r.reason;
  }
  return undefined;
}

interface RawLog {
  topics: Hex[];
  data: Hex;
  blockNumber: Hex;
  logIndex: Hex;
}

/** Creates the viem-backed chain access. */
export function createViemChain(params: ViemChainParams): AgentChain {
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
  let queue: Promise<unknown> = Promise.resolve();

  function serialize<T>(fn: () => Promise<T>): Promise<T> {
    const next = queue.then(fn, fn);
    queue = next.catch(() => undefined);
    return next;
  }

  async function write(target: "escrow" | "registry", functionName: string, args: readonly unknown[]): Promise<void> {
    return serialize(async () => {
      const address = target === "escrow" ? params.escrow : params.registry;
      const abi = target === "escrow" ? sessionEscrowAbi : providerRegistryAbi;
      try {
        const { request } = await publicClient.simulateContract({
          address,
          abi: abi as typeof sessionEscrowAbi,
          functionName: functionName as "acceptSession",
          args: args as [bigint, string],
          account: params.account,
        });
        const hash = await wallet.writeContract(request);
        const receipt = await publicClient.waitForTransactionReceipt({ hash, timeout: 120_000 });
        if (receipt.status !== "success") throw new ChainRevertError(`${functionName} reverted (${hash})`, undefined);
      } catch (err) {
        if (err instanceof ChainRevertError) throw err;
        const name = revertName(err);
        const short = err instanceof BaseError ? err.shortMessage : String(err);
        throw new ChainRevertError(`${functionName}: ${name ?? short}`, name, { cause: err });
      }
    });
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
      const s = await publicClient.readContract({
        address: params.escrow,
        abi: sessionEscrowAbi,
        functionName: "getSession",
        args: [id],
      });
      return {
        client: s.client,
        provider: s.provider,
        signer: s.signer,
        status: CHAIN_STATUS[s.status] ?? "None",
        deadline: Number(s.deadline),
        deposit: s.deposit,
        pricePerGiB: s.pricePerGiB,
        pricePerMinute: s.pricePerMinute,
        claimedBytes: s.claimedBytes,
        claimedSeconds: s.claimedSeconds,
      };
    },
    async getProvider() {
      const p = await publicClient.readContract({
        address: params.registry,
        abi: providerRegistryAbi,
        functionName: "getProvider",
        args: [provider],
      });
      return {
        registered: p.registered,
        paused: p.paused,
        maxSessions: Number(p.maxSessions),
        wgPublicKey: p.wgPublicKey,
      };
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
    acceptSession: (id, tunnelAddress) => write("escrow", "acceptSession", [id, tunnelAddress]),
    claim: (id, b, s, sig) => write("escrow", "claim", [id, b, s, sig]),
    closeWithVoucher: (id, b, s, sig) => write("escrow", "closeWithVoucher", [id, b, s, sig]),
    closeSession: (id) => write("escrow", "closeSession", [id]),
    heartbeat: () => write("registry", "heartbeat", []),
    pause: () => write("registry", "pause", []),
    unpause: () => write("registry", "unpause", []),
  };
}
