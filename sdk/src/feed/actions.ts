import type { DvpnContext } from "../client/types.ts";

/** Feed queries bound to a client (filled in by the feed client). */
export function feedActions(_c: DvpnContext) {
  return {};
}
