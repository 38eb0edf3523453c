import { lookup } from "node:dns/promises";
import { isIP } from "node:net";
import type { AllowedFlow } from "./killSwitch.ts";

async function addressesOf(host: string): Promise<string[]> {
  const bare = host.replace(/^\[|\]$/g, "");
  if (isIP(bare)) return [bare];
  return (await lookup(bare, { all: true })).map((a) => a.address);
}

/**
 * What the kill switch lets out besides the tunnel: the WireGuard flow to the provider's endpoint
 * (UDP) and the chain's JSON-RPC endpoint (TCP), resolved now, before the switch closes.
 * @param endpoint the provider's "host:port".
 * @param rpcUrl the JSON-RPC URL.
 * @returns the flows.
 * @example await killSwitchFlows("203.0.113.5:51820", "https://rpc.example.org")
 */
export async function killSwitchFlows(endpoint: string, rpcUrl: string): Promise<AllowedFlow[]> {
  const colon = endpoint.lastIndexOf(":");
  const flows: AllowedFlow[] = (await addressesOf(endpoint.slice(0, colon))).map((address) => ({
    address,
    port: Number(endpoint.slice(colon + 1)),
    protocol: "udp",
  }));
  const rpc = new URL(rpcUrl);
  const rpcPort = Number(rpc.port || (rpc.protocol === "https:" ? 443 : 80));
  for (const address of await addressesOf(rpc.hostname)) flows.push({ address, port: rpcPort, protocol: "tcp" });
  return flows;
}
