import { DvpnError } from "./base.ts";

/** The indexer feed could not be reached, answered with an HTTP error, or returned GraphQL errors. */
export class FeedError extends DvpnError {
  override name = "FeedError";
  /** HTTP status, when the server answered. */
  status: number | undefined;
  /** GraphQL error messages, when any. */
  graphqlErrors: string[];
  /** @param params what failed. */
  constructor(params: { url: string; reason: string; status?: number; graphqlErrors?: string[]; cause?: unknown }) {
    super(`indexer feed at ${params.url}: ${params.reason}`, { cause: params.cause });
    this.status = params.status;
    this.graphqlErrors = params.graphqlErrors ?? [];
  }
}
