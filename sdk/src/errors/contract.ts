import { BaseError as ViemBaseError, ContractFunctionRevertedError, hexToString, type Hex } from "viem";
import { DvpnError } from "./base.ts";

const STATUS = ["None", "Pending", "Active", "Closing", "Closed"] as const;
const PROPOSAL_STATES = ["Pending", "Active", "Canceled", "Defeated", "Succeeded", "Queued", "Expired", "Executed"];

const time = (t: unknown) => new Date(Number(t) * 1000).toISOString().replace(".000Z", "Z");
const name32 = (h: unknown) => {
  try {
    return hexToString(h as Hex, { size: 32 }).replace(/\0+$/, "");
  } catch {
    return String(h);
  }
};
const region = (h: unknown) => {
  try {
    return JSON.stringify(hexToString(h as Hex, { size: 2 }));
  } catch {
    return String(h);
  }
};
const statesOf = (bitmap: unknown) => {
  const bits = BigInt(bitmap as Hex);
  return PROPOSAL_STATES.filter((_, i) => (bits >> BigInt(i)) & 1n).join(" or ");
};

type Args = readonly unknown[];

/** One human line per custom error of the protocol's contracts (and the OpenZeppelin errors they bubble up). */
const MESSAGES: Record<string, (a: Args) => string> = {
  // ProviderRegistry
  RegistryUnauthorized: (a) => `${a[0]} is not allowed to call this registry function`,
  RegistryAlreadyRegistered: (a) => `${a[0]} is already a registered provider`,
  RegistryNotRegistered: (a) => `${a[0]} is not a registered provider`,
  RegistryInvalidEndpoint: (a) => `endpoint ${JSON.stringify(a[0])} is not a "host:port" of 3-255 bytes`,
  RegistryInvalidWgKey: () => "the WireGuard public key is zero",
  RegistryInvalidRegion: (a) => `region ${region(a[0])} is not two upper-case letters (ISO 3166-1 alpha-2)`,
  RegistryInvalidCapacity: (a) => `maxSessions ${a[0]} must be at least 1`,
  RegistryInvalidAmount: (a) => `amount ${a[0]} must be above zero`,
  RegistryStakeBelowMinimum: (a) => `stake ${a[0]} is below the minimum stake ${a[1]}`,
  RegistryInsufficientStake: (a) => `cannot unstake ${a[0]}: the stake is only ${a[1]}`,
  RegistryOpenSessions: (a) => `provider ${a[0]} still has ${a[1]} open session(s)`,
  RegistryUnbondingNotOver: (a) => `unbonding ends at ${time(a[0])} (now ${time(a[1])})`,
  RegistryNothingToWithdraw: (a) => `${a[0]} has no unbonding stake to withdraw`,
  RegistrySlashTooLarge: (a) => `slash of ${a[0]} is above the maximum ${a[1]} allowed per call`,
  RegistryInvalidBeneficiary: () => "the slash beneficiary is the zero address",
  RegistryProviderUnavailable: (a) =>
    `provider ${a[0]} is not available (unregistered, paused, under-staked, stale heartbeat or full)`,
  RegistryAlreadyPaused: (a) => `provider ${a[0]} is already paused`,
  RegistryNotPaused: (a) => `provider ${a[0]} is not paused`,
  RegistryParameterOutOfBounds: (a) => `${name32(a[0])} ${a[1]} is outside its bounds [${a[2]}, ${a[3]}]`,
  RegistryEscrowAlreadyBound: () => "the registry's escrow is already bound",
  RegistryInvalidEscrow: () => "the escrow address is zero",
  // SessionEscrow
  EscrowUnauthorized: (a) => `${a[0]} is not allowed to do this on the session`,
  EscrowUnknownSession: (a) => `session ${a[0]} does not exist`,
  EscrowInvalidStatus: (a) => `session ${a[0]} is ${STATUS[Number(a[1])] ?? a[1]}, which does not allow this`,
  EscrowInvalidWgKey: () => "the WireGuard public key is zero",
  EscrowInvalidDeposit: (a) => `deposit ${a[0]} must be above zero and below 2^96`,
  EscrowPriceAboveMaximum: (a) => `provider's price ${a[0]} is above your maximum ${a[1]}`,
  EscrowInvalidTunnelAddress: (a) => `tunnel address ${JSON.stringify(a[0])} must be 1-96 bytes`,
  EscrowAcceptDeadlinePassed: (a) => `session ${a[0]} can no longer be accepted (deadline ${time(a[1])})`,
  EscrowAcceptDeadlineNotReached: (a) =>
    `only the session's client may cancel session ${a[0]} before its accept deadline ${time(a[1])}`,
  EscrowSettlementWindowOver: (a) => `the settlement window of session ${a[0]} closed at ${time(a[1])}`,
  EscrowSettlementWindowOpen: (a) => `session ${a[0]} can be finalized only after ${time(a[1])}`,
  EscrowStaleVoucher: (a) =>
    `voucher (${a[1]} bytes, ${a[2]} s) for session ${a[0]} is not above the last claim (${a[3]} bytes, ${a[4]} s)`,
  EscrowInvalidSignature: (a) => `the voucher signature is not the session ${a[0]} signer's`,
  EscrowParameterOutOfBounds: (a) => `${name32(a[0])} ${a[1]} is outside its bounds [${a[2]}, ${a[3]}]`,
  EscrowInvalidTreasury: () => "the treasury is the zero address",
  // Governance
  GovernorSettingOutOfBounds: (a) => `${name32(a[0])} ${a[1]} is outside its bounds [${a[2]}, ${a[3]}]`,
  GovernorAlreadyCastVote: (a) => `${a[0]} already voted on this proposal`,
  GovernorAlreadyQueuedProposal: (a) => `proposal ${a[0]} is already queued`,
  GovernorInsufficientProposerVotes: (a) => `${a[0]} has ${a[1]} votes, below the proposal threshold ${a[2]}`,
  GovernorInvalidProposalLength: (a) => `proposal has ${a[0]} targets, ${a[1]} calldatas and ${a[2]} values`,
  GovernorInvalidVoteType: () => "vote must be against (0), for (1) or abstain (2)",
  GovernorNonexistentProposal: (a) => `proposal ${a[0]} does not exist`,
  GovernorNotQueuedProposal: (a) => `proposal ${a[0]} is not queued`,
  GovernorOnlyExecutor: (a) => `${a[0]} is not the governance executor`,
  GovernorRestrictedProposer: (a) => `${a[0]} may not propose this`,
  GovernorUnexpectedProposalState: (a) =>
    `proposal ${a[0]} is ${PROPOSAL_STATES[Number(a[1])] ?? a[1]}, expected ${statesOf(a[2])}`,
  TimelockDelayOutOfBounds: (a) => `timelock delay ${a[0]} is above the maximum ${a[1]}`,
  TimelockInsufficientDelay: (a) => `timelock delay ${a[0]} is below the minimum ${a[1]}`,
  TimelockUnexpectedOperationState: (a) => `timelock operation ${a[0]} is not in the expected state`,
  TimelockUnauthorizedCaller: (a) => `${a[0]} may not call the timelock`,
  AccessControlUnauthorizedAccount: (a) => `${a[0]} lacks role ${a[1]}`,
  // Tokens
  ERC20InsufficientBalance: (a) => `token balance ${a[1]} of ${a[0]} is below the ${a[2]} needed`,
  ERC20InsufficientAllowance: (a) => `allowance ${a[1]} for ${a[0]} is below the ${a[2]} needed`,
  ERC2612ExpiredSignature: (a) => `the permit expired at ${time(a[0])}`,
  ERC2612InvalidSigner: (a) => `the permit was signed by ${a[0]}, not the owner ${a[1]}`,
  InvalidAccountNonce: (a) => `nonce of ${a[0]} is ${a[1]}`,
  SafeERC20FailedOperation: (a) => `token transfer failed on ${a[0]}`,
  ReentrancyGuardReentrantCall: () => "reentrant call",
};

