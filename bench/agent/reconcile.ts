/**
 * Reconcile at scale: a real wireguard-go interface in a network namespace of its own and `n`
 * live sessions in the agent's store: time and `wg`/`ip` calls for the first fill, a steady-state
 * pass (nothing to change), passes repairing a diff of 1 and of 100 peers (half missing, half
 * unknown; median, min and max of several runs after a warm-up), a pass repairing 1 % drift, and
 * a full restore after wireguard-go is killed.
 */
import { join } from "node:path";
import { readFileSync } from "node:fs";
import { randomBytes } from "node:crypto";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { createGatewayAgent, type GatewayAgent } from "../../gateway-agent/src/agent.ts";
import { addressesOf, parsePool } from "../../gateway-agent/src/addresses/pool.ts";
import { openStore, newSessionRecord } from "../../gateway-agent/src/store/store.ts";
import { createMockChain } from "../../gateway-agent/src/testing/mockChain.ts";
import { runCommand } from "../../gateway-agent/src/wireguard/exec.ts";
import { ensureKeyFile } from "../../gateway-agent/src/wireguard/keyfile.ts";
import { createAgentBenchLab, median, round, silent, spread, type Spread } from "./common.ts";

/** Reconcile figures at one size. */
export interface ScalePoint {
  peers: number;
  fill: { ms: number; wgCalls: number };
  steady: { ms: number; wgCalls: number };
  drift1pct: { ms: number; wgCalls: number; repaired: number };
  restoreAfterWireguardGoKilled: { ms: number; wgCalls: number };
  /** Interface at `peers`, then `diff` peers out of line: median, min and max over `runs` after a warm-up. */
  diffs: DiffPoint[];
}

/** Passes repairing a diff of `diff` peers. */
export interface DiffPoint {
  diff: number;
  /** Peers the pass had to add (taken off the interface behind its back) and remove (strays put on it). */
  added: number;
  removed: number;
  runs: number;
  ms: Spread & { values: number[] };
  wgCalls: Spread;
}

const DIFFS = [1, 100];

/**
 * Reconcile figures for `n` live sessions on a real wireguard-go interface in a namespace; each
 * diff is repaired `diffRuns` times after one warm-up pass.
 */
