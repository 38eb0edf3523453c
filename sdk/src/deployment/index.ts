export { loadDeployment, parseDeployment, type LoadDeploymentParameters } from "./loadDeployment.ts";
export type { ContractName, DeployedContract, Deployment, DeploymentParameters } from "./types.ts";
