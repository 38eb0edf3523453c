/**
 * The provider columns an `ExitPolicyUpdated` event sets: the published text and its port lists
 * as `[[from, to], …]`, which the feed's `allowsPort` / `deniesPort` filters read in SQL. The
 * registry has checked the grammar and the ports, so the port lists always parse; address
 * ranges stay in the text (the feed reports whether they are well formed).
 */
import { exitPolicyFields, parsePortList, type PortRange } from "../../../sdk/src/exitPolicy/exitPolicy.ts";

const pairs = (list: PortRange[]) => list.map((r) => [r.from, r.to]);

/** Columns for a published policy. */
export function exitPolicyColumns(policy: string): {
  exitPolicy: string;
  exitDenyPorts: number[][];
  exitAllowPorts: number[][];
} {
  const lists = exitPolicyFields(policy);
  const ports = (key: string) => {
    try {
      return pairs(parsePortList(key, lists.get(key) ?? ""));
    } catch {
      return []; // not reached for a policy the registry accepted
    }
  };
  return { exitPolicy: policy, exitDenyPorts: ports("deny-ports"), exitAllowPorts: ports("allow-ports") };
}
