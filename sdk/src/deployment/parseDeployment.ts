import { isAddress } from "viem";
import { InvalidDeploymentError } from "../errors/deployment.ts";
import type { ContractName, Deployment } from "./types.ts";

const CONTRACTS: ContractName[] = [
  "DVPNToken",
  "PaymentToken",
  "DVPNTimelock",
  "DVPNGovernor",
  "ProviderRegistry",
  "SessionEscrow",
];

/** Options of {@link parseDeployment}. */
export interface ParseDeploymentOptions {
  /** The contracts whose address must be there (default every one; a service that reads only some names those). */
  contracts?: readonly ContractName[] | undefined;
}

/**
 * Validates a deployment record's shape (chain id and the contract addresses).
 * @param json the parsed JSON.
 * @param options which contracts must be there (default all).
 * @returns it, typed.
 * @throws {InvalidDeploymentError} naming the first bad field.
 * @example const deployment = parseDeployment(await (await fetch("/deployments/8453.json")).json())
 */
export function parseDeployment(json: unknown, options: ParseDeploymentOptions = {}): Deployment {
  const d = json as Partial<Deployment> | null;
  if (!d || typeof d !== "object") throw new InvalidDeploymentError("not an object");
  if (typeof d.chainId !== "number") throw new InvalidDeploymentError("chainId is missing");
  if (typeof d.startBlock !== "number") throw new InvalidDeploymentError("startBlock is missing");
  for (const name of options.contracts ?? CONTRACTS) {
    const c = d.contracts?.[name];
    if (!c || typeof c.address !== "string" || !isAddress(c.address, { strict: false })) {
      throw new InvalidDeploymentError(`contracts.${name}.address is missing or not an address`);
    }
  }
  return d as Deployment;
}
