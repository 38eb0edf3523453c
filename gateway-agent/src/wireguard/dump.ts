/**
 * The one parser of `wg show <if> dump`. The interface line carries the private key: it is
 * read past and never kept, returned or logged.
 */
import { WgCommandError } from "../errors.ts";

/** One peer line of the dump. Counters are bigint: they grow past 2^53 on busy links. */
export interface DumpPeer {
  publicKey: string;
  endpoint: string | null;
  allowedIps: string[];
  /** Unix seconds of the last handshake, 0 when none yet. */
  latestHandshake: number;
  rx: bigint;
  tx: bigint;
}

/** A parsed dump: the interface's public data and its peers keyed by public key. */
export interface Dump {
  publicKey: string;
  listenPort: number;
  peers: Map<string, DumpPeer>;
}

const UINT = /^\d{1,20}$/;

/**
 * Parses the output of `wg show <if> dump`.
 * @throws WgCommandError on a line that does not have the documented shape.
 */
export function parseDump(text: string): Dump {
  const lines = text.split("\n").filter((l) => l.length > 0);
  const first = lines[0];
  if (first === undefined) throw new WgCommandError("wg dump is empty");
  const head = first.split("\t");
  if (head.length !== 4 || !UINT.test(head[2] ?? "")) throw new WgCommandError("wg dump: malformed interface line");
  const dump: Dump = { publicKey: head[1] ?? "", listenPort: Number(head[2]), peers: new Map() };
  for (let i = 1; i < lines.length; i++) {
    const f = (lines[i] ?? "").split("\t");
    if (f.length !== 8) throw new WgCommandError(`wg dump: malformed peer line ${i}`);
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
      throw new WgCommandError(`wg dump: malformed counters on peer line ${i}`);
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
