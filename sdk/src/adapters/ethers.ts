/**
 * ethers v6 adapter: an ethers app keeps its Provider and Signer and hands them to
 * {@link createDvpnClient} — no second wallet set-up.
 *
 * The transport forwards reads to the ethers Provider (`provider.send`) and routes the
 * signing methods viem uses for a JSON-RPC account (`eth_sendTransaction`,
 * `eth_signTypedData_v4`, `personal_sign`, `eth_accounts`) to the ethers Signer. That works
 * for a `Wallet` as well as for a browser wallet's `JsonRpcSigner`, which cannot sign raw
 * transactions.
 */
import type { Provider, Signer, TransactionRequest, TypedDataField } from "ethers";
import { custom, getAddress, hexToBytes, type Account, type Address, type Hex, type Transport } from "viem";
import { InvalidInputError } from "../errors/input.ts";

/** An ethers provider that can forward raw JSON-RPC (`JsonRpcProvider`, `BrowserProvider`, ...). */
type SendingProvider = Provider & { send(method: string, params: unknown[]): Promise<unknown> };

/** Options of {@link ethersTransport}. */
export interface EthersTransportOptions {
  /** Signs and sends for the account; without it the transport is read-only. */
  signer?: Signer;
}

const big = (v: unknown) => (v === undefined || v === null ? undefined : BigInt(v as string));

/**
 * An EIP-1193 viem transport over an ethers v6 Provider, with signing routed to an ethers Signer.
 * @param provider a JsonRpcProvider or BrowserProvider (anything with `send`).
 * @param options the signer that signs for the account.
 * @returns a viem transport for {@link createDvpnClient}.
 * @throws {InvalidInputError} when the provider cannot forward raw JSON-RPC.
 * @example
 * const provider = new ethers.JsonRpcProvider(url)
 * const signer = new ethers.Wallet(key, provider)
 * const client = createDvpnClient({ chain, deployment, transport: ethersTransport(provider, { signer }), account: await ethersAccount(signer) })
 */
export function ethersTransport(provider: Provider, options: EthersTransportOptions = {}): Transport {
  const p = provider as SendingProvider;
  if (typeof p.send !== "function") {
    throw new InvalidInputError({
      field: "provider",
      value: provider.constructor?.name ?? typeof provider,
      reason: "must be an ethers JsonRpcProvider or BrowserProvider (one with send())",
    });
  }
  const { signer } = options;
  return custom(
    {
      async request({ method, params }: { method: string; params?: unknown }) {
        const args = (params ?? []) as unknown[];
        if (signer) {
          switch (method) {
            case "eth_accounts":
            case "eth_requestAccounts":
              return [await signer.getAddress()];
            case "eth_sendTransaction": {
              const tx = args[0] as Record<string, string | undefined>;
              const request: TransactionRequest = {
                to: tx.to ?? null,
                data: tx.data ?? tx.input,
                value: big(tx.value),
                gasLimit: big(tx.gas),
                gasPrice: big(tx.gasPrice),
                maxFeePerGas: big(tx.maxFeePerGas),
                maxPriorityFeePerGas: big(tx.maxPriorityFeePerGas),
                nonce: tx.nonce !== undefined ? Number(BigInt(tx.nonce)) : undefined,
              };
              const response = await signer.sendTransaction(request);
              return response.hash;
            }
            case "eth_signTypedData_v4": {
              const typed = JSON.parse(args[1] as string) as {
                domain: Record<string, unknown>;
                types: Record<string, TypedDataField[]>;
                message: Record<string, unknown>;
              };
              const { EIP712Domain: _ignored, ...types } = typed.types;
              return signer.signTypedData(typed.domain, types, typed.message);
            }
            case "personal_sign":
              return signer.signMessage(hexToBytes(args[0] as Hex));
          }
        }
        try {
          return await p.send(method, args);
        } catch (err) {
          throw toEip1193Error(err);
        }
      },
    },
    { key: "ethers", name: "ethers v6 adapter" },
  );
}

/**
 * ethers wraps JSON-RPC errors in its own; give viem the EIP-1193 `{ code, message, data }`
 * back so reverts decode into named errors.
 */
function toEip1193Error(err: unknown): unknown {
  const e = err as {
    info?: { error?: { code?: number; message?: string; data?: unknown } };
    code?: unknown;
    data?: unknown;
  };
  const rpc = e?.info?.error;
  if (rpc && typeof rpc.code === "number") {
    return Object.assign(new Error(rpc.message ?? "JSON-RPC error"), { code: rpc.code, data: rpc.data });
  }
  if (e?.code === "CALL_EXCEPTION" && typeof e.data === "string") {
    return Object.assign(new Error("execution reverted"), { code: 3, data: e.data });
  }
  return err;
}

/**
 * The viem JSON-RPC account of an ethers Signer (its address; signing goes through
 * {@link ethersTransport}).
 * @param signer an ethers v6 Signer.
 * @returns a viem account for {@link createDvpnClient}.
 * @example const account = await ethersAccount(signer)
 */
export async function ethersAccount(signer: Signer): Promise<Account> {
  const address: Address = getAddress(await signer.getAddress());
  return { address, type: "json-rpc" };
}

/**
 * Both halves at once: the transport and the account for an ethers Signer (and its provider).
 * @param params the signer and, when the signer is not connected, the provider.
 * @returns `{ transport, account }` to spread into {@link createDvpnClient}.
 * @example const client = createDvpnClient({ chain, deployment, ...(await fromEthers({ signer })) })
 */
export async function fromEthers(params: {
  signer: Signer;
  provider?: Provider;
}): Promise<{ transport: Transport; account: Account }> {
  const provider = params.provider ?? params.signer.provider;
  if (!provider) {
    throw new InvalidInputError({
      field: "signer",
      value: "unconnected",
      reason: "connect it to a provider or pass one",
    });
  }
  return {
    transport: ethersTransport(provider, { signer: params.signer }),
    account: await ethersAccount(params.signer),
  };
}
