/**
 * The demo client's side of the data plane, inside the client namespace: a wireguard-go
 * interface configured from the accepted session, traffic fetched through it from the
 * "internet" namespace, and HTTP calls to the provider's gateway (which only the tunnel reaches).
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { createInterface } from "node:readline";
import { join } from "node:path";
import type { Topology } from "../lib/netns.ts";
import { waitForOutput } from "../lib/waitForOutput.ts";

/** A client tunnel that is up. */
export interface ClientTunnel {
  iface: string;
  /** Bytes the client's interface counted for the peer (received + sent). */
  counters(): Promise<{ rx: bigint; tx: bigint; total: bigint }>;
  /** GETs `url` through the tunnel; returns the body bytes received. */
  fetch(url: string): Promise<number>;
  /** POSTs JSON to `url` through the tunnel; returns status and parsed body. */
  post(url: string, body: unknown): Promise<{ status: number; body: unknown }>;
  /** GETs JSON from `url` through the tunnel. */
  get(url: string): Promise<{ status: number; body: unknown }>;
  /** Removes the interface and its process. */
  down(): Promise<void>;
}

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

  const worker = t.spawn(ns, process.execPath, [join(import.meta.dirname, "clientWorker.ts")], {
    stdio: ["pipe", "pipe", "inherit"],
  });
  const pending = new Map<number, (answer: Record<string, unknown>) => void>();
  let nextId = 1;
  createInterface({ input: worker.stdout! }).on("line", (line) => {
    const answer = JSON.parse(line) as Record<string, unknown>;
    pending.get(answer.id as number)?.(answer);
    pending.delete(answer.id as number);
  });
  const ask = (req: Record<string, unknown>): Promise<Record<string, unknown>> =>
    new Promise((resolve, reject) => {
      const id = nextId++;
      const timer = setTimeout(() => {
        pending.delete(id);
        reject(new Error(`client request timed out: ${String(req.url)}`));
      }, 20_000);
      pending.set(id, (a) => {
        clearTimeout(timer);
        if (typeof a.error === "string") reject(new Error(`${String(req.url)}: ${a.error}`));
        else resolve(a);
      });
      worker.stdin!.write(JSON.stringify({ id, ...req }) + "\n");
    });

  return {
    iface,
    async counters() {
      const out = await t.run(ns, "wg", ["show", iface, "transfer"]);
      const [, rx = "0", tx = "0"] = out.trim().split(/\s+/);
      return { rx: BigInt(rx), tx: BigInt(tx), total: BigInt(rx) + BigInt(tx) };
    },
    async fetch(url) {
      return (await ask({ op: "fetch", url })).bytes as number;
    },
    async post(url, body) {
      return (await ask({ op: "json", url, body })) as { status: number; body: unknown };
    },
    async get(url) {
      return (await ask({ op: "json", url })) as { status: number; body: unknown };
    },
    async down() {
      worker.kill("SIGKILL");
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
  await waitForOutput(child, "ready", "content server");
}
