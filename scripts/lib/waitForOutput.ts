/**
 * Waits until a child process prints `text` on its stdout, so a server started as a child is known
 * to listen before it is used.
 */
import type { ChildProcess } from "node:child_process";

/**
 * Resolves once `child`'s stdout contains `text`; rejects when the child exits first or after
 * `timeoutMs`, naming `what`.
 */
export function waitForOutput(child: ChildProcess, text: string, what: string, timeoutMs = 10_000): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`${what} did not start within ${Math.round(timeoutMs / 1000)} s`)),
      timeoutMs,
    );
    child.stdout?.on("data", (d: Buffer) => {
      if (d.toString().includes(text)) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`${what} exited (${code})`));
    });
  });
}
