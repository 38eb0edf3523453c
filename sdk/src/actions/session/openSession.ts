import { zeroAddress, type Address } from "viem";
import { sessionEscrowAbi } from "../../abi/index.ts";
import type { DvpnContext, WriteResult } from "../../client/types.ts";
import { addresses } from "../../internal/contracts.ts";
import { allowanceOf, signPermit } from "../../internal/permit.ts";
import { checkAddress, checkUint, checkWgKey } from "../../internal/validate.ts";
import { findEvent, requireWallet, writeAndWait } from "../../internal/write.ts";
import type { PermitMode } from "../provider/registerProvider.ts";

/** Parameters of {@link openSession}. */
export interface OpenSessionParameters {
  /** The provider's address. */
  provider: Address;
  /** The client's WireGuard public key (base64, or bytes32 hex). */
  wgPublicKey: string;
  /** Address of the ephemeral key that signs vouchers; defaults to the client's account. */
  signer?: Address;
  /** Deposit in the payment token's smallest unit (0 < deposit < 2^96). */
  deposit: bigint;
  /** The call reverts (`EscrowPriceAboveMaximum`) if the provider's price per GiB is higher. */
  maxPricePerGiB: bigint;
  /** Likewise for the price per minute. */
  maxPricePerMinute: bigint;
  /** Default `auto`: sign an EIP-2612 permit only when the escrow's allowance is below `deposit`. */
  permit?: PermitMode;
}

/** What {@link openSession} returns: the transaction, its receipt and the decoded result. */
export type OpenSessionReturnType = WriteResult & {
  /** The new session's id, from the `SessionOpened` event. */
  sessionId: bigint;
  provider: Address;
  signer: Address;
  deposit: bigint;
  /** Prices snapshotted for the session. */
  pricePerGiB: bigint;
  pricePerMinute: bigint;
  feeBps: number;
  /** Unix time by which the provider must accept. */
  acceptDeadline: number;
};

/**
 * Opens a session with a provider and escrows the deposit, signing an EIP-2612 permit on
 * the payment token when needed (one transaction). Prices are snapshotted; the call fails
 * before sending if they are above your maxima.
 * @param client a DvpnClient with an account.
 * @param params provider, WireGuard key, voucher signer, deposit and price caps.
 * @returns the transaction and the session's id, prices and accept deadline.
 * @throws {InvalidInputError} before sending, on a malformed address, key or amount.
 * @throws {ContractRevertError} e.g. `EscrowPriceAboveMaximum`, `RegistryProviderUnavailable`.
 * @example
 * const signer = privateKeyToAccount(generatePrivateKey())
 * const { sessionId } = await openSession(client, {
 *   provider, wgPublicKey: keys.publicKey, signer: signer.address,
 *   deposit: 5_000_000n, maxPricePerGiB: 50_000n, maxPricePerMinute: 100n,
 * })
 */
export async function openSession(client: DvpnContext, params: OpenSessionParameters): Promise<OpenSessionReturnType> {
  const provider = checkAddress(params.provider, "provider");
  const wgKey = checkWgKey(params.wgPublicKey);
  const signer = params.signer === undefined ? zeroAddress : checkAddress(params.signer, "signer");
  const deposit = checkUint(params.deposit, "deposit", 96, 1n);
  const maxPricePerGiB = checkUint(params.maxPricePerGiB, "maxPricePerGiB", 96);
  const maxPricePerMinute = checkUint(params.maxPricePerMinute, "maxPricePerMinute", 96);
  const { account } = requireWallet(client, "openSession");
  const { paymentToken, escrow } = addresses(client);
  const base = [provider, wgKey, signer, deposit, maxPricePerGiB, maxPricePerMinute] as const;

  const mode = params.permit ?? "auto";
  const usePermit =
    mode === "always" ||
    (mode === "auto" &&
      (await allowanceOf(client, { token: paymentToken, owner: account.address, spender: escrow })) < deposit);
  let result: WriteResult;
  if (usePermit) {
    const p = await signPermit(client, { token: paymentToken, spender: escrow, value: deposit });
    result = await writeAndWait(client, {
      address: escrow,
      abi: sessionEscrowAbi,
      functionName: "openSessionWithPermit",
      args: [...base, p.deadline, p.v, p.r, p.s],
    });
  } else {
    result = await writeAndWait(client, {
      address: escrow,
      abi: sessionEscrowAbi,
      functionName: "openSession",
      args: base,
    });
  }
  const e = findEvent({
    abi: sessionEscrowAbi,
    logs: result.receipt.logs,
    eventName: "SessionOpened",
    address: escrow,
    hash: result.hash,
    action: "openSession",
  });
  return {
    ...result,
    sessionId: e.sessionId,
    provider: e.provider,
    signer: e.signer,
    deposit: e.deposit,
    pricePerGiB: e.pricePerGiB,
    pricePerMinute: e.pricePerMinute,
    feeBps: Number(e.feeBps),
    acceptDeadline: Number(e.acceptDeadline),
  };
}
