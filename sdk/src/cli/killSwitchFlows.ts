import { lookup } from "node:dns/promises";
import { isIP } from "node:net";
import type { AllowedFlow } from "./killSwitch.ts";

/**
 * The IP addresses of a host name or address (brackets of an IPv6 literal removed).
 * @param host the host.
 * @returns its addresses, resolved now.
 */
export async function addressesOf(host: string): Promise<string[]> {
  const bare = host.replace(/^\[|\]$/g, "");
  if (isIP(bare)) return [bare];
  return (await lookup(bare, { all: true })).map((a) => a.address);
}

/**
 * What the kill switch lets out besides the tunnel: the WireGuard flow to the provider's endpoint
 * (UDP; TCP when it is an obfuscated transport's, see `endpointProtocol`), the chain's JSON-RPC endpoint (TCP) and any other URL given (the indexer's feed, so a
 * failover can pick the next provider while no tunnel is up), resolved now, before the switch closes.
 * @param endpoint the provider's "host:port".
 * @param rpcUrl the JSON-RPC URL.
 * @param otherUrls more HTTP(S) URLs to allow (e.g. the feed).
 * @param endpointProtocol the endpoint's protocol (default udp: WireGuard itself).
 * @returns the flows.
 * @example await killSwitchFlows("203.0.113.5:51820", "https://rpc.example.org")
 */
export async function killSwitchFlows(
  endpoint: string | undefined,
  rpcUrl: string,
  otherUrls: string[] = [],
  endpointProtocol: AllowedFlow["protocol"] = "udp",
): Promise<AllowedFlow[]> {
  const colon = endpoint?.lastIndexOf(":") ?? -1;
  const flows: AllowedFlow[] = endpoint
    ? (await addressesOf(endpoint.slice(0, colon))).map((address) => ({
        address,
        port: Number(endpoint.slice(colon + 1)),
        protocol: endpointProtocol,
      }))
    : [];
  for (const url of [rpcUrl, ...otherUrls]) {
    const u = new URL(url);
    const port = Number(u.port || (u.protocol === "https:" ? 443 : 80));
    for (const address of await addressesOf(u.hostname)) flows.push({ address, port, protocol: "tcp" });
  }
  return flows;
}
