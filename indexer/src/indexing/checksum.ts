import { getAddress, type Address } from "viem";

/** Checksummed addresses by the form they were asked in; cleared when it grows past this. */
const MAX_CACHED = 100_000;
const cache = new Map<string, Address>();

/**
 * The EIP-55 checksummed form of an address (throws on a malformed one), cached: events repeat
 * the same few addresses, and viem's own cache costs more per hit than this plain map.
 */
export function checksum(address: string): Address {
  let c = cache.get(address);
  if (c === undefined) {
    c = getAddress(address);
    if (cache.size >= MAX_CACHED) cache.clear();
    cache.set(address, c);
  }
  return c;
}
