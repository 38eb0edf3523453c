import { hexToString, type Address, type Hex } from "viem";
import { providerRegistryAbi } from "../../abi/index.ts";
import type { DvpnContext } from "../../client/types.ts";
import { addresses } from "../../internal/contracts.ts";
import { checkAddress } from "../../internal/validate.ts";
import { read } from "../../internal/write.ts";
import { bytes32ToWgKey } from "../../wireguard/keys.ts";

/** Parameters of {@link getProvider}. */
export interface GetProviderParameters {
  /** The provider's address. */
  provider: Address;
}

/** A provider's on-chain record (`ProviderRegistry.getProvider`), with the region and key decoded. */
export interface ProviderRecord {
  address: Address;
  registered: boolean;
  paused: boolean;
  stake: bigint;
  unbonding: bigint;
  /** Unix time the unbonding stake can be withdrawn (0 when none). */
  unbondingEnd: number;
  /** Unix time of the last heartbeat. */
  lastHeartbeat: number;
  activeSessions: number;
  maxSessions: number;
  pricePerGiB: bigint;
  pricePerMinute: bigint;
  /** ISO 3166-1 alpha-2, e.g. "DE" ("" when unregistered). */
  region: string;
  /** The region as the contract's `bytes2`. */
  regionBytes: Hex;
  /** WireGuard public key as bytes32. */
  wgPublicKey: Hex;
  /** WireGuard public key in base64 (WireGuard's notation); "" when unregistered (no key). */
  wgPublicKeyBase64: string;
  endpoint: string;
}

/**
 * Reads a provider's record.
 * @param client a DvpnClient.
 * @param params the provider's address.
 * @returns the record (an unregistered address returns `registered: false` and zeros).
 * @example const p = await getProvider(client, { provider: "0x…" }); console.log(p.region, p.pricePerGiB)
 */
export async function getProvider(client: DvpnContext, params: GetProviderParameters): Promise<ProviderRecord> {
  const provider = checkAddress(params.provider, "provider");
  const info = await read(client.publicClient, {
    address: addresses(client).registry,
    abi: providerRegistryAbi,
    functionName: "getProvider",
    args: [provider],
  });
  return {
    address: provider,
    registered: info.registered,
    paused: info.paused,
    stake: info.stake,
    unbonding: info.unbonding,
    unbondingEnd: Number(info.unbondingEnd),
    lastHeartbeat: Number(info.lastHeartbeat),
    activeSessions: Number(info.activeSessions),
    maxSessions: Number(info.maxSessions),
    pricePerGiB: info.pricePerGiB,
    pricePerMinute: info.pricePerMinute,
    region: info.region === "0x0000" ? "" : hexToString(info.region, { size: 2 }),
    regionBytes: info.region,
    wgPublicKey: info.wgPublicKey,
    wgPublicKeyBase64: /^0x0{64}$/.test(info.wgPublicKey) ? "" : bytes32ToWgKey(info.wgPublicKey),
    endpoint: info.endpoint,
  };
}
