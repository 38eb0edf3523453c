/**
 * `npm run lint`: formatting (prettier, TypeScript and Solidity), Solidity lint (solhint) and
 * TypeScript lint (ESLint with typescript-eslint and import-x, see eslint.config.ts: floating
 * promises, import cycles, `any`). The checks run side by side (ESLint, the slow one, builds the
 * TypeScript program on one core while prettier and solhint use the other).
 * Fix formatting with `npm run format`.
 */
import { spawn } from "node:child_process";

const checks: [string, string[]][] = [
  ["eslint", ["--max-warnings", "0", "."]],
  ["prettier", ["--check", "--log-level=warn", "."]],
  ["solhint", ["--max-warnings", "0", "contracts/**/*.sol"]],
];

function run(cmd: string, args: string[]): Promise<number | null> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { stdio: "inherit" });
    child.on("error", (err) => {
      console.error(`lint: cannot run ${cmd}: ${err.message}`);
      resolve(1);
    });
    child.on("exit", (code) => resolve(code));
  });
}

const started = Date.now();
const results = await Promise.all(checks.map(([cmd, args]) => run(cmd, args)));
let failed = false;
results.forEach((status, i) => {
  if (status === 0) return;
  const cmd = checks[i]![0];
  console.error(`lint: ${cmd} found problems${cmd === "prettier" ? " (run `npm run format`)" : ""}`);
  failed = true;
});
process.stderr.write(`lint: done in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
process.exit(failed ? 1 : 0);