/**
 * A contract call reverted with a custom error of the protocol (or one of the OpenZeppelin
 * errors it bubbles up). `errorName` and `args` are decoded from the revert data;
 * `shortMessage` says it in words, e.g. "provider's price 60000 is above your maximum 50000".
 *
 * @example
 * catch (e) {
 *   if (e instanceof ContractRevertError && e.errorName === "EscrowPriceAboveMaximum") { const [price, max] = e.args }
 * }
 */
export class ContractRevertError extends DvpnError {
  override name = "ContractRevertError";
  /** The Solidity custom error's name, e.g. `EscrowPriceAboveMaximum` (`undefined` for a bare revert). */
  errorName: string | undefined;
  /** The error's decoded arguments, in declaration order. */
  args: readonly unknown[];
  /** The function that reverted. */
  functionName: string;

  /** @param params decoded revert and the call it came from. */
  constructor(params: {
    errorName: string | undefined;
    args: readonly unknown[];
    functionName: string;
    reason?: string | undefined;
    cause?: unknown;
  }) {
    const human = params.errorName ? MESSAGES[params.errorName]?.(params.args) : undefined;
    const short =
      human ??
      (params.errorName
        ? `${params.errorName}(${params.args.map(String).join(", ")})`
        : (params.reason ?? "the transaction reverted"));
    super(`${params.functionName}: ${short}`, {
      cause: params.cause,
      details: params.errorName ? `${params.errorName}(${params.args.map(String).join(", ")})` : params.reason,
    });
    this.errorName = params.errorName;
    this.args = params.args;
    this.functionName = params.functionName;
  }
}