export async function reconcileAtScale(n: number, diffRuns: number): Promise<ScalePoint> {
  const { lab, dir, ns, iface, close } = createAgentBenchLab({ ns: "dvbn", iface: "dvbr", dir: "agent-bench-" });
  let agent: GatewayAgent | undefined;
  try {
    await lab.addNs(ns);
    const layout = parsePool("10.200.0.0/16", "fd77:dead:beef::/64");
    const store = openStore(join(dir, "agent.sqlite"));
    store.transaction(() => {
      for (let i = 0; i < n; i++) {
        const a = addressesOf(layout, i + 2);
        const s = newSessionRecord({
          id: BigInt(i + 1),
          client: "0x0000000000000000000000000000000000000001",
          signer: "0x0000000000000000000000000000000000000001",
          wgKey: randomBytes(32).toString("base64"),
          deposit: 10n ** 12n,
          pricePerGiB: 1n,
          pricePerMinute: 0n,
          feeBps: 0,
          acceptDeadline: 0,
          openedAt: 0,
          status: "active",
        });
        store.put({
          ...s,
          addrIndex: a.index,
          tunnelAddress: a.tunnelAddress,
          allowedIps: a.allowedIps,
          acceptedAt: Math.floor(Date.now() / 1000),
        });
        store.putAddress({ index: a.index, sessionId: String(i + 1), releasedAt: 0 });
      }
    });
    store.close();
    const provider = privateKeyToAccount(generatePrivateKey());
    agent = createGatewayAgent(
      {
        rpcUrl: "http://127.0.0.1:1",
        deployment: {
          chainId: 31337,
          startBlock: 1,
          contracts: { ProviderRegistry: { address: provider.address }, SessionEscrow: { address: provider.address } },
        },
        privateKey: generatePrivateKey(),
        dataDir: dir,
        interface: iface,
        netns: ns,
        wgListenPort: 51820,
        backend: "userspace",
        ipv4Pool: "10.200.0.0/16",
        ipv6Pool: "fd77:dead:beef::/64",
        lagToleranceBytes: String(1n << 60n),
        lagToleranceSeconds: String(1n << 40n),
        idleTimeoutSeconds: 0,
      },
      { chain: createMockChain(provider.address, () => Math.floor(Date.now() / 1000)), logger: silent },
    );
    const backend = agent.backend;
    ensureKeyFile(join(dir, "wg.key"));
    await backend.ensureInterface();
    const measure = async () => {
      const calls = backend.calls();
      const t = performance.now();
      const r = await agent!.reconcile();
      return { ms: round(performance.now() - t), wgCalls: backend.calls() - calls, r };
    };
    const fill = await measure();
    const steadyRuns = [await measure(), await measure(), await measure()];
    const steady = { ms: median(steadyRuns.map((s) => s.ms)), wgCalls: median(steadyRuns.map((s) => s.wgCalls)) };
    const dump = await runCommand("wg", ["show", iface, "dump"]);
    const keys = dump
      .trim()
      .split("\n")
      .slice(1)
      .map((l) => l.split("\t")[0] ?? "");
    // Diff of k: ceil(k/2) of its own peers taken off the interface (the pass re-adds them) and
    // floor(k/2) unknown peers put on it (the pass removes them); a diff of 1 is one missing peer.
    const diffs: DiffPoint[] = [];
    for (const k of DIFFS) {
      const toAdd = Math.ceil(k / 2);
      const toRemove = Math.floor(k / 2);
      const runs: { ms: number; wgCalls: number }[] = [];
      for (let run = 0; run <= diffRuns; run++) {
        const missing = keys.slice(0, toAdd); // re-added by each pass, so free to take again
        const strays = Array.from({ length: toRemove }, (_, i) => [
          "peer",
          randomBytes(32).toString("base64"),
          "allowed-ips",
          `10.250.${Math.floor(i / 250)}.${(i % 250) + 1}/32`,
        ]).flat();
        await runCommand("wg", ["set", iface, ...missing.flatMap((key) => ["peer", key, "remove"]), ...strays]);
        const m = await measure();
        if (m.r.added !== toAdd || m.r.removed !== toRemove)
          throw new Error(`diff ${k}: added ${m.r.added}/${toAdd}, removed ${m.r.removed}/${toRemove}`);
        if (run > 0) runs.push({ ms: m.ms, wgCalls: m.wgCalls }); // run 0 is the warm-up
      }
      const ms = runs.map((x) => x.ms);
      diffs.push({
        diff: k,
        added: toAdd,
        removed: toRemove,
        runs: runs.length,
        ms: { ...spread(ms), values: ms },
        wgCalls: spread(runs.map((x) => x.wgCalls)),
      });
    }
    const drop = keys.slice(0, Math.max(1, Math.floor(n / 100)));
    await runCommand("wg", ["set", iface, ...drop.flatMap((k) => ["peer", k, "remove"])]);
    const drift = await measure();
    const pid = Number(readFileSync(join(dir, `wireguard-go.${iface}.pid`), "utf8").trim());
    process.kill(pid, "SIGKILL");
    for (let i = 0; i < 100; i++) {
      try {
        await runCommand("wg", ["show", iface, "dump"]);
        await new Promise((r) => setTimeout(r, 20));
      } catch {
        break;
      }
    }
    const restore = await measure();
    const peersAfter = (await runCommand("wg", ["show", iface, "dump"])).trim().split("\n").length - 1;
    if (peersAfter !== n) throw new Error(`restore left ${peersAfter} of ${n} peers`);
    return {
      peers: n,
      fill: { ms: fill.ms, wgCalls: fill.wgCalls },
      steady,
      drift1pct: { ms: drift.ms, wgCalls: drift.wgCalls, repaired: drift.r.added },
      restoreAfterWireguardGoKilled: { ms: restore.ms, wgCalls: restore.wgCalls },
      diffs,
    };
  } finally {
    await close(agent);
  }
}
