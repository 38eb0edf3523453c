/**
 * Polls `probe` every 250 ms until it returns a value, and throws once `timeoutMs` has passed
 * without one. Errors thrown by `probe` propagate at once.
 */
export async function waitFor<T>(probe: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms`);
    await new Promise((res) => setTimeout(res, 250));
  }
}
