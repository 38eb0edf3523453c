/** The transport server an agent configuration asks for (undefined when `transport` is none). */
import type { AgentConfig } from "../config/schema.ts";
import { ensureTransportCredentials } from "./credentials.ts";
import {
  createTransportServer,
  stopLeftoverTransportServer,
  type TransportServer,
  type TransportServerParams,
} from "./server.ts";

/**
 * Makes (or reads) the credentials and creates the supervisor for `config`.
 * @param config the agent's configuration.
 * @param dataDir the resolved data folder.
 * @param log where it logs (the certificate hash, never the key).
 * @returns the server, not yet started, or undefined when the config offers no transport (then a
 *   v2ray an earlier run left serving is stopped).
 */
export async function transportFromConfig(
  config: AgentConfig,
  dataDir: string,
  log: TransportServerParams["log"],
): Promise<TransportServer | undefined> {
  if (config.transport === "none") {
    await stopLeftoverTransportServer(dataDir, log);
    return undefined;
  }
  const credentials = await ensureTransportCredentials({
    dataDir,
    v2ctl: config.v2ctl,
    ...(config.transportServerName ? { serverName: config.transportServerName } : {}),
  });
  if (credentials.created)
    log.warn(
      { certSha256: credentials.certSha256, port: config.transportPort },
      "made new transport credentials; publish the offer: dvpn provider transport --agent-config <this config>",
    );
  return createTransportServer({
    dataDir,
    credentials,
    port: config.transportPort,
    wgPort: config.wgListenPort,
    v2ray: config.v2ray,
    ...(config.netns ? { netns: config.netns } : {}),
    log,
  });
}
