/**
 * The exit policy and fair-sharing limits an operator chooses, parsed from config strings
 * ("25,465,6881-6889", "10.0.0.0/8,fc00::/7") into checked values. The grammar and the
 * published form are the SDK's (`sdk/src/exitPolicy`), shared with the registry, the feed and
 * the CLI; here a bad value becomes a {@link ConfigError} naming the option.
 */
import { InvalidInputError } from "../../../sdk/src/errors/input.ts";
import {
  formatExitPolicy,
  parseExitPolicy as parsePublished,
  parsePortList,
  parseRangeList,
  type ExitPolicy,
  type PortRange,
} from "../../../sdk/src/exitPolicy/exitPolicy.ts";
import { ConfigError } from "../errors.ts";

export { formatExitPolicy, type ExitPolicy, type PortRange };

/** Ports refused by default: SMTP submission to port 25 (the usual source of abuse complaints). */
export const DEFAULT_DENY_PORTS = "25";

/**
 * Destinations refused by default: the provider's own private networks, carrier-grade NAT,
 * link-local (cloud metadata services live at 169.254.169.254) and IPv6 unique/link-local.
 */
export const DEFAULT_DENY_RANGES =
  "10.0.0.0/8,172.16.0.0/12,192.168.0.0/16,100.64.0.0/10,169.254.0.0/16,fc00::/7,fe80::/10";

function asConfig<T>(parse: () => T): T {
  try {
    return parse();
  } catch (err) {
    if (err instanceof InvalidInputError) {
      // `invalid <field> <value>: <reason>` becomes the agent's `<field>: <value> <reason>`.
      const at = err.shortMessage.indexOf(`${err.value}: `);
      const reason = at < 0 ? err.shortMessage : err.shortMessage.slice(at + err.value.length + 2);
      throw new ConfigError(`${err.field}: ${err.value} ${reason}`, { cause: err });
    }
    throw err;
  }
}

/**
 * Parses a port list such as `"25,465,6881-6889"` (or a JSON array of the same).
 * @throws ConfigError naming `option` and the bad item.
 */
export const parsePorts = (option: string, value: string | string[] | number[]): PortRange[] =>
  asConfig(() => parsePortList(option, value));

/**
 * Parses an address-range list such as `"10.0.0.0/8,2001:db8::/32"`; a bare address is a /32 or /128.
 * @throws ConfigError naming `option` and the bad item.
 */
export const parseRanges = (option: string, value: string | string[]): string[] =>
  asConfig(() => parseRangeList(option, value));

/** Whether a range is IPv6. */
export const isV6 = (cidr: string) => cidr.includes(":");

/** Reads the published form back (the inverse of {@link formatExitPolicy}). @throws ConfigError */
export const parseExitPolicy = (text: string): ExitPolicy => asConfig(() => parsePublished(text));
