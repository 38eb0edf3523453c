import { providerRegistryAbi } from "../../abi/index.ts";
import type { DvpnContext, WriteResult } from "../../client/types.ts";
import { addresses } from "../../internal/contracts.ts";
import { writeAndWait } from "../../internal/write.ts";
import { formatExitPolicy, parseExitPolicy, type ExitPolicy } from "../../exitPolicy/exitPolicy.ts";

/** Parameters of {@link setExitPolicy}. */
export interface SetExitPolicyParameters {
  /** The policy, as an object or in its published form (`"deny-ports=25;deny-ranges=10.0.0.0/8"`; `""` clears it). */
  policy: ExitPolicy | string;
}

/**
 * Publishes the caller's exit policy in the registry (`ProviderRegistry.setExitPolicy`), where
 * the feed and clients read it. The policy is checked first (addresses included), so a bad one
 * costs no gas.
 * @param client a DvpnClient with a registered provider's account.
 * @param params the policy.
 * @returns the transaction and its receipt.
 * @throws InvalidInputError when the policy is malformed or longer than 512 bytes.
 * @example await setExitPolicy(client, { policy: "deny-ports=25;deny-ranges=10.0.0.0/8" })
 */
export async function setExitPolicy(client: DvpnContext, params: SetExitPolicyParameters): Promise<WriteResult> {
  const text = typeof params.policy === "string" ? params.policy : formatExitPolicy(params.policy);
  parseExitPolicy(text);
  return writeAndWait(client, {
    address: addresses(client).registry,
    abi: providerRegistryAbi,
    functionName: "setExitPolicy",
    args: [text],
  });
}
