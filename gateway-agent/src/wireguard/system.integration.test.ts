/**
 * The system backend's choice between kernel WireGuard and wireguard-go, in a network namespace
 * the test creates and removes. Where the kernel module is missing, the backend says so once
 * (one log line, one `ip link add … type wireguard` attempt) and uses wireguard-go, also when it
 * later recreates the interface after wireguard-go exited. Where the module is present, the
 * kernel path is used and nothing is said. Skips, saying why, without root, /dev/net/tun or
 * wireguard-go.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  createNetLab,
  dataPlaneUnavailable,
  freeUdpPort,
  suffix,
  wireguardGoPids,
  type NetLab,
} from "../testing/netns.ts";
import { runCommand, type Runner } from "./exec.ts";
import { createSystemBackend } from "./system.ts";
import type { WgBackend } from "./backend.ts";

const why = dataPlaneUnavailable();
if (why) console.log(`# kernel/userspace choice test skipped: ${why}`);

const tag = suffix();
const ns = `dvpnkm${tag}`;
const iface = `wgkm${tag}`;
let lab: NetLab;
let dir: string;
let backend: WgBackend | undefined;
const said: string[] = [];
let kernelAttempts = 0;

before(async () => {
  if (why) return;
  lab = createNetLab();
  dir = mkdtempSync(join(tmpdir(), "dvpn-kmod-"));
  await lab.addNs(ns);
  const keyFile = join(dir, "wg.key");
  writeFileSync(keyFile, `${(await runCommand("wg", ["genkey"])).trim()}\n`, { mode: 0o600 });
  const run: Runner = (cmd, args, options) => {
    if (cmd === "ip" && args.includes("add") && args.at(-1) === "wireguard") kernelAttempts++;
    return runCommand(cmd, args, options);
  };
  const log = {
    info: (_: object, m: string) => void said.push(m),
    warn: (_: object, m: string) => void said.push(m),
    error: (_: object, m: string) => void said.push(m),
  };
  backend = createSystemBackend({
    iface,
    privateKeyFile: keyFile,
    listenPort: await freeUdpPort(),
    addresses: ["10.99.0.1/24"],
    prefer: "auto",
    wireguardGo: "wireguard-go",
    runDir: dir,
    netns: ns,
    log,
    run,
  });
});

after(async () => {
  await backend?.destroy().catch(() => undefined);
  await lab?.cleanup();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const linkExists = () =>
  runCommand("ip", ["-n", ns, "link", "show", "dev", iface]).then(
    () => true,
    () => false,
  );

test(
  "no kernel module: said once, wireguard-go used, also when the interface is recreated",
  { skip: why },
  async () => {
    const first = await backend!.ensureInterface();
    assert.equal(first.created, true);
    const noKmod = "no kernel WireGuard; using wireguard-go";
    if (first.mode === "kernel") {
      // The module is present here: the kernel path is taken and nothing is said.
      assert.equal(backend!.mode(), "kernel");
      assert.ok(!said.includes(noKmod), said.join("; "));
      return;
    }
    assert.equal(first.mode, "userspace");
    assert.deepEqual(
      said.filter((m) => m === noKmod),
      [noKmod],
    );
    assert.equal(kernelAttempts, 1);
    // wireguard-go exits (as in a crash): the tun device goes, the backend says it is down.
    const down = new Promise<void>((resolve) => backend!.onDown(resolve));
    const pids = wireguardGoPids(iface);
    assert.ok(pids.length > 0, "wireguard-go runs for the interface");
    for (const pid of pids) process.kill(pid, "SIGTERM");
    await down;
    for (let i = 0; i < 200 && (await linkExists()); i++) await new Promise((r) => setTimeout(r, 50));
    assert.equal(await linkExists(), false, "the interface went with wireguard-go");
    const again = await backend!.ensureInterface();
    assert.equal(again.created, true);
    assert.equal(again.mode, "userspace");
    assert.equal(kernelAttempts, 1, "the kernel module is not asked for again");
    assert.equal(said.filter((m) => m === noKmod).length, 1, said.join("; "));
  },
);
