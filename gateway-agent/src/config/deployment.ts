/**
 * The agent's door to a deployment record file: the SDK's {@link loadDeployment} (the one
 * loader), with its errors turned into a {@link ConfigError} that names the option.
 */
import { loadDeployment } from "../../../sdk/src/deployment/loadDeployment.ts";
import type { Deployment } from "../../../sdk/src/deployment/types.ts";
import { DvpnError } from "../../../sdk/src/errors/base.ts";
import { InvalidDeploymentError } from "../../../sdk/src/errors/deployment.ts";
import { ConfigError } from "../errors.ts";

/**
 * Reads and validates `deployments/<chainId>.json` (the agent needs the registry and the escrow).
 * @param path the file.
 * @param label how the option is named in the error (`deployment file`, `--deployment`).
 * @returns the record.
 * @throws ConfigError "… cannot be read" or "… is not a deployment record", with the SDK's reason.
 * @example readDeploymentFile("deployments/31337.json", "--deployment").chainId // 31337
 */
export function readDeploymentFile(path: string, label = "deployment file"): Deployment {
  try {
    return loadDeployment({ file: path, contracts: ["ProviderRegistry", "SessionEscrow"] });
  } catch (err) {
    const reason = err instanceof DvpnError ? err.shortMessage : String(err);
    const what = err instanceof InvalidDeploymentError ? "is not a deployment record" : "cannot be read";
    throw new ConfigError(`${label} ${path} ${what}: ${reason}`, { cause: err });
  }
}
