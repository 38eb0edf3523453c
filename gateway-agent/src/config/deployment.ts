/**
 * The agent's door to a deployment record file: the SDK's {@link loadDeployment} (the one
 * loader), with its errors turned into a {@link ConfigError} that names the option.
 */
import { loadDeployment } from "../../../sdk/src/deployment/loadDeployment.ts";
import { parseDeployment } from "../../../sdk/src/deployment/parseDeployment.ts";
import type { Deployment } from "../../../sdk/src/deployment/types.ts";
import { DvpnError } from "../../../sdk/src/errors/base.ts";
import { InvalidDeploymentError } from "../../../sdk/src/errors/deployment.ts";
import { ConfigError } from "../errors.ts";
import type { AgentConfig } from "./schema.ts";

/** The contracts the agent reads and writes; a record needs only these. */
const AGENT_CONTRACTS = ["ProviderRegistry", "SessionEscrow"] as const;

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
    return loadDeployment({ file: path, contracts: AGENT_CONTRACTS });
  } catch (err) {
    const reason = err instanceof DvpnError ? err.shortMessage : String(err);
    const what = err instanceof InvalidDeploymentError ? "is not a deployment record" : "cannot be read";
    throw new ConfigError(`${label} ${path} ${what}: ${reason}`, { cause: err });
  }
}

/**
 * The config's `deployment`: read from its file, or the record given (validated by the SDK's
 * {@link parseDeployment}, as a file is).
 * @throws ConfigError as {@link readDeploymentFile}.
 * @example resolveDeployment(config.deployment).contracts.SessionEscrow.address
 */
export function resolveDeployment(d: AgentConfig["deployment"]): Deployment {
  if (typeof d === "string") return readDeploymentFile(d);
  try {
    return parseDeployment(d, { contracts: AGENT_CONTRACTS });
  } catch (err) {
    const reason = err instanceof DvpnError ? err.shortMessage : String(err);
    throw new ConfigError(`deployment is not a deployment record: ${reason}`, { cause: err });
  }
}
