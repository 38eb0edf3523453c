import { DvpnError } from "./base.ts";

/**
 * An argument was rejected before anything was sent: a malformed address, WireGuard key,
 * amount, region, endpoint or parameter value.
 * @example throw new InvalidInputError({ field: "region", value: "Germany", reason: "must be an ISO 3166-1 alpha-2 code such as DE" })
 */
export class InvalidInputError extends DvpnError {
  override name = "InvalidInputError";
  /** The name of the rejected argument. */
  field: string;
  /** The rejected value, as text (never a secret). */
  value: string;

  /** @param params the field, its value (shown) and why it was rejected. */
  constructor(params: { field: string; value: unknown; reason: string; cause?: unknown }) {
    const shown = typeof params.value === "string" ? JSON.stringify(params.value) : String(params.value);
    super(`invalid ${params.field} ${shown.length > 80 ? shown.slice(0, 77) + "..." : shown}: ${params.reason}`, {
      cause: params.cause,
    });
    this.field = params.field;
    this.value = shown;
  }
}

/** An action needs a signing account but the client was created without one. */
export class AccountRequiredError extends DvpnError {
  override name = "AccountRequiredError";
  /** @param action the action that needed an account. */
  constructor(action: string) {
    super(
      `${action} needs an account: create the client with \`account\` (a viem account, an address or an ethers signer)`,
    );
  }
}

/** The client has no indexer URL but a feed query was made. */
export class FeedNotConfiguredError extends DvpnError {
  override name = "FeedNotConfiguredError";
  constructor() {
    super("no indexer URL configured: pass `indexerUrl` to createDvpnClient (CLI: --indexer or DVPN_INDEXER_URL)");
  }
}
