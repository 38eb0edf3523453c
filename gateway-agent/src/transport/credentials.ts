/**
 * The transport server's credentials in the agent's data folder (`<dataDir>/transport/`): a
 * self-signed TLS certificate and its key (made once with `v2ctl cert`, the key 0600) and the
 * VLESS client id (a random UUID). Created when missing, kept across restarts so the offer
 * published on chain stays valid; the key never leaves its file (v2ctl's stdout, which repeats
 * it, is discarded) and nothing here is logged but the certificate's hash.
 */
import { execFile } from "node:child_process";
import { randomBytes, randomUUID } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import type { Hex } from "viem";
import { certificateSha256 } from "../../../sdk/src/transport/certificate.ts";
import { clientIdToBytes16 } from "../../../sdk/src/transport/offer.ts";
import { ConfigError } from "../errors.ts";

const run = promisify(execFile);

/** Where an agent keeps its transport files. */
export function transportFiles(dataDir: string) {
  const dir = join(dataDir, "transport");
  return {
    dir,
    certificate: join(dir, "cert.pem"),
    key: join(dir, "key.pem"),
    clientId: join(dir, "client-id"),
    config: join(dir, "v2ray.json"),
    pid: join(dir, "v2ray.pid"),
    log: join(dir, "v2ray.log"),
  };
}

/** What the agent (and `dvpn provider transport --agent-config`) needs of the credentials. */
export interface TransportCredentials {
  certificateFile: string;
  keyFile: string;
  clientId: string;
  certSha256: Hex;
  /** Made now (publish the offer again: `dvpn provider transport --agent-config …`). */
  created: boolean;
}

/** A name that is not the same on every provider (a constant certificate name would be a fingerprint). */
function randomServerName(): string {
  const letters = [...randomBytes(10)].map((b) => String.fromCharCode(97 + (b % 26))).join("");
  return `www.${letters}.com`;
}

/**
 * Reads the credentials, making the missing ones.
 * @param p the data folder, the `v2ctl` binary and the certificate's name (default: random).
 * @throws ConfigError when v2ctl cannot make a certificate or a file is unreadable.
 */
export async function ensureTransportCredentials(p: {
  dataDir: string;
  v2ctl: string;
  serverName?: string;
}): Promise<TransportCredentials> {
  const f = transportFiles(p.dataDir);
  mkdirSync(f.dir, { recursive: true, mode: 0o700 });
  let created = false;
  if (!existsSync(f.certificate) || !existsSync(f.key)) {
    const name = p.serverName ?? randomServerName();
    const prefix = join(f.dir, "new");
    try {
      // Ten years; the name is also the organisation so nothing says "V2Ray" in the certificate.
      await run(
        p.v2ctl,
        ["cert", `--domain=${name}`, `--name=${name}`, `--org=${name}`, "--expire=87600h", `--file=${prefix}`],
        {
          timeout: 30_000,
        },
      );
    } catch (err) {
      throw new ConfigError(
        `v2ctl could not make the transport's TLS certificate (${(err as Error).message.split("\n")[0]}); install Debian's v2ray package or set v2ctl`,
      );
    }
    chmodSync(`${prefix}_key.pem`, 0o600);
    renameSync(`${prefix}_key.pem`, f.key);
    renameSync(`${prefix}_cert.pem`, f.certificate);
    created = true;
  }
  if (!existsSync(f.clientId)) {
    writeFileSync(f.clientId, `${randomUUID()}\n`, { mode: 0o600, flag: "wx" });
    created = true;
  }
  const clientId = readFileSync(f.clientId, "utf8").trim();
  try {
    clientIdToBytes16(clientId);
  } catch {
    throw new ConfigError(
      `${f.clientId} does not hold a UUID; delete it to make a new one (then publish the offer again)`,
    );
  }
  return {
    certificateFile: f.certificate,
    keyFile: f.key,
    clientId,
    certSha256: certificateSha256(readFileSync(f.certificate, "utf8")),
    created,
  };
}
