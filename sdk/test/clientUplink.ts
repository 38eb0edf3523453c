/**
 * Lets the client namespace of a test topology reach the chain on the host: through the
 * provider namespace from an address of its own, 10.96.x.y, mirroring the host link's 10.98.x.y
 * (unique per topology, so concurrent runs never share a host route; it goes away with the
 * topology's veth).
 */
import type { Hex } from "viem";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { createTopology, TOPOLOGY, type Topology } from "../../test/kit/dataPlane.ts";
import { startCliChain, type CliChain } from "./cliChain.ts";

/**
 * Adds the client's uplink address and the routes both ways.
 * @param topo the topology.
 * @param tag its tag (interface names are dv<tag>…).
 */
export async function routeClientToHost(topo: Topology, tag: string): Promise<void> {
  const clientUplink = topo.hostAddress.replace(/^10\.98\./, "10.96.");
  await topo.run(topo.client, "ip", ["addr", "add", `${clientUplink}/32`, "dev", `dv${tag}cp`]);
  await topo.run(topo.provider, "ip", ["route", "add", `${clientUplink}/32`, "dev", `dv${tag}pc`]);
  await promisify(execFile)("ip", [
    "route",
    "add",
    `${clientUplink}/32`,
    "via",
    topo.providerUplink,
    "dev",
    `dv${tag}h`,
  ]);
  await topo.run(topo.client, "ip", [
    "route",
    "add",
    `${topo.hostAddress}/32`,
    "via",
    TOPOLOGY.providerToClient,
    "src",
    clientUplink,
  ]);
}

/**
 * The network the CLI's namespace tests run in: a topology tagged `tag`, a chain on the host with
 * `users` funded users, and the client routed to it. Cleans up what it made if a step fails.
 * @param tag the topology's tag.
 * @param users funded users of the chain.
 * @returns the topology and the chain (the caller destroys and stops them).
 */
export async function startClientLab(
  tag: string,
  users: number,
  keys?: (Hex | undefined)[],
): Promise<{ topo: Topology; chain: CliChain }> {
  const topo = await createTopology(tag);
  let chain: CliChain | undefined;
  try {
    chain = await startCliChain({ users, hostname: topo.hostAddress, ...(keys ? { keys } : {}) });
    await routeClientToHost(topo, tag);
    return { topo, chain };
  } catch (err) {
    await topo.destroy();
    await chain?.stop();
    throw err;
  }
}
