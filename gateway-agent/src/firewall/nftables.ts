/**
 * The agent's own nftables table, kept like the peers: created at start, compared with what
 * the kernel holds on every reconcile pass (one `nft -t list table`), replaced atomically when
 * it drifted or the configuration changed, and deleted only by {@link Firewall.remove}
 * (uninstall). Nothing outside the table is read or changed. Forwarding is switched on with
 * sysctl (IPv6 only when the pool has IPv6). Every command is an argument array; the script
 * goes in on stdin. With `netns` everything runs inside that namespace.
 */
import { createHash } from "node:crypto";
import { WgCommandError } from "../errors.ts";
import { runCommand, type Runner } from "../wireguard/exec.ts";
import { renderTable, tableName, type FirewallSpec } from "./render.ts";

/** Parameters of {@link createFirewall}. */
export interface FirewallParams extends Omit<FirewallSpec, "table" | "tag"> {
  /** Network namespace of the interface; unset: this one. */
  netns?: string;
  run?: Runner;
  log: { info(o: object, m: string): void; warn(o: object, m: string): void };
}

/** The table's owner. */
export interface Firewall {
  readonly table: string;
  /** The script the table is built from. */
  readonly script: string;
  /** Enables forwarding, creates or repairs the table; returns whether it was (re)written. */
  ensure(): Promise<boolean>;
  /** Deletes the table (uninstall); forwarding is left as it is. */
  remove(): Promise<void>;
}

/** Creates the firewall owner; nothing runs until {@link Firewall.ensure}. */
export function createFirewall(params: FirewallParams): Firewall {
  const exec = params.run ?? runCommand;
  const run = (cmd: string, args: string[], stdin?: string) => {
    const [c, a] = params.netns ? ["ip", ["netns", "exec", params.netns, cmd, ...args]] : [cmd, args];
    return exec(c as string, a as string[], stdin === undefined ? {} : { stdin });
  };
  const table = tableName(params.iface);
  const base: Omit<FirewallSpec, "tag"> = { ...params, table };
  const tag = createHash("sha256")
    .update(renderTable({ ...base, tag: "" }))
    .digest("hex")
    .slice(0, 16);
  const script = renderTable({ ...base, tag });
  let applied: string | undefined;
  let forwarding = false;

  const list = () => run("nft", ["-t", "list", "table", "inet", table]).catch(() => undefined);

  async function enableForwarding(): Promise<void> {
    const keys = ["net.ipv4.ip_forward=1"];
    if (params.pool6) keys.push("net.ipv6.conf.all.forwarding=1");
    await run("sysctl", ["-q", "-w", ...keys]);
    forwarding = true;
  }

  return {
    table,
    script,
    async ensure() {
      if (!forwarding) await enableForwarding();
      const current = await list();
      if (current !== undefined && current === applied) return false;
      if (current !== undefined && applied === undefined && current.includes(`(${tag})`)) {
        // Ours, from a previous run with the same configuration: adopt it (keeps rate state).
        applied = current;
        return false;
      }
      try {
        await run("nft", ["-f", "-"], script);
      } catch (err) {
        throw new WgCommandError(
          `nft refused the agent's table ${table} (is the nftables package installed?): ${(err as Error).message}`,
          { cause: err },
        );
      }
      applied = await list();
      params.log[current === undefined ? "info" : "warn"](
        { table, reason: current === undefined ? "missing" : "drifted or configuration changed" },
        "nftables table written",
      );
      return true;
    },
    async remove() {
      await run("nft", ["delete", "table", "inet", table]).catch(() => undefined);
      applied = undefined;
    },
  };
}
