export {
  generateWgKeyPair,
  wgPublicKeyOf,
  wgKeyToBytes,
  wgKeyToBytes32,
  bytes32ToWgKey,
  isWgKey,
  type WgKeyPair,
} from "./keys.ts";
export { renderWgQuickConfig, parseTunnelAddress, type WgQuickConfigParameters, type TunnelAddress } from "./config.ts";
export { ipv4ToInt, intToIpv4 } from "./ipv4.ts";
export { INTERFACE_NAME, isInterfaceName } from "./interfaceName.ts";
export { parseDump, WgDumpError, type Dump, type DumpPeer } from "./dump.ts";
