/**
 * DNS for `dvpn connect --up` without resolvconf: the resolver file is pointed at the provider's
 * resolver on the tunnel gateway, after the file as it was (a file, a symbolic link such as
 * systemd-resolved's, or none) is kept beside the connection state; `dvpn disconnect`, the end
 * of a run, or the next command after a crash puts it back. The resolver file is
 * `$DVPN_RESOLV_CONF` when set, else `/etc/netns/<name>/resolv.conf` inside a named network
 * namespace (what `ip netns exec` shows its processes), else `/etc/resolv.conf`. Every write is a
 * new file renamed over the old one (in place only where the file is a mount point, as in
 * containers), so a crash never leaves half a file.
 */
import { execFile } from "node:child_process";
import {
  chmodSync,
  lstatSync,
  mkdirSync,
  readFileSync,
  readlinkSync,
  renameSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { dirname, join } from "node:path";
import { promisify } from "node:util";
import { z } from "zod";

const run = promisify(execFile);

const savedSchema = z.object({
  path: z.string(),
  kind: z.enum(["file", "symlink", "absent"]),
  content: z.string().optional(),
  target: z.string().optional(),
  mode: z.number().int().optional(),
  /** What dvpn wrote, so a file changed since by someone else is reported. */
  written: z.string(),
});

/** The resolver file as it was before `connect --up` changed it. */
export type SavedResolver = z.infer<typeof savedSchema>;

/**
 * Where the resolver backup lives: beside the connection state file.
 * @param statePath the connection state file.
 * @returns the backup's path.
 */
export const resolverBackupPath = (statePath: string) => join(dirname(statePath), "resolv.conf.saved.json");

/**
 * The resolver file this process's programs read.
 * @param env the environment (`DVPN_RESOLV_CONF` overrides).
 * @returns its path.
 */
export async function resolverFile(env: NodeJS.ProcessEnv): Promise<string> {
  if (env.DVPN_RESOLV_CONF) return env.DVPN_RESOLV_CONF;
  const name = await run("ip", ["netns", "identify"]).then(
    (r) => r.stdout.trim().split("\n")[0] ?? "",
    () => "",
  );
  return /^[A-Za-z0-9_.-]{1,64}$/.test(name) ? `/etc/netns/${name}/resolv.conf` : "/etc/resolv.conf";
}

function writeAtomically(path: string, text: string, mode: number): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.dvpn-${process.pid}.tmp`;
  writeFileSync(tmp, text, { mode });
  chmodSync(tmp, mode);
  try {
    renameSync(tmp, path);
  } catch (err) {
    rmSync(tmp, { force: true });
    // A bind-mounted file (containers) cannot be replaced, only rewritten.
    if ((err as NodeJS.ErrnoException).code !== "EBUSY") throw err;
    writeFileSync(path, text);
  }
}

function snapshot(path: string): Omit<SavedResolver, "written"> {
  let st;
  try {
    st = lstatSync(path);
  } catch {
    return { path, kind: "absent" };
  }
  if (st.isSymbolicLink()) return { path, kind: "symlink", target: readlinkSync(path) };
  return { path, kind: "file", content: readFileSync(path, "utf8"), mode: st.mode & 0o777 };
}

/**
 * The text dvpn writes.
 * @param servers the resolvers' addresses.
 * @param backup where the previous file is kept.
 * @returns the file's text.
 */
export function resolverText(servers: readonly string[], backup: string): string {
  return [
    "# Written by `dvpn connect --up`: DNS goes through the tunnel to the provider's resolver.",
    `# \`dvpn disconnect\` puts the previous file back (kept in ${backup}).`,
    ...servers.map((s) => `nameserver ${s}`),
    "",
  ].join("\n");
}

/**
 * Points the resolver file at `servers`, keeping the current file first (unless a backup of an
 * earlier run is still there: that one is the user's own and is kept).
 * @param p the resolver file, the servers and the backup's path.
 * @returns the resolver file.
 */
export function pointResolverAt(p: { file: string; servers: readonly string[]; backup: string }): string {
  const text = resolverText(p.servers, p.backup);
  let saved = readSavedResolver(p.backup);
  if (!saved || saved.path !== p.file) {
    saved = { ...snapshot(p.file), written: text };
  } else saved.written = text;
  mkdirSync(dirname(p.backup), { recursive: true, mode: 0o700 });
  writeAtomically(p.backup, JSON.stringify(saved, null, 2) + "\n", 0o600);
  writeAtomically(p.file, text, 0o644);
  return p.file;
}

/**
 * The kept resolver file, or undefined when there is none.
 * @param backup the backup's path.
 * @returns what was kept.
 */
export function readSavedResolver(backup: string): SavedResolver | undefined {
  let text: string;
  try {
    text = readFileSync(backup, "utf8");
  } catch {
    return undefined;
  }
  const parsed = savedSchema.safeParse(JSON.parse(text));
  if (!parsed.success) throw new Error(`${backup} is not a saved resolver file; remove it`);
  return parsed.data;
}

/**
 * Puts the kept resolver file back (the file, the link, or no file) and removes the backup.
 * @param backup the backup's path.
 * @returns what was restored and whether the file had been changed by someone else meanwhile
 *   (it is restored all the same), or undefined when nothing was kept.
 */
export function restoreResolver(backup: string): { path: string; changedMeanwhile: boolean } | undefined {
  const saved = readSavedResolver(backup);
  if (!saved) return undefined;
  let current: string | undefined;
  try {
    current = readFileSync(saved.path, "utf8");
  } catch {
    current = undefined;
  }
  const changedMeanwhile = current !== saved.written;
  if (saved.kind === "file") writeAtomically(saved.path, saved.content ?? "", saved.mode ?? 0o644);
  else if (saved.kind === "absent") rmSync(saved.path, { force: true });
  else {
    const tmp = `${saved.path}.dvpn-${process.pid}.link`;
    rmSync(tmp, { force: true });
    symlinkSync(saved.target!, tmp);
    renameSync(tmp, saved.path);
  }
  rmSync(backup, { force: true });
  return { path: saved.path, changedMeanwhile };
}
