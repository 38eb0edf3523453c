/**
 * The SDK's Node entry: everything in `index.ts` (which runs in browsers too) plus what
 * needs Node: reading deployment files and running `wg` / `wg-quick`.
 */
export * from "./index.ts";
export { createShutdown, type CreateShutdownOptions, type Shutdown } from "./shutdown/createShutdown.ts";
export { sleep } from "./shutdown/sleep.ts";
export { loadDeployment, type LoadDeploymentParameters } from "./deployment/loadDeployment.ts";
export { readPeerCounters, wgQuick, interfaceOf, WireGuardCommandError } from "./tunnel/wgCommands.ts";
export {
  peerBytesReader,
  peerHandshakeReader,
  parseUapiBytes,
  parseUapiHandshake,
  WG_SOCKET_DIR,
} from "./tunnel/peerBytes.ts";
export {
  createVpnConnection,
  TunnelUpError,
  type VpnConnection,
  type VpnConnectionParameters,
  type VpnConnectionEvent,
  type VpnConnectionEnd,
  type VpnConnectionEndReason,
  type TunnelDriver,
  type TunnelUp,
  type TunnelLeg,
  type LegResult,
  type LegOutcome,
} from "./tunnel/createVpnConnection.ts";
export { TunnelConflictError, tunnelConflict } from "./tunnel/tunnelConflict.ts";
export {
  createTwoHopConnection,
  NoEntryError,
  type TwoHopConnection,
  type TwoHopConnectionParameters,
  type TwoHopConnectionEnd,
  type TwoHopTunnelDriver,
  type TwoHopEvent,
  type Hop,
} from "./tunnel/createTwoHopConnection.ts";
export { pickHopPair, HopPairError, type HopPair } from "./tunnel/pickHopPair.ts";
export {
  startTransportClient,
  TransportClientError,
  type StartTransportClientParameters,
  type TransportClient,
} from "./transport/startTransportClient.ts";
export { fetchPinnedCertificate, TransportCertificateError } from "./transport/fetchPinnedCertificate.ts";
export { certificateSha256, certificateServerName } from "./transport/certificate.ts";
export { waitForHandshake } from "./transport/waitForHandshake.ts";
export {
  renderV2rayClientConfig,
  renderV2rayServerConfig,
  type V2rayClientConfigParameters,
  type V2rayServerConfigParameters,
} from "./transport/v2rayConfig.ts";
