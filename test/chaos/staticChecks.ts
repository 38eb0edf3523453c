/**
 * Static checks of the chaos suite: solhint over the contracts (the project's own rule set,
 * which `npm test` enforces, and solhint's stock `recommended` set without our overrides, whose
 * findings docs/security.md explains rule by rule) and `npm audit` of the production
 * dependencies. Each result says honestly when a check could not run.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const root = join(import.meta.dirname, "../..");

/** solhint findings counted by rule. */
export interface SolhintResult {
  ran: boolean;
  error?: string;
  errors: number;
  warnings: number;
  byRule: Record<string, number>;
}

/** The protocol's own contracts (the attack and test contracts under contracts/test are left out of the stock run). */
const PROTOCOL_GLOB = "contracts/{*.sol,governance/*.sol,interfaces/*.sol,mocks/*.sol}";

function solhint(args: string[]): SolhintResult {
  const r = spawnSync("solhint", ["-f", "json", ...args], { cwd: root, encoding: "utf8", maxBuffer: 64 << 20 });
  if (r.error) return { ran: false, error: r.error.message, errors: 0, warnings: 0, byRule: {} };
  let items: { ruleId?: string; severity?: string }[];
  try {
    items = JSON.parse(r.stdout || "[]") as typeof items;
  } catch {
    return { ran: false, error: (r.stderr || r.stdout).slice(0, 300), errors: 0, warnings: 0, byRule: {} };
  }
  const out: SolhintResult = { ran: true, errors: 0, warnings: 0, byRule: {} };
  for (const item of items) {
    if (!item.ruleId) continue;
    out.byRule[item.ruleId] = (out.byRule[item.ruleId] ?? 0) + 1;
    if (item.severity === "Error") out.errors++;
    else out.warnings++;
  }
  return out;
}

/** solhint with the project's .solhint.json over every contract (what `npm test` enforces). */
export function solhintProject(): SolhintResult {
  return solhint(["contracts/**/*.sol"]);
}

/** solhint with the stock `solhint:recommended` rules, none of our overrides, over the protocol contracts. */
export function solhintStock(): SolhintResult {
  const dir = mkdtempSync(join(tmpdir(), "dvpn-solhint-"));
  try {
    const config = join(dir, "solhint.json");
    writeFileSync(config, JSON.stringify({ extends: "solhint:recommended" }));
    return solhint(["-c", config, PROTOCOL_GLOB]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** npm audit of the production dependencies. */
export interface AuditResult {
  ran: boolean;
  /** Why it did not run (e.g. the registry refused the audit endpoint). */
  error?: string;
  vulnerabilities?: Record<string, number>;
  /** Production packages installed (from `npm ls`), audited or not. */
  productionPackages: number;
}

/** Runs `npm audit --omit=dev --json` and reads its verdict. */
export function npmAudit(): AuditResult {
  const ls = spawnSync("npm", ["ls", "--omit=dev", "--all", "--parseable"], {
    cwd: root,
    encoding: "utf8",
    maxBuffer: 64 << 20,
  });
  const productionPackages = Math.max(0, new Set(ls.stdout.split("\n").filter(Boolean)).size - 1);
  const r = spawnSync("npm", ["audit", "--omit=dev", "--json"], {
    cwd: root,
    encoding: "utf8",
    timeout: 120_000,
    maxBuffer: 64 << 20,
  });
  let body: {
    message?: string;
    statusCode?: number;
    error?: unknown;
    metadata?: { vulnerabilities?: Record<string, number> };
  };
  try {
    body = JSON.parse(r.stdout) as typeof body;
  } catch {
    return { ran: false, error: (r.stderr || "no output").split("\n")[0], productionPackages };
  }
  if (body.metadata?.vulnerabilities) {
    return { ran: true, vulnerabilities: body.metadata.vulnerabilities, productionPackages };
  }
  return {
    ran: false,
    error: `audit endpoint unreachable: ${body.message ?? `status ${body.statusCode ?? "unknown"}`}`,
    productionPackages,
  };
}
