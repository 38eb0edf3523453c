/**
 * A section of the data-plane benchmark in a file of its own: it runs after the core rounds in
 * the same lab (and may add namespaces or processes of its own, registered with `shutdown`), and
 * its figures go into dataplane.json under its name. List it in `sections.ts`.
 */
import type { Shutdown } from "../../sdk/src/shutdown/createShutdown.ts";
import type { Series } from "../lib/series.ts";
import type { DataplaneConfig } from "./config.ts";
import type { DataplaneLab } from "./lab.ts";

/** What a section gets. */
export interface DataplaneSectionContext {
  /**
   * The lab, still up: `lab.measure("tunnel1Peer", …)` between the section's own runs gives it a
   * baseline measured in the same run, so it can publish ratios.
   */
  lab: DataplaneLab;
  config: DataplaneConfig;
  quick: boolean;
  /** Progress on stderr. */
  log(line: string): void;
  /** Closes what the section starts, in reverse order, also on failure or Ctrl-C. */
  shutdown: Shutdown;
}

/** A section's figures and, optionally, series to chart (see bench/README.md, "Series contract"). */
export interface DataplaneSectionResult {
  figures: Record<string, unknown>;
  series?: Series[];
}

/** A part of the data-plane benchmark. */
export interface DataplaneSection {
  /** Key of the section's figures in dataplane.json; must not be one of the core keys. */
  name: string;
  run(context: DataplaneSectionContext): Promise<DataplaneSectionResult>;
}
