import { test } from "node:test";
import assert from "node:assert/strict";
import type { Dump } from "../../../sdk/src/wireguard/dump.ts";
import { diffPeers } from "./diff.ts";

const K = (n: number) => Buffer.alloc(32, n).toString("base64");
const peer = (n: number, ips: string[]) => ({
  publicKey: K(n),
  endpoint: null,
  allowedIps: ips,
  latestHandshake: 0,
  rx: 0n,
  tx: 0n,
});

test("diff adds missing, fixes changed addresses, removes unknown, leaves the rest", () => {
  const actual: Dump = {
    publicKey: "x",
    listenPort: 1,
    peers: new Map([
      [K(1), peer(1, ["10.77.0.2/32"])],
      [K(2), peer(2, ["10.77.0.9/32"])],
      [K(3), peer(3, ["10.77.0.4/32"])],
    ]),
  };
  const d = diffPeers(
    [
      { publicKey: K(1), allowedIps: ["10.77.0.2/32"] },
      { publicKey: K(2), allowedIps: ["10.77.0.3/32"] },
      { publicKey: K(4), allowedIps: ["10.77.0.5/32"] },
    ],
    actual,
  );
  assert.deepEqual(
    d.upsert.map((p) => p.publicKey),
    [K(2), K(4)],
  );
  assert.deepEqual(d.remove, [K(3)]);
  assert.deepEqual(
    diffPeers([{ publicKey: K(1), allowedIps: ["10.77.0.2/32"] }], {
      ...actual,
      peers: new Map([[K(1), peer(1, ["10.77.0.2/32"])]]),
    }),
    { upsert: [], remove: [] },
  );
});
