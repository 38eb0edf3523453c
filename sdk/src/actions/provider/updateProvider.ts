import { providerRegistryAbi } from "../../abi/index.ts";
import type { DvpnContext, WriteResult } from "../../client/types.ts";
import { addresses } from "../../internal/contracts.ts";
import { checkEndpoint, checkRegion, checkUint, checkWgKey } from "../../internal/validate.ts";
import { requireWallet, writeAndWait } from "../../internal/write.ts";
import { getProvider } from "../read/getProvider.ts";

/** Parameters of {@link updateProvider}. */
export interface UpdateProviderParameters {
  /** New `"host:port"`; unchanged when omitted. */
  endpoint?: string;
  /** New WireGuard public key (base64 or bytes32 hex); unchanged when omitted. */
  wgPublicKey?: string;
  /** New ISO 3166-1 alpha-2 region; unchanged when omitted. */
  region?: string;
  /** New capacity (≥ 1); unchanged when omitted. */
  maxSessions?: number;
}

/**
 * Changes the client's endpoint, WireGuard key, region or capacity. Fields left out keep
 * their current on-chain values.
 * @param client a DvpnClient with an account.
 * @param params the fields to change.
 * @returns the transaction and its receipt.
 * @example await updateProvider(client, { endpoint: "vpn2.example.org:51820" })
 */
export async function updateProvider(client: DvpnContext, params: UpdateProviderParameters): Promise<WriteResult> {
  const endpoint = params.endpoint !== undefined ? checkEndpoint(params.endpoint) : undefined;
  const wgKey = params.wgPublicKey !== undefined ? checkWgKey(params.wgPublicKey) : undefined;
  const region = params.region !== undefined ? checkRegion(params.region) : undefined;
  const maxSessions =
    params.maxSessions !== undefined ? Number(checkUint(params.maxSessions, "maxSessions", 32, 1n)) : undefined;
  const { account } = requireWallet(client, "updateProvider");
  const current = await getProvider(client, { provider: account.address });
  const { registry } = addresses(client);
  return writeAndWait(client, {
    address: registry,
    abi: providerRegistryAbi,
    functionName: "update",
    args: [
      endpoint ?? current.endpoint,
      wgKey ?? current.wgPublicKey,
      region ?? current.regionBytes,
      maxSessions ?? current.maxSessions,
    ],
  });
}
