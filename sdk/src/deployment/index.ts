export { parseDeployment } from "./parseDeployment.ts";
export type { ContractName, DeployedContract, Deployment, DeploymentParameters, TokenAllocation } from "./types.ts";
