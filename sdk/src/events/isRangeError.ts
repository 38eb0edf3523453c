/**
 * True for errors that mean "ask for fewer blocks" rather than "try again later": viem's
 * ResponseBodyTooLargeError and the range and result-count limits nodes and RPC providers answer
 * with, anywhere in the error's cause chain.
 * @example isRangeError(new Error("query returned more than 10000 results")) // true
 */
export function isRangeError(error: unknown): boolean {
  let e = error as { name?: string; message?: string; details?: string; cause?: unknown } | undefined;
  for (let depth = 0; e && depth < 6; depth++) {
    if (e.name === "ResponseBodyTooLargeError") return true;
    const text = `${e.message ?? ""} ${e.details ?? ""}`.toLowerCase();
    if (
      /response body too large|too large|block range|range (is )?too|exceed|limit|too many|query returned more than|response size|max(imum)? .*results/.test(
        text,
      )
    ) {
      return true;
    }
    e = e.cause as typeof e;
  }
  return false;
}
