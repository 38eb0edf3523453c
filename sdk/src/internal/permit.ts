import { parseSignature, type Address, type Hex } from "viem";
import { dvpnTokenAbi } from "../abi/index.ts";
import type { DvpnContext } from "../client/types.ts";
import { toDvpnError } from "../errors/contract.ts";
import { read, requireWallet, writeAndWait } from "./write.ts";

/** The EIP-712 types of an EIP-2612 permit (OpenZeppelin's ERC20Permit). */
export const PERMIT_TYPES = {
  Permit: [
    { name: "owner", type: "address" },
    { name: "spender", type: "address" },
    { name: "value", type: "uint256" },
    { name: "nonce", type: "uint256" },
    { name: "deadline", type: "uint256" },
  ],
} as const;

/** An EIP-2612 permit signature split the way the contracts take it. */
export interface PermitSignature {
  deadline: bigint;
  v: number;
  r: Hex;
  s: Hex;
}

/**
 * Signs an EIP-2612 permit on `token` letting `spender` take `value` from the client's
 * account. The domain comes from the token's ERC-5267 `eip712Domain()`, the nonce from `nonces`.
 */
export async function signPermit(
  client: DvpnContext,
  params: { token: Address; spender: Address; value: bigint; deadline?: bigint },
): Promise<PermitSignature> {
  const { walletClient, account } = requireWallet(client, "permit");
  let deadline = params.deadline;
  if (deadline === undefined) {
    // One hour of chain time (a local chain's clock may run ahead of the wall clock).
    const block = await client.publicClient.getBlock().catch((e: unknown) => {
      throw toDvpnError(e, "getBlock");
    });
    deadline = block.timestamp + 3600n;
  }
  let domain;
  try {
    ({ domain } = await client.publicClient.getEip712Domain({ address: params.token }));
  } catch (err) {
    throw toDvpnError(err, "eip712Domain");
  }
  const nonce = await read(client.publicClient, {
    address: params.token,
    abi: dvpnTokenAbi,
    functionName: "nonces",
    args: [account.address],
  });
  const signature = await walletClient.signTypedData({
    account,
    domain: {
      name: domain.name,
      version: domain.version,
      chainId: Number(domain.chainId),
      verifyingContract: domain.verifyingContract,
    },
    types: PERMIT_TYPES,
    primaryType: "Permit",
    message: { owner: account.address, spender: params.spender, value: params.value, nonce, deadline },
  });
  const { r, s, v, yParity } = parseSignature(signature);
  return { deadline, r, s, v: v !== undefined ? Number(v) : yParity + 27 };
}

/** The account's allowance of `token` to `spender`. */
export async function allowanceOf(
  client: DvpnContext,
  params: { token: Address; owner: Address; spender: Address },
): Promise<bigint> {
  return read(client.publicClient, {
    address: params.token,
    abi: dvpnTokenAbi,
    functionName: "allowance",
    args: [params.owner, params.spender],
  });
}

/**
 * Sends `approve(spender, amount)` on `token` when the account's allowance is below `amount`
 * (for calls that have no permit variant, such as `addStake`).
 * @returns the approval's hash, or `undefined` when none was needed.
 */
export async function ensureAllowance(
  client: DvpnContext,
  params: { token: Address; spender: Address; amount: bigint },
): Promise<Hex | undefined> {
  const { account } = requireWallet(client, "approve");
  const current = await allowanceOf(client, { token: params.token, owner: account.address, spender: params.spender });
  if (current >= params.amount) return undefined;
  const { hash } = await writeAndWait(client, {
    address: params.token,
    abi: dvpnTokenAbi,
    functionName: "approve",
    args: [params.spender, params.amount],
  });
  return hash;
}
