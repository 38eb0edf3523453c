/**
 * A `fetch` that aborts a request still unanswered (headers and body) after `ms`, unless the
 * caller passes its own signal: a hung server fails the call instead of stalling it for good.
 */
export function timedFetch(ms: number): typeof fetch {
  return (input, init) => fetch(input, { ...init, signal: init?.signal ?? AbortSignal.timeout(ms) });
}
