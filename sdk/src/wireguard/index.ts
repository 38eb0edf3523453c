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
