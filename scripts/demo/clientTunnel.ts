/**
 * The demo client's side of the data plane, inside the client namespace: a wireguard-go
 * interface configured from the accepted session, traffic fetched through it from the
 * "internet" namespace, and HTTP calls to the provider's gateway (which only the tunnel reaches).
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Topology } from "../lib/netns.ts";

/** A client tunnel that is up. */
export interface ClientTunnel {
  iface: string;
  /** Bytes the client's interface counted for the peer (received + sent). */
  counters(): Promise<{ rx: bigint; tx: bigint; total: bigint }>;
  /** GETs `url` through the tunnel `times` times; returns the body bytes received. */
  fetch(url: string, times?: number): Promise<number>;
  /** POSTs JSON to `url` through the tunnel; returns status and parsed body. */
  post(url: string, body: unknown): Promise<{ status: number; body: unknown }>;
  /** Removes the interface and its process. */
  down(): Promise<void>;
}

const FETCH_SCRIPT = `
const [url, times] = process.argv.slice(1);
let total = 0;
for (let i = 0; i < Number(times); i++) {
  const r = await fetch(url, { signal: AbortSignal.timeout(15000) });
  total += (await r.arrayBuffer()).byteLength;
}
console.log(total);
`;

const POST_SCRIPT = `
const [url, body] = process.argv.slice(1);
const r = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body, signal: AbortSignal.timeout(10000) });
console.log(JSON.stringify({ status: r.status, body: await r.json().catch(() => null) }));
`;

/**
 * Brings up `iface` in the client namespace with the session's private key and address, one
 * peer (the provider) and a default route through it. The provider's endpoint stays reachable
 * over the namespace's direct link (a more specific route).
 */
export async function bringUpClientTunnel(params: {
  topology: Topology;
  iface: string;
  privateKey: string;
  /** wg-quick style "10.77.0.2/16,fd77::2/64" from SessionAccepted. */
  tunnelAddress: string;
  peerPublicKey: string;
  endpoint: string;
}): Promise<ClientTunnel> {
  const { topology: t, iface } = params;
  const ns = t.client;
  t.spawn(ns, "wireguard-go", ["-f", iface], {
    env: { ...process.env, WG_I_PREFER_BUGGY_USERSPACE_TO_POLISHED_KMOD: "1" },
    stdio: "ignore",
  });
  // Wait for the TUN device to appear (bounded).
  for (let i = 0; ; i++) {
    try {
      await t.run(ns, "ip", ["link", "show", iface]);
      break;
    } catch (err) {
      if (i > 50) throw new Error(`wireguard-go did not create ${iface}: ${(err as Error).message}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  const dir = mkdtempSync(join(tmpdir(), "dvpn-client-"));
  const keyFile = join(dir, "key");
  try {
    writeFileSync(keyFile, params.privateKey + "\n", { mode: 0o600 });
    await t.run(ns, "wg", [
      "set",
      iface,
      "private-key",
      keyFile,
      "peer",
      params.peerPublicKey,
      "endpoint",
      params.endpoint,
      "allowed-ips",
      "0.0.0.0/0",
      "persistent-keepalive",
      "5",
    ]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const ipv4 = params.tunnelAddress.split(",")[0]!.trim();
  await t.run(ns, "ip", ["address", "add", ipv4, "dev", iface]);
  await t.run(ns, "ip", ["link", "set", iface, "up"]);
  await t.run(ns, "ip", ["route", "add", "default", "dev", iface]);

  const node = process.execPath;
  return {
    iface,
    async counters() {
      const out = await t.run(ns, "wg", ["show", iface, "transfer"]);
      const [, rx = "0", tx = "0"] = out.trim().split(/\s+/);
      return { rx: BigInt(rx), tx: BigInt(tx), total: BigInt(rx) + BigInt(tx) };
    },
    async fetch(url, times = 1) {
      const out = await t.run(ns, node, ["--input-type=module", "-e", FETCH_SCRIPT, url, String(times)]);
      return Number(out.trim());
    },
    async post(url, body) {
      const out = await t.run(ns, node, ["--input-type=module", "-e", POST_SCRIPT, url, JSON.stringify(body)]);
      return JSON.parse(out) as { status: number; body: unknown };
    },
    async down() {
      await t.run(ns, "ip", ["link", "del", iface]).catch(() => {});
    },
  };
}

/**
 * Serves `size` bytes of content at `http://<address>:<port>/blob` inside the internet
 * namespace (the "internet" the client reaches through the tunnel).
 */
export async function startContentServer(t: Topology, address: string, port: number, size: number): Promise<void> {
  const script = `
const body = Buffer.alloc(${size}, 97);
require("http").createServer((req, res) => { res.setHeader("content-length", body.length); res.end(body); }).listen(${port}, "${address}", () => console.log("ready"));
`;
  const child = t.spawn(t.internet, process.execPath, ["-e", script]);
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("content server did not start")), 10_000);
    child.stdout?.on("data", (d: Buffer) => {
      if (d.toString().includes("ready")) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once("exit", (code) => reject(new Error(`content server exited (${code})`)));
  });
}
