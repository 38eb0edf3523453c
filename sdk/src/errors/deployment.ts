import { DvpnError } from "./base.ts";

/** No deployment record exists for a chain, or it cannot be read. */
export class DeploymentNotFoundError extends DvpnError {
  override name = "DeploymentNotFoundError";
  /** The file that was looked for. */
  path: string;
  /** @param params where it was looked for, and why it failed. */
  constructor(params: { path: string; chainId?: number | undefined; reason?: string; cause?: unknown }) {
    const what = params.chainId !== undefined ? `for chain ${params.chainId} ` : "";
    super(
      `no deployment ${what}at ${params.path}${params.reason ? ` (${params.reason})` : ""}: run \`npm run deploy\` or pass the deployment file explicitly`,
      { cause: params.cause },
    );
    this.path = params.path;
  }
}

/** A deployment record is malformed or belongs to another chain. */
export class InvalidDeploymentError extends DvpnError {
  override name = "InvalidDeploymentError";
  /** @param reason what is wrong with it. */
  constructor(reason: string, options: { cause?: unknown } = {}) {
    super(`invalid deployment record: ${reason}`, options);
  }
}
