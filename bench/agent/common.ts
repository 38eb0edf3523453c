/**
 * What the agent benchmark's parts share: a namespace for an in-process agent, a silent agent
 * logger and how samples are reduced.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pino from "pino";
import type { GatewayAgent } from "../../gateway-agent/src/agent.ts";
import { createNetLab, suffix, type NetLab } from "../../gateway-agent/src/testing/netns.ts";

/** The agent's logger in the benchmark: silent, so logging costs nothing measurable. */
export const silent = pino({ level: "silent" });

/** The lower median of `xs` (0 for none). */
export const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? (s[Math.floor((s.length - 1) / 2)] ?? 0) : 0;
};

/** The `p` quantile of `xs` (0 ≤ p ≤ 1; 0 for none). */
export const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? (s[Math.min(s.length - 1, Math.floor(p * s.length))] ?? 0) : 0;
};

/** Rounds to one decimal. */
export const round = (x: number) => Math.round(x * 10) / 10;

/** Median, min and max of measured runs. */
export interface Spread {
  median: number;
  min: number;
  max: number;
}

/** The {@link Spread} of `xs`. */
export const spread = (xs: number[]): Spread => ({ median: median(xs), min: Math.min(...xs), max: Math.max(...xs) });

/** A network namespace, an interface name and a state folder for one in-process agent. */
export interface AgentBenchLab {
  lab: NetLab;
  /** The agent's state folder. */
  dir: string;
  /** Names with a random suffix, so parallel runs do not collide. */
  ns: string;
  iface: string;
  /** Destroys `agent`'s interface, stops it, removes the namespace, the control socket and the folder. */
  close(agent: GatewayAgent | undefined): Promise<void>;
}

/** Makes the names and the folder (the namespace is added by the caller with `lab.addNs(ns)`). */
export function createAgentBenchLab(prefix: { ns: string; iface: string; dir: string }): AgentBenchLab {
  const lab = createNetLab();
  const dir = mkdtempSync(join(tmpdir(), prefix.dir));
  const sfx = suffix();
  const iface = `${prefix.iface}${sfx}`;
  return {
    lab,
    dir,
    ns: `${prefix.ns}${sfx}`,
    iface,
    async close(agent) {
      await agent?.backend.destroy().catch(() => undefined);
      await agent?.stop().catch(() => undefined);
      await lab.cleanup();
      rmSync(`/var/run/wireguard/${iface}.sock`, { force: true });
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
