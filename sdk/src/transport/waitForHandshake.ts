/**
 * Whether plain WireGuard gets through: waits (bounded) for a handshake with the provider after
 * the tunnel came up, nudging it with one UDP datagram through the tunnel. `dvpn connect
 * --transport auto` falls back to the provider's obfuscated transport when none comes.
 */
import { createSocket } from "node:dgram";
import { isIP } from "node:net";

/**
 * Waits up to `timeoutMs` for a handshake newer than the call.
 * @param p the handshake reader (Unix seconds, 0: none), an address inside the tunnel to nudge
 *   (the gateway; the datagram to its discard port 9 starts WireGuard's handshake), the bound and
 *   the poll period (default 200 ms).
 * @returns true when a handshake came in time.
 * @example await waitForHandshake({ readHandshake: peerHandshakeReader(iface, key), nudge: "10.77.0.1", timeoutMs: 8000 })
 */
export async function waitForHandshake(p: {
  readHandshake: () => Promise<number>;
  nudge?: string;
  timeoutMs: number;
  pollMs?: number;
}): Promise<boolean> {
  const since = Math.floor(Date.now() / 1000) - 1;
  if (p.nudge && isIP(p.nudge)) {
    const s = createSocket(isIP(p.nudge) === 6 ? "udp6" : "udp4");
    await new Promise<void>((r) => s.send(Buffer.from([0]), 9, p.nudge, () => r()));
    s.close();
  }
  const deadline = Date.now() + p.timeoutMs;
  while (Date.now() < deadline) {
    if ((await p.readHandshake().catch(() => 0)) >= since) return true;
    await new Promise((r) => setTimeout(r, p.pollMs ?? 200));
  }
  return false;
}
