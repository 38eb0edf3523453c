/** The sessions table shared by the network and provider pages. */
import type { FeedSession } from "../../../../sdk/src/feed/types.ts";
import type { ExplorerConfig } from "../app.ts";
import { h, table } from "../dom.ts";
import { amount, formatBytes, formatTime, shortAddress } from "../format.ts";

/** A table of sessions: id (linked), provider, client, status, opened, deposit, paid, bytes. */
export function sessionRows(caption: string, sessions: FeedSession[], config: ExplorerConfig): HTMLElement {
  return table(
    caption,
    ["Session", "Provider", "Client", "Status", "Opened", "Deposit", "Paid", "Bytes"],
    sessions.map((s) => ({
      attrs: { "data-session": String(s.id) },
      cells: [
        h("a", { href: `#/session/${s.id}` }, `#${s.id}`),
        h("a", { href: `#/provider/${s.provider}`, title: s.provider }, shortAddress(s.provider)),
        h("span", { title: s.client }, shortAddress(s.client)),
        s.outcome ? `${s.status} (${s.outcome})` : s.status,
        formatTime(s.openedAt),
        amount(s.deposit, config.paymentToken),
        amount(s.paid, config.paymentToken),
        formatBytes(s.claimedBytes),
      ],
    })),
  );
}
