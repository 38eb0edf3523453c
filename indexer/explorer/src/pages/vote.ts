/** The tally bars, and the wallet panel: connect, see your votes and delegate them. */
import { isAddress, type Address } from "viem";
import type { FeedProposal } from "../../../../sdk/src/feed/types.ts";
import type { ExplorerConfig } from "../app.ts";
import { bar, errorView, facts, h, replace } from "../dom.ts";
import { amount, shortAddress } from "../format.ts";
import { connectWallet, currentWallet } from "../wallet.ts";

/** For / against / abstain as bars with the amounts, and the quorum the proposal needs. */
export function tally(p: FeedProposal, config: ExplorerConfig, quorumNumerator?: number): HTMLElement {
  const total = p.forVotes + p.againstVotes + p.abstainVotes;
  const share = (v: bigint) => (total === 0n ? 0 : Number((v * 10_000n) / total) / 10_000);
  const votes = (v: bigint) => amount(v, config.token);
  const supply = BigInt(config.deployment.parameters.tokenSupply);
  const quorum = quorumNumerator === undefined ? undefined : (supply * BigInt(quorumNumerator)) / 100n;
  return h(
    "div",
    { class: "tally", "data-testid": "tally" },
    h("div", { "data-vote": "for" }, h("span", null, "For"), bar(share(p.forVotes), votes(p.forVotes))),
    h("div", { "data-vote": "against" }, h("span", null, "Against"), bar(share(p.againstVotes), votes(p.againstVotes))),
    h("div", { "data-vote": "abstain" }, h("span", null, "Abstain"), bar(share(p.abstainVotes), votes(p.abstainVotes))),
    quorum === undefined
      ? null
      : h(
          "p",
          { class: "muted" },
          `Quorum ${votes(quorum)} (${quorumNumerator} % of the supply; for and abstain count): ` +
            (p.forVotes + p.abstainVotes >= quorum ? "reached" : "not reached"),
        ),
  );
}

/** The wallet panel and a refresh that re-reads the connected account's votes from the chain. */
export function walletPanel(
  config: ExplorerConfig,
  changed: () => void,
): { el: HTMLElement; refresh(): Promise<void> } {
  const el = h("div", { class: "wallet", "data-testid": "wallet" });
  const status = h("p", { role: "status", "aria-live": "polite" });
  async function refresh(): Promise<void> {
    const w = currentWallet();
    if (!w) {
      replace(
        el,
        h("p", null, "Connect a browser wallet to see your voting power, delegate it and vote."),
        h("button", { type: "button", "data-testid": "connect", onclick: () => void connect() }, "Connect wallet"),
        status,
      );
      return;
    }
    try {
      const b = await w.client.getBalances({ address: w.address });
      const delegated = /^0x0{40}$/.test(b.delegate)
        ? "nobody (your tokens do not vote yet)"
        : b.delegate === w.address
          ? "yourself"
          : b.delegate;
      const input = h("input", {
        name: "delegatee",
        placeholder: "0x… (empty: yourself)",
        size: 44,
        "aria-label": "Delegate to",
      });
      const form = h(
        "form",
        { class: "inline" },
        input,
        h("button", { type: "submit", "data-testid": "delegate" }, "Delegate"),
      );
      form.addEventListener("submit", (e) => {
        e.preventDefault();
        const to = input.value.trim();
        if (to && !isAddress(to)) {
          status.textContent = `${to} is not an address: nothing was sent`;
          return;
        }
        void delegate((to || w.address) as Address);
      });
      replace(
        el,
        facts(
          [
            ["Account", h("span", { class: "mono", title: w.address }, shortAddress(w.address))],
            ["Balance", amount(b.token, config.token)],
            ["Voting power", h("span", { "data-testid": "votes" }, amount(b.votes, config.token))],
            ["Delegated to", h("span", { "data-testid": "delegate-to" }, delegated)],
          ],
          "wallet-facts",
        ),
        form,
        status,
      );
    } catch (err) {
      replace(
        el,
        errorView("your wallet's votes", err, () => void refresh()),
        status,
      );
    }
  }
  async function connect() {
    try {
      await connectWallet(config);
      changed();
    } catch (err) {
      status.textContent = (err as Error).message;
    }
  }
  async function delegate(to: Address) {
    const w = currentWallet();
    if (!w) return;
    status.textContent = `Delegating to ${shortAddress(to)}: confirm in your wallet…`;
    try {
      const r = await w.client.delegateVotes({ delegatee: to });
      status.textContent = `Delegated to ${shortAddress(to)} (transaction ${shortAddress(r.hash)}). Votes count on proposals made from now on.`;
      changed();
    } catch (err) {
      status.textContent = `Not delegated: ${(err as { shortMessage?: string }).shortMessage ?? (err as Error).message}`;
    }
  }
  return { el, refresh };
}
