/**
 * The data-plane benchmark's measurements: one discarded warm-up run per configuration, then
 * rounds of baseline, both tunnel configurations (their order alternating by round, so slow drift
 * of a shared machine favours neither) and, in full runs, the baseline again.
 */
import type { DataplaneConfig } from "./config.ts";
import type { ConfigName, DataplaneLab, Measured } from "./lab.ts";

/** Runs the warm-up and the measured rounds in `lab`; returns every measured run by configuration. */
export async function measureRounds(
  lab: DataplaneLab,
  config: DataplaneConfig,
  log: (line: string) => void,
): Promise<Record<ConfigName, Measured[]>> {
  log(`warm-up: one ${config.warmup} s run per configuration (discarded)`);
  for (const name of ["noTunnel", "tunnel1Peer", "tunnelManyPeers"] as const)
    await lab.measure(name, config.warmup, 0, -1);

  const runs: Record<ConfigName, Measured[]> = { noTunnel: [], tunnel1Peer: [], tunnelManyPeers: [] };
  for (let round = 0; round < config.rounds; round++) {
    const tunnels: ConfigName[] =
      round % 2 === 0 ? ["tunnelManyPeers", "tunnel1Peer"] : ["tunnel1Peer", "tunnelManyPeers"];
    const order: ConfigName[] = [
      "noTunnel",
      ...tunnels,
      ...(config.baselinesPerRound > 1 ? ["noTunnel" as const] : []),
    ];
    for (const name of order) {
      const m = await lab.measure(name, config.duration, config.omit, round);
      runs[name].push(m);
      log(`round ${round + 1}/${config.rounds} ${name}: ${m.mbps.toFixed(0)} Mbit/s`);
    }
  }
  return runs;
}
