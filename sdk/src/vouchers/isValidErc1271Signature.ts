import { encodeFunctionData, type Address, type Hex, type PublicClient } from "viem";

/** `IERC1271.isValidSignature(bytes32,bytes)`, the only function this check calls. */
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

/** The answer that means "valid": the selector of `isValidSignature`, as a left-aligned 32-byte word. */
const MAGIC_WORD = `0x1626ba7e${"0".repeat(56)}`;

/**
 * Whether contract account `signer` accepts `signature` for `hash`, exactly as OpenZeppelin's
 * `SignatureChecker.isValidERC1271SignatureNow` (which the escrow asks after an ECDSA mismatch)
 * decides: the call, sent from `caller`, succeeds and its answer's first 32-byte word is the
 * selector `0x1626ba7e` padded with zeros. An account without code (an EOA) answers nothing: false.
 * An EOA that delegated under EIP-7702 answers through its delegate's code. False on any error,
 * a failed call included.
 * @param client a viem public client of the chain.
 * @param params the signer, the digest, the signature and (optionally) who asks, by default nobody (the zero address).
 * @returns true when the account accepts the signature.
 * @example await isValidErc1271Signature(publicClient, { signer: wallet, hash: digest, signature, caller: escrow })
 */
export async function isValidErc1271Signature(
  client: Pick<PublicClient, "call">,
  params: { signer: Address; hash: Hex; signature: Hex; caller?: Address },
): Promise<boolean> {
  try {
    const data = encodeFunctionData({
      abi: erc1271Abi,
      functionName: "isValidSignature",
      args: [params.hash, params.signature],
    });
    const { data: answer } = await client.call({
      to: params.signer,
      data,
      ...(params.caller ? { account: params.caller } : {}),
    });
    return answer !== undefined && answer.length >= 66 && answer.slice(0, 66).toLowerCase() === MAGIC_WORD;
  } catch {
    return false;
  }
}
