/**
 * IPv4 addresses as unsigned 32-bit integers, for pool and range arithmetic (plain numbers, not
 * JavaScript's signed 32-bit bitwise operators). No validation: pass addresses that `ipVersion`
 * accepts as version 4.
 */

/**
 * The address as an integer.
 * @param ip a dotted IPv4 address.
 * @returns its value, 0 to 2^32 − 1.
 * @example ipv4ToInt("10.77.0.2") // 172818434
 */
export function ipv4ToInt(ip: string): number {
  return ip.split(".").reduce((acc, o) => acc * 256 + Number(o), 0);
}

/**
 * The dotted address of an integer.
 * @param n a value from 0 to 2^32 − 1.
 * @returns the address.
 * @example intToIpv4(172818433) // "10.77.0.1"
 */
export function intToIpv4(n: number): string {
  return [24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join(".");
}
