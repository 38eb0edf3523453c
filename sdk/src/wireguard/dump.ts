/**
 * The one parser of `wg show <if> dump` (pure, runs anywhere). The interface line carries the
 * private key: it is read past and never kept, returned or logged.
 */
import { DvpnError } from "../errors/base.ts";

/** One peer line of the dump. Counters are bigint: they grow past 2^53 on busy links. */
export interface DumpPeer {
  publicKey: string;
  endpoint: string | null;
  allowedIps: string[];
  /** Unix seconds of the last handshake, 0 when none yet. */
  latestHandshake: number;
  /** Bytes received from the peer. */
  rx: bigint;
  /** Bytes sent to the peer. */
  tx: bigint;
}

/** A parsed dump: the interface's public data and its peers keyed by public key. */
export interface Dump {
  publicKey: string;
  listenPort: number;
  peers: Map<string, DumpPeer>;
}

/** The output of `wg show <if> dump` does not have the documented shape. */
export class WgDumpError extends DvpnError {
  override name = "WgDumpError";
}

const UINT = /^\d{1,20}$/;

/**
 * Parses the output of `wg show <if> dump`: the first line is the interface (private-key,
 * public-key, listen-port, fwmark), each next line a peer (public-key, preshared-key, endpoint,
 * allowed-ips, latest-handshake, rx, tx, keepalive).
 * @param text the command's output.
 * @returns the interface's public key and port, and its peers by public key.
 * @throws {WgDumpError} on an empty output or a line that does not have the documented shape.
 * @example parseDump(stdout).peers.get(providerKey)?.rx
 */
export function parseDump(text: string): Dump {
  const lines = text.split("\n").filter((l) => l.length > 0);
  const first = lines[0];
  if (first === undefined) throw new WgDumpError("wg dump is empty");
  const head = first.split("\t");
  if (head.length !== 4 || !UINT.test(head[2] ?? "")) throw new WgDumpError("wg dump: malformed interface line");
  const dump: Dump = { publicKey: head[1] ?? "", listenPort: Number(head[2]), peers: new Map() };
  for (let i = 1; i < lines.length; i++) {
    const f = (lines[i] ?? "").split("\t");
    if (f.length !== 8) throw new WgDumpError(`wg dump: malformed peer line ${i}`);
    const [publicKey, , endpoint, allowed, handshake, rx, tx] = f as [
      string,
      string,
      string,
      string,
      string,
      string,
      string,
    ];
    if (!UINT.test(handshake) || !UINT.test(rx) || !UINT.test(tx)) {
      throw new WgDumpError(`wg dump: malformed counters on peer line ${i}`);
    }
    dump.peers.set(publicKey, {
      publicKey,
      endpoint: endpoint === "(none)" ? null : endpoint,
      allowedIps: allowed === "(none)" ? [] : allowed.split(","),
      latestHandshake: Number(handshake),
      rx: BigInt(rx),
      tx: BigInt(tx),
    });
  }
  return dump;
}
