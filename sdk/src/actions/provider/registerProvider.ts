import type { Address } from "viem";
import { providerRegistryAbi } from "../../abi/index.ts";
import type { DvpnContext, WriteResult } from "../../client/types.ts";
import { addresses } from "../../internal/contracts.ts";
import { allowanceOf, signPermit } from "../../internal/permit.ts";
import { checkEndpoint, checkRegion, checkUint, checkWgKey } from "../../internal/validate.ts";
import { findEvent, requireWallet, writeAndWait } from "../../internal/write.ts";

/** How a stake or deposit is approved: `auto` signs an EIP-2612 permit only when the allowance is short. */
export type PermitMode = "auto" | "always" | "never";

/** Parameters of {@link registerProvider}. */
export interface RegisterProviderParameters {
  /** WireGuard endpoint clients connect to, `"host:port"`. */
  endpoint: string;
  /** The gateway's WireGuard public key (base64, or bytes32 hex). */
  wgPublicKey: string;
  /** ISO 3166-1 alpha-2 region, e.g. `"DE"`. */
  region: string;
  /** Price per GiB (2^30 bytes) in the payment token's smallest unit, at most 2^64 − 1. */
  pricePerGiB: bigint;
  /** Price per minute in the payment token's smallest unit, at most 2^64 − 1. */
  pricePerMinute: bigint;
  /** Most sessions open at once (≥ 1). */
  maxSessions: number;
  /** Stake in protocol-token wei (≥ the registry's minStake). */
  stake: bigint;
  /** Default `auto`: permit only when the registry's allowance is below `stake`. */
  permit?: PermitMode;
}

/** What {@link registerProvider} returns: the transaction, its receipt and the decoded result. */
export type RegisterProviderReturnType = WriteResult & { provider: Address; stake: bigint };

/**
 * Registers the client's account as a provider and stakes the protocol token, with an
 * EIP-2612 permit when the allowance is short (one transaction, no approval needed).
 * @param client a DvpnClient (or context) with an account.
 * @param params the provider's profile, prices and stake.
 * @returns the transaction, its receipt and the registered stake.
 * @throws {InvalidInputError} before sending, on a malformed endpoint, key, region or amount.
 * @throws {ContractRevertError} e.g. `RegistryStakeBelowMinimum`.
 * @example
 * await registerProvider(client, {
 *   endpoint: "vpn.example.org:51820", wgPublicKey: keys.publicKey, region: "DE",
 *   pricePerGiB: 50_000n, pricePerMinute: 100n, maxSessions: 50, stake: parseUnits("1000", 18),
 * })
 */
export async function registerProvider(
  client: DvpnContext,
  params: RegisterProviderParameters,
): Promise<RegisterProviderReturnType> {
  const endpoint = checkEndpoint(params.endpoint);
  const wgKey = checkWgKey(params.wgPublicKey);
  const region = checkRegion(params.region);
  const pricePerGiB = checkUint(params.pricePerGiB, "pricePerGiB", 64);
  const pricePerMinute = checkUint(params.pricePerMinute, "pricePerMinute", 64);
  const maxSessions = checkUint(params.maxSessions, "maxSessions", 32, 1n);
  const stake = checkUint(params.stake, "stake", 128, 1n);
  const { account } = requireWallet(client, "registerProvider");
  const { token, registry } = addresses(client);
  const base = [endpoint, wgKey, region, pricePerGiB, pricePerMinute, Number(maxSessions), stake] as const;

  const mode = params.permit ?? "auto";
  const usePermit =
    mode === "always" ||
    (mode === "auto" && (await allowanceOf(client, { token, owner: account.address, spender: registry })) < stake);
  let result: WriteResult;
  if (usePermit) {
    const p = await signPermit(client, { token, spender: registry, value: stake });
    result = await writeAndWait(client, {
      address: registry,
      abi: providerRegistryAbi,
      functionName: "registerWithPermit",
      args: [...base, p.deadline, p.v, p.r, p.s],
    });
  } else {
    result = await writeAndWait(client, {
      address: registry,
      abi: providerRegistryAbi,
      functionName: "register",
      args: base,
    });
  }
  const event = findEvent<{ provider: Address; stake: bigint }>({
    abi: providerRegistryAbi,
    logs: result.receipt.logs,
    eventName: "ProviderRegistered",
    address: registry,
    hash: result.hash,
    action: "registerProvider",
  });
  return { ...result, provider: event.provider, stake: event.stake };
}
