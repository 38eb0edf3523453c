import type { Command } from "../command.ts";
import balance from "./balance.ts";
import params from "./params.ts";
import connect from "./connect.ts";
import disconnect from "./disconnect.ts";
import status from "./status.ts";
import unlock from "./unlock.ts";
import govDelegate from "./gov-delegate.ts";
import govExecute from "./gov-execute.ts";
import govProposals from "./gov-proposals.ts";
import govPropose from "./gov-propose.ts";
import govQueue from "./gov-queue.ts";
import govVote from "./gov-vote.ts";
import providerHeartbeat from "./provider-heartbeat.ts";
import providerInit from "./provider-init.ts";
import providerPause from "./provider-pause.ts";
import providerRegister from "./provider-register.ts";
import providerStake from "./provider-stake.ts";
import providerStatus from "./provider-status.ts";
import providerUnpause from "./provider-unpause.ts";
import providerUnstake from "./provider-unstake.ts";
import providerUpdate from "./provider-update.ts";
import providerExitPolicy from "./provider-exit-policy.ts";
import providerTransport from "./provider-transport.ts";
import providerWithdraw from "./provider-withdraw.ts";
import providers from "./providers.ts";
import sessionClose from "./session-close.ts";
import sessionFinalize from "./session-finalize.ts";
import sessionList from "./session-list.ts";
import sessionStatus from "./session-status.ts";

/** Every command, in the order --help lists them. */
export const COMMANDS: readonly Command[] = [
  providers,
  connect,
  status,
  disconnect,
  unlock,
  providerInit,
  providerRegister,
  providerUpdate,
  providerExitPolicy,
  providerTransport,
  providerStake,
  providerUnstake,
  providerWithdraw,
  providerPause,
  providerUnpause,
  providerHeartbeat,
  providerStatus,
  sessionList,
  sessionStatus,
  sessionClose,
  sessionFinalize,
  govProposals,
  govPropose,
  govVote,
  govQueue,
  govExecute,
  govDelegate,
  params,
  balance,
] as unknown as readonly Command[];
