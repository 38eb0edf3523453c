/**
 * The SDK's Node entry: everything in `index.ts` (which runs in browsers too) plus what
 * needs Node: reading deployment files and running `wg` / `wg-quick`.
 */
export * from "./index.ts";
export { loadDeployment, type LoadDeploymentParameters } from "./deployment/loadDeployment.ts";
export { readPeerCounters, wgQuick, interfaceOf, WireGuardCommandError } from "./tunnel/wgCommands.ts";
export { peerBytesReader, parseUapiBytes, WG_SOCKET_DIR } from "./tunnel/peerBytes.ts";
