/**
 * The client side of an obfuscated transport (Node only): checks the server's certificate against
 * the published pin, then runs `v2ray` with a UDP inbound on 127.0.0.1 that forwards through VLESS
 * over WebSocket and TLS to the provider. WireGuard's peer endpoint becomes that local port.
 */
import { spawn } from "node:child_process";
import { createSocket } from "node:dgram";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DvpnError } from "../errors/base.ts";
import { fetchPinnedCertificate } from "./fetchPinnedCertificate.ts";
import type { TransportOffer } from "./offer.ts";
import { renderV2rayClientConfig } from "./v2rayConfig.ts";

/** The transport client could not start. */
export class TransportClientError extends DvpnError {
  override name = "TransportClientError";
}

/** Parameters of {@link startTransportClient}. */
export interface StartTransportClientParameters {
  offer: TransportOffer;
  /** The provider's endpoint ("host:port", as registered): its host serves the transport. */
  endpoint: string;
  /** Mark on the transport's sockets: wg-quick's FwMark in a full tunnel, so they go around it (0: none). */
  mark: number;
  /** The v2ray binary (default "v2ray"). */
  v2ray?: string;
  /** How long the certificate check and the start may take (default 10 s). */
  timeoutMs?: number;
}

/** A running transport client. */
export interface TransportClient {
  /** Where WireGuard sends to: "127.0.0.1:<port>". */
  endpoint: string;
  /** The provider's host and transport port (what the kill switch must let out, TCP). */
  server: { host: string; port: number };
  pid: number | undefined;
  /** Stops v2ray and removes its files. */
  stop(): Promise<void>;
}

async function freeUdpPort(): Promise<number> {
  const s = createSocket("udp4");
  await new Promise<void>((r, j) => (s.once("error", j), s.bind(0, "127.0.0.1", () => r())));
  const port = s.address().port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

/**
 * Starts the transport client for one session.
 * @param p the provider's offer and endpoint, the socket mark and the binary.
 * @returns the local endpoint for WireGuard, and `stop()`.
 * @throws {TransportCertificateError} when the server's certificate is not the published one;
 *   {@link TransportClientError} when v2ray does not start.
 * @example
 * const t = await startTransportClient({ offer, endpoint: provider.endpoint, mark: 51820 })
 * // WireGuard: Endpoint = t.endpoint … then: await t.stop()
 */
export async function startTransportClient(p: StartTransportClientParameters): Promise<TransportClient> {
  const colon = p.endpoint.lastIndexOf(":");
  const host = p.endpoint.slice(0, colon).replace(/^\[|\]$/g, "");
  const wgPort = Number(p.endpoint.slice(colon + 1));
  const timeoutMs = p.timeoutMs ?? 10_000;
  const { pem, serverName } = await fetchPinnedCertificate({
    host,
    port: p.offer.port,
    certSha256: p.offer.certSha256,
    timeoutMs,
  });
  const dir = mkdtempSync(join(tmpdir(), "dvpn-transport-"));
  const certificateFile = join(dir, "server.pem");
  writeFileSync(certificateFile, pem, { mode: 0o600 });
  const localPort = await freeUdpPort();
  const configFile = join(dir, "v2ray.json");
  writeFileSync(
    configFile,
    renderV2rayClientConfig({
      localPort,
      server: host,
      port: p.offer.port,
      clientId: p.offer.clientId,
      serverName,
      certificateFile,
      mark: p.mark,
      wgPort,
    }),
    { mode: 0o600 },
  );
  // Its own process group: a terminal's Ctrl-C reaches only the CLI, which still sends its last
  // voucher through the tunnel before stop() ends v2ray. Not unref'd: the CLI waits for stop().
  // Outside the terminal's group nothing else ends it, so it goes when this process does: killed
  // by the kernel when this process dies of a signal (setpriv --pdeathsig, util-linux), and by
  // the exit hook below when it exits without stop().
  const command = [p.v2ray ?? "v2ray", "-config", configFile];
  const setpriv = ["/usr/bin/setpriv", "/bin/setpriv"].find((f) => existsSync(f));
  if (setpriv) command.unshift(setpriv, "--pdeathsig", "KILL", "--");
  const child = spawn(command[0]!, command.slice(1), { detached: true, stdio: ["ignore", "pipe", "pipe"] });
  const onExit = () => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  };
  process.once("exit", onExit);
  let output = "";
  const stop = async () => {
    process.off("exit", onExit);
    if (child.exitCode === null && child.signalCode === null) {
      const gone = new Promise((r) => child.once("exit", r));
      child.kill("SIGTERM");
      await Promise.race([gone, new Promise((r) => setTimeout(r, 3000))]);
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    }
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no start within ${timeoutMs} ms`)), timeoutMs);
      const onData = (b: Buffer) => {
        output = (output + b.toString()).slice(-4000);
        if (/V2Ray [\d.]+ started/.test(output)) {
          clearTimeout(timer);
          resolve();
        }
      };
      child.stdout.on("data", onData);
      child.stderr.on("data", onData);
      child.once("error", (err) => (clearTimeout(timer), reject(err)));
      child.once("exit", (code) => (clearTimeout(timer), reject(new Error(`exited with ${code}`))));
    });
  } catch (err) {
    await stop();
    const last = output.trim().split("\n").slice(-2).join(" ").slice(0, 300);
    throw new TransportClientError(`v2ray did not start: ${(err as Error).message}${last ? ` (${last})` : ""}`, {
      cause: err,
    });
  }
  child.stdout.resume();
  child.stderr.resume();
  return { endpoint: `127.0.0.1:${localPort}`, server: { host, port: p.offer.port }, pid: child.pid, stop };
}
