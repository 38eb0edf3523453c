import type { ContractErrorArgs, ContractErrorName } from "viem";
import type {
  dvpnGovernorAbi,
  dvpnTimelockAbi,
  dvpnTokenAbi,
  providerRegistryAbi,
  sessionEscrowAbi,
} from "../abi/index.ts";
import { ContractRevertError } from "./contract.ts";

/** Every custom error of the protocol's contracts, as one ABI type. */
type ProtocolErrorsAbi = [
  ...typeof providerRegistryAbi,
  ...typeof sessionEscrowAbi,
  ...typeof dvpnGovernorAbi,
  ...typeof dvpnTimelockAbi,
  ...typeof dvpnTokenAbi,
];

/** The name of a custom error any protocol contract can revert with, e.g. `"EscrowPriceAboveMaximum"`. */
export type ProtocolErrorName = ContractErrorName<ProtocolErrorsAbi>;

/** A {@link ContractRevertError} narrowed to one custom error, with its arguments typed from the ABI. */
export type ProtocolRevert<N extends ProtocolErrorName> = ContractRevertError & {
  errorName: N;
  args: ContractErrorArgs<ProtocolErrorsAbi, N>;
};

/**
 * Whether `err` is (or wraps) a revert with the custom error `name`; narrows `args` to the
 * error's parameter types.
 * @param err anything caught.
 * @param name the custom error's name (autocompleted from the ABIs).
 * @returns true when it is that revert.
 * @example
 * catch (e) {
 *   if (isContractRevert(e, "EscrowPriceAboveMaximum")) { const [price, max] = e.args } // bigint, bigint
 * }
 */
export function isContractRevert<N extends ProtocolErrorName>(err: unknown, name: N): err is ProtocolRevert<N> {
  return err instanceof ContractRevertError && err.errorName === name;
}
