import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { DeploymentNotFoundError, InvalidDeploymentError } from "../errors/deployment.ts";
import { parseDeployment } from "./parseDeployment.ts";
import type { ContractName, Deployment } from "./types.ts";

/** Parameters of {@link loadDeployment}. */
export interface LoadDeploymentParameters {
  /** Read `<dir>/<chainId>.json`. */
  chainId?: number;
  /** Folder of deployment records (default `deployments` under the current directory). */
  dir?: string;
  /** Read this file instead (takes precedence over chainId/dir). */
  file?: string;
  /** The contracts whose address must be there (default every one). */
  contracts?: readonly ContractName[] | undefined;
}

/**
 * Reads a deployment record written by `npm run deploy` (`deployments/<chainId>.json`).
 * Node only (it reads the file system); in a browser, import the JSON and pass it to
 * {@link parseDeployment}.
 * @param params chain id and folder, or an explicit file.
 * @returns the validated record.
 * @throws {DeploymentNotFoundError} when the file is missing or unreadable.
 * @throws {InvalidDeploymentError} when it is malformed or for another chain.
 * @example const deployment = loadDeployment({ chainId: 31337, dir: "deployments" })
 */
export function loadDeployment(params: LoadDeploymentParameters): Deployment {
  const path = params.file
    ? resolve(params.file)
    : params.chainId !== undefined
      ? resolve(join(params.dir ?? "deployments", `${params.chainId}.json`))
      : undefined;
  if (!path) throw new InvalidDeploymentError("give a chainId (with an optional dir) or a file");
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new DeploymentNotFoundError({
      path,
      chainId: params.chainId,
      reason: code === "ENOENT" ? "file not found" : code,
      cause: err,
    });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new InvalidDeploymentError(`${path} is not JSON`, { cause: err });
  }
  const deployment = parseDeployment(json, { contracts: params.contracts });
  if (params.chainId !== undefined && deployment.chainId !== params.chainId) {
    throw new InvalidDeploymentError(`${path} is for chain ${deployment.chainId}, not ${params.chainId}`);
  }
  return deployment;
}
