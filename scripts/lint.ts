/**
 * `npm run lint`: formatting (prettier, TypeScript and Solidity) and Solidity lint (solhint).
 * Fix formatting with `npm run format`.
 */
import { spawnSync } from "node:child_process";

const checks: [string, string[]][] = [
  ["prettier", ["--check", "--log-level=warn", "."]],
  ["solhint", ["--max-warnings", "0", "contracts/**/*.sol"]],
];
let failed = false;
for (const [cmd, args] of checks) {
  const r = spawnSync(cmd, args, { stdio: "inherit" });
  if (r.status !== 0) {
    console.error(`lint: ${cmd} found problems${cmd === "prettier" ? " (run `npm run format`)" : ""}`);
    failed = true;
  }
}
process.exit(failed ? 1 : 0);
