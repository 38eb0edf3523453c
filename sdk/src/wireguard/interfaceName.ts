/**
 * A Linux network interface name that is also safe as one `wg`/`ip`/`nft` argument: 1–15
 * characters (IFNAMSIZ - 1) of A-Z a-z 0-9 _ . = + -, not starting with `-` (which a command
 * would read as an option).
 * @example INTERFACE_NAME.test("dvpn0") // true
 */
export const INTERFACE_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.=+-]{0,14}$/;

/**
 * Whether `name` is a valid, argument-safe interface name ({@link INTERFACE_NAME}).
 * @param name the candidate.
 * @returns true when it may name an interface in a command's arguments.
 * @example isInterfaceName("-dvpn") // false
 */
export function isInterfaceName(name: unknown): name is string {
  return typeof name === "string" && INTERFACE_NAME.test(name);
}
