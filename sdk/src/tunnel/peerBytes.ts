/**
 * Reads one peer's transfer counters cheaply enough to do it many times a second (Node only):
 * from wireguard-go's control socket (`/var/run/wireguard/<if>.sock`, the UAPI `get=1`), else
 * from `wg show <if> dump` (kernel WireGuard).
 */
import { existsSync } from "node:fs";
import { connect } from "node:net";
import { wgKeyToBytes32 } from "../wireguard/keys.ts";
import { readPeerCounters, WireGuardCommandError } from "./wgCommands.ts";

/** Where wireguard-go keeps its control sockets (not per network namespace). */
export const WG_SOCKET_DIR = "/var/run/wireguard";

/**
 * The `key=value` lines of one peer's section of a UAPI `get=1` answer, in order.
 * @returns the lines, or undefined when the peer is not listed.
 */
function uapiPeerLines(answer: string, peerHex: string): [string, string][] | undefined {
  let lines: [string, string][] | undefined;
  for (const line of answer.split("\n")) {
    const eq = line.indexOf("=");
    if (eq < 0) continue;
    const key = line.slice(0, eq);
    const value = line.slice(eq + 1);
    if (key === "public_key") {
      if (lines) break;
      if (value.toLowerCase() === peerHex) lines = [];
    } else lines?.push([key, value]);
  }
  return lines;
}

/**
 * Parses a UAPI `get=1` answer: the rx/tx bytes of the peer with the given hex public key.
 * @param answer the socket's text.
 * @param peerHex the peer's public key as 64 hex digits (no 0x).
 * @returns rx + tx, or undefined when the peer is not listed.
 * @example parseUapiBytes("public_key=ab…\nrx_bytes=10\ntx_bytes=5\nerrno=0\n\n", "ab…") // 15n
 */
export function parseUapiBytes(answer: string, peerHex: string): bigint | undefined {
  const lines = uapiPeerLines(answer, peerHex);
  if (!lines) return undefined;
  let total = 0n;
  for (const [key, value] of lines)
    if ((key === "rx_bytes" || key === "tx_bytes") && /^\d+$/.test(value)) total += BigInt(value);
  return total;
}

/**
 * Parses a UAPI `get=1` answer: the latest handshake (Unix seconds) with the peer.
 * @param answer the socket's text.
 * @param peerHex the peer's public key as 64 hex digits (no 0x).
 * @returns the seconds, 0 when none happened, undefined when the peer is not listed.
 * @example parseUapiHandshake("public_key=ab…\nlast_handshake_time_sec=1700000000\n", "ab…") // 1700000000
 */
export function parseUapiHandshake(answer: string, peerHex: string): number | undefined {
  const lines = uapiPeerLines(answer, peerHex);
  if (!lines) return undefined;
  let seconds = 0;
  for (const [key, value] of lines)
    if (key === "last_handshake_time_sec" && /^\d+$/.test(value)) seconds = Number(value);
  return seconds;
}

function uapiGet(socketPath: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const sock = connect(socketPath);
    let text = "";
    const timer = setTimeout(() => sock.destroy(new Error("no answer within 2 s")), 2_000);
    sock.on("connect", () => sock.write("get=1\n\n"));
    sock.on("data", (d: Buffer) => {
      text += d.toString();
      if (text.endsWith("\n\n")) sock.end();
    });
    sock.on("error", (err) => (clearTimeout(timer), reject(err)));
    sock.on("close", () => (clearTimeout(timer), resolve(text)));
  });
}

/**
 * A reader of the bytes (rx + tx) the interface counted for one peer.
 * @param iface the client's WireGuard interface.
 * @param peerPublicKey the provider's base64 key.
 * @returns a function resolving to the peer's bytes (0 when the peer is not on the interface).
 * @example const bytes = await peerBytesReader("dvpn1", providerKey)()
 */
export function peerBytesReader(iface: string, peerPublicKey: string): () => Promise<bigint> {
  const socketPath = `${WG_SOCKET_DIR}/${iface}.sock`;
  const peerHex = wgKeyToBytes32(peerPublicKey).slice(2).toLowerCase();
  return async () => {
    if (existsSync(socketPath)) {
      try {
        return parseUapiBytes(await uapiGet(socketPath), peerHex) ?? 0n;
      } catch (err) {
        throw new WireGuardCommandError(`cannot read ${iface}'s counters from ${socketPath}`, { cause: err });
      }
    }
    const c = await readPeerCounters(iface, peerPublicKey);
    return c ? c.rx + c.tx : 0n;
  };
}

/**
 * A reader of the latest handshake with one peer (for {@link createTunnelSession}'s health watch).
 * @param iface the client's WireGuard interface.
 * @param peerPublicKey the provider's base64 key.
 * @returns a function resolving to the handshake's Unix seconds (0 when none, or the peer is gone).
 * @example const age = Date.now() / 1000 - (await peerHandshakeReader("dvpn1", providerKey)())
 */
export function peerHandshakeReader(iface: string, peerPublicKey: string): () => Promise<number> {
  const socketPath = `${WG_SOCKET_DIR}/${iface}.sock`;
  const peerHex = wgKeyToBytes32(peerPublicKey).slice(2).toLowerCase();
  return async () => {
    if (existsSync(socketPath)) {
      try {
        return parseUapiHandshake(await uapiGet(socketPath), peerHex) ?? 0;
      } catch (err) {
        throw new WireGuardCommandError(`cannot read ${iface}'s handshake from ${socketPath}`, { cause: err });
      }
    }
    return (await readPeerCounters(iface, peerPublicKey))?.latestHandshake ?? 0;
  };
}
