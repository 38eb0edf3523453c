/**
 * A proposal's actions in words: each call decoded against the protocol's ABIs, governable
 * parameters with their unit and hard bounds ("protocol fee → 3 % (bounds 0–10 %, now 2.5 %)"),
 * slashes and token transfers spelled out; anything else as `Contract.function(args)`.
 */
import { decodeFunctionData, maxUint256, type Abi, type Address, type Hex } from "viem";
import {
  dvpnGovernorAbi,
  dvpnTimelockAbi,
  dvpnTokenAbi,
  providerRegistryAbi,
  sessionEscrowAbi,
} from "../../../sdk/src/abi/index.ts";
import { GOVERNABLE_PARAMETERS } from "../../../sdk/src/actions/governance/buildParameterChange.ts";
import type { ExplorerConfig } from "./app.ts";
import { amount, bps, formatDuration, shortAddress } from "./format.ts";

const ABIS: Record<string, Abi> = {
  ProviderRegistry: providerRegistryAbi,
  SessionEscrow: sessionEscrowAbi,
  DVPNGovernor: dvpnGovernorAbi,
  DVPNTimelock: dvpnTimelockAbi,
  DVPNToken: dvpnTokenAbi,
  PaymentToken: dvpnTokenAbi,
};

const LABELS: Record<string, string> = {
  minStake: "minimum stake",
  unbondingPeriod: "unbonding period",
  heartbeatTimeout: "heartbeat timeout",
  maxSlashBps: "maximum slash per vote",
  protocolFeeBps: "protocol fee",
  acceptTimeout: "accept timeout",
  settlementWindow: "settlement window",
  treasury: "treasury",
  votingDelay: "voting delay",
  votingPeriod: "voting period",
  proposalThreshold: "proposal threshold",
  quorumNumerator: "quorum",
  timelockDelay: "timelock delay",
};

/** The current parameters (the feed's `parameters`), to say what a change changes from. */
export type CurrentParameters = Partial<Record<string, string | number>>;

/** Formats a governable parameter's value in its unit. */
export function formatParameter(name: string, value: bigint | string | number, config: ExplorerConfig): string {
  if (name === "treasury") return String(value);
  const v = BigInt(value);
  if (name.endsWith("Bps")) return bps(v);
  if (name === "quorumNumerator") return `${v} % of the supply`;
  if (name === "minStake" || name === "proposalThreshold") return amount(v, config.token);
  return formatDuration(Number(v));
}

/** One action in words. */
export function describeAction(
  action: { target: Address; value?: bigint | undefined; data: Hex },
  config: ExplorerConfig,
  current: CurrentParameters = {},
): string {
  const entry = Object.entries(config.deployment.contracts).find(
    ([, c]) => c.address.toLowerCase() === action.target.toLowerCase(),
  );
  const name = entry?.[0];
  const abi = name ? ABIS[name] : undefined;
  if (!name || !abi) return `call ${shortAddress(action.target)} with ${(action.data.length - 2) / 2} bytes of data`;
  let fn: string;
  let args: readonly unknown[];
  try {
    const d = decodeFunctionData({ abi, data: action.data });
    fn = d.functionName;
    args = d.args ?? [];
  } catch {
    return `call ${name} with data it does not recognise (${action.data.slice(0, 10)})`;
  }
  const param = Object.entries(GOVERNABLE_PARAMETERS).find(([, s]) => s.contract === name && s.setter === fn);
  if (param) {
    const [pname, spec] = param;
    const to = formatParameter(pname, args[0] as bigint, config);
    const bounds =
      spec.min === undefined
        ? ""
        : spec.max === maxUint256
          ? `at least ${formatParameter(pname, spec.min, config)}`
          : `bounds ${formatParameter(pname, spec.min, config)} – ${formatParameter(pname, spec.max, config)}`;
    const now = current[pname] !== undefined ? `now ${formatParameter(pname, current[pname]!, config)}` : "";
    const extra = [bounds, now].filter(Boolean).join(", ");
    return `${LABELS[pname] ?? pname} → ${to}${extra ? ` (${extra})` : ""}`;
  }
  if (name === "ProviderRegistry" && fn === "slash") {
    const [provider, amt, to] = args as [Address, bigint, Address];
    return `slash ${provider} by ${amount(amt, config.token)} to ${to}`;
  }
  if ((name === "DVPNToken" || name === "PaymentToken") && fn === "transfer") {
    const [to, amt] = args as [Address, bigint];
    return `transfer ${amount(amt, name === "DVPNToken" ? config.token : config.paymentToken)} to ${to}`;
  }
  const shown = args.map((a) => (typeof a === "bigint" ? a.toString() : String(a))).join(", ");
  return `${name}.${fn}(${shown})${(action.value ?? 0n) > 0n ? ` with ${action.value} wei` : ""}`;
}