/** A request to the chain failed for a reason other than a revert (connection, gas, nonce...). */
export class ChainRequestError extends DvpnError {
  override name = "ChainRequestError";
  /** @param params what was being done and the underlying error. */
  constructor(params: { action: string; cause: unknown }) {
    const inner =
      params.cause instanceof ViemBaseError
        ? params.cause.shortMessage
        : params.cause instanceof Error
          ? params.cause.message
          : String(params.cause);
    super(`${params.action} failed: ${inner.split("\n")[0]}`, { cause: params.cause });
  }
}

/** A mined transaction reverted without decodable data, or an expected event was missing. */
export class TransactionFailedError extends DvpnError {
  override name = "TransactionFailedError";
  /** The transaction hash. */
  hash: Hex;
  /** @param params the action, the hash and what went wrong. */
  constructor(params: { action: string; hash: Hex; reason: string }) {
    super(`${params.action}: ${params.reason} (transaction ${params.hash})`);
    this.hash = params.hash;
  }
}

/**
 * Turns any error from a contract read or write into a {@link DvpnError}: reverts become
 * {@link ContractRevertError}, everything else a {@link ChainRequestError}. DvpnErrors pass through.
 * @param err the caught error.
 * @param functionName the contract function that was called.
 * @returns a DvpnError to throw.
 * @example try { await publicClient.readContract(call) } catch (e) { throw toDvpnError(e, "getProvider") }
 */
export function toDvpnError(err: unknown, functionName: string): DvpnError {
  if (err instanceof DvpnError) return err;
  if (err instanceof ViemBaseError) {
    const revert = err.walk((e) => e instanceof ContractFunctionRevertedError);
    if (revert instanceof ContractFunctionRevertedError) {
      return new ContractRevertError({
        errorName: revert.data?.errorName === "Error" ? undefined : revert.data?.errorName,
        args: revert.data?.errorName === "Error" ? [] : (revert.data?.args ?? []),
        functionName,
        reason: revert.reason ?? revert.shortMessage,
        cause: err,
      });
    }
  }
  return new ChainRequestError({ action: functionName, cause: err });
}
