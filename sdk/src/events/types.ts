/** The raw shapes of event reading: logs and blocks as the node returns them, and the calls that read them. */

/** A raw eth_getLogs entry (hex quantities as the node returns them). */
export interface RawLog {
  address: string;
  topics: string[];
  data: string;
  blockNumber: string;
  blockHash: string;
  blockTimestamp?: string;
  transactionHash: string;
  logIndex: string;
  removed?: boolean;
}

/** A block header as the readers need it. */
export interface RpcBlock {
  number: number;
  hash: string;
  parentHash: string;
  timestamp: number;
}

/**
 * An eth_getLogs topic filter: per position a topic, any of several (array), or any (null).
 * @example [[openedSelector, closedSelector], null, providerTopic]
 */
export type LogTopics = (string | string[] | null)[];

/** One eth_getLogs filter: a block range, or one block by hash. */
export type LogFilter = { address: string[]; topics?: LogTopics } & (
  { fromBlock: number; toBlock: number } | { blockHash: string }
);

/** The two calls event reading makes; {@link createLogRpc} gives them on a viem client. */
export interface LogRpc {
  /** eth_getLogs once, without retries (the caller splits ranges on errors). */
  getLogsOnce(filter: LogFilter): Promise<RawLog[]>;
  /** A block by number; undefined when the chain is shorter. */
  getBlock(number: number): Promise<RpcBlock | undefined>;
}
