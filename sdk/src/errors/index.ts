export { DvpnError, SDK_VERSION, type DvpnErrorOptions } from "./base.ts";
export { InvalidInputError, AccountRequiredError, FeedNotConfiguredError } from "./input.ts";
export { DeploymentNotFoundError, InvalidDeploymentError } from "./deployment.ts";
export { ContractRevertError, ChainRequestError, TransactionFailedError, toDvpnError } from "./contract.ts";
export { SessionNotAcceptedError } from "./session.ts";
export { FeedError } from "./feed.ts";
export { isContractRevert, type ProtocolErrorName, type ProtocolRevert } from "./isContractRevert.ts";
