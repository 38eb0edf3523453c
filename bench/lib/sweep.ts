/**
 * Removes what a killed data-plane run left behind: the network namespaces, host veth and
 * WireGuard sockets of one topology tag (see scripts/lib/netns.ts for the names). Used by the
 * orchestrator after it had to kill a run that overran its budget.
 */
import { execFile } from "node:child_process";
import { existsSync, readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";

const exec = promisify(execFile);

/** Deletes namespaces `dvpn-<tag>-*` (killing their processes), link `dv<tag>h` and sockets `dv<tag>*`. */
export async function sweepTopology(tag: string): Promise<void> {
  if (!/^[a-z0-9]{1,8}$/.test(tag)) throw new Error(`bad topology tag ${tag}`);
  let names: string[] = [];
  try {
    names = (await exec("ip", ["netns", "list"])).stdout
      .split("\n")
      .map((l) => l.split(" ")[0] ?? "")
      .filter((n) => n.startsWith(`dvpn-${tag}-`));
  } catch {
    return; // no ip tool: nothing could have been created
  }
  for (const ns of names) {
    const pids = await exec("ip", ["netns", "pids", ns]).then(
      (r) => r.stdout.split(/\s+/).filter(Boolean),
      () => [],
    );
    for (const pid of pids) {
      try {
        process.kill(Number(pid), "SIGKILL");
      } catch {
        /* gone */
      }
    }
  }
  if (names.length) await new Promise((r) => setTimeout(r, 200));
  for (const ns of names) await exec("ip", ["netns", "del", ns]).catch(() => {});
  await exec("ip", ["link", "del", `dv${tag}h`]).catch(() => {});
  const dir = "/var/run/wireguard";
  for (const f of existsSync(dir) ? readdirSync(dir) : []) {
    if (f.startsWith(`dv${tag}`) && f.endsWith(".sock")) rmSync(join(dir, f), { force: true });
  }
}
