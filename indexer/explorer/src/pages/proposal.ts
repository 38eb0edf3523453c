/**
 * One proposal: title and description, each action in words, tally and quorum, state and
 * timelock ETA, the votes cast, and voting from the connected wallet.
 */
import { getFeedProposal } from "../../../../sdk/src/feed/actions.ts";
import type { FeedProposalDetail } from "../../../../sdk/src/feed/types.ts";
import type { VoteSupport } from "../../../../sdk/src/actions/governance/castVote.ts";
import { feed, loadConfig, nowSeconds, watchBlocks, type ExplorerConfig } from "../app.ts";
import { describeAction, type CurrentParameters } from "../decode.ts";
import { emptyView, errorView, facts, h, loadingView, replace, table } from "../dom.ts";
import { amount, formatTime, relative, shortAddress } from "../format.ts";
import { currentWallet } from "../wallet.ts";
import { loadParameters } from "./governance.ts";
import { tally, walletPanel } from "./vote.ts";

const SUPPORT = ["Against", "For", "Abstain"];

export async function renderProposal(main: HTMLElement, signal: AbortSignal, idText: string): Promise<void> {
  const id = BigInt(idText);
  replace(main, h("h1", null, "Proposal"), loadingView("the proposal"));
  const config = await loadConfig();
  const body = h("div");
  const status = h("p", { role: "status", "aria-live": "polite", "data-testid": "vote-status" });
  const wallet = walletPanel(config, () => void load());
  replace(main, h("p", null, h("a", { href: "#/governance" }, "← All proposals")), body);
  let shownKey = "";
  async function load() {
    try {
      const [p, current] = await Promise.all([getFeedProposal(feed, { id, votesFirst: 100 }), loadParameters()]);
      if (signal.aborted) return;
      if (!p) {
        replace(body, h("h1", null, "Proposal"), emptyView(`The indexer knows no proposal ${id}.`));
        return;
      }
      // Re-render only on change, so a half-typed reason survives the block refresh.
      const key = `${p.state}/${p.forVotes}/${p.againstVotes}/${p.abstainVotes}/${p.voteCount}/${currentWallet()?.address}`;
      if (key !== shownKey) {
        shownKey = key;
        replace(body, ...view(p, config, current, wallet.el, voteForm(p)));
      }
      await wallet.refresh();
    } catch (err) {
      replace(
        body,
        h("h1", null, "Proposal"),
        errorView("the proposal", err, () => void load()),
      );
    }
  }

  function voteForm(p: FeedProposalDetail): HTMLElement {
    if (p.state !== "Active") {
      return h(
        "div",
        null,
        h("p", { class: "muted" }, `Voting is ${p.state === "Pending" ? "not open yet" : "closed"}.`),
        status,
      );
    }
    if (!currentWallet()) return h("div", null, h("p", { class: "muted" }, "Connect a wallet above to vote."), status);
    const reason = h("input", {
      name: "reason",
      placeholder: "reason (optional, recorded on chain)",
      size: 40,
      "aria-label": "Reason",
    });
    const button = (support: VoteSupport, label: string) =>
      h(
        "button",
        { type: "button", "data-testid": `vote-${support}`, onclick: () => void vote(support, reason.value) },
        label,
      );
    return h(
      "div",
      { class: "vote" },
      reason,
      button("for", "Vote for"),
      button("against", "Vote against"),
      button("abstain", "Abstain"),
      status,
    );
  }

  async function vote(support: VoteSupport, reason: string) {
    const w = currentWallet();
    if (!w) return;
    status.textContent = `Voting ${support}: confirm in your wallet…`;
    try {
      const r = await w.client.castVote({ proposalId: id, support, ...(reason ? { reason } : {}) });
      status.textContent = `Voted ${support} with ${amount(r.weight, config.token)} (transaction ${shortAddress(r.hash)}).`;
      await load();
    } catch (err) {
      status.textContent = `Vote not counted: ${(err as { shortMessage?: string }).shortMessage ?? (err as Error).message}`;
    }
  }

  await load();
  watchBlocks(signal, () => void load());
}

function view(
  p: FeedProposalDetail,
  config: ExplorerConfig,
  current: CurrentParameters,
  walletEl: HTMLElement,
  voteEl: HTMLElement,
): HTMLElement[] {
  const [title, ...rest] = p.description.split("\n");
  const now = nowSeconds();
  const actions = p.targets.map((target, i) => ({
    target,
    value: BigInt(p.values[i] ?? 0n),
    data: p.calldatas[i] ?? "0x",
  }));
  return [
    h("h1", null, title || "(no title)"),
    h("p", null, h("span", { class: `state state-${p.state}`, "data-testid": "state" }, p.state)),
    rest.join("\n").trim() ? h("p", { class: "description" }, rest.join("\n").trim()) : h("span"),
    h(
      "section",
      null,
      h("h2", null, "What it does"),
      h(
        "ol",
        { class: "actions", "data-testid": "actions" },
        actions.map((a) => h("li", null, describeAction(a, config, current))),
      ),
    ),
    h(
      "section",
      null,
      h("h2", null, "Votes"),
      tally(p, config, Number(current.quorumNumerator ?? config.deployment.parameters.governor.quorumNumerator)),
      walletEl,
      voteEl,
    ),
    h(
      "section",
      null,
      h("h2", null, "Timeline"),
      facts([
        ["Proposer", h("span", { class: "mono" }, p.proposer)],
        ["Proposal id", h("span", { class: "mono" }, String(p.id))],
        ["Created", `${formatTime(p.createdAt)} (block ${p.createdBlock})`],
        ["Voting starts", `${formatTime(p.voteStart)} (${relative(p.voteStart, now)})`],
        ["Voting ends", `${formatTime(p.voteEnd)} (${relative(p.voteEnd, now)})`],
        ["Queued", p.queuedAt ? formatTime(p.queuedAt) : "-"],
        ["Timelock ETA", p.eta ? `${formatTime(p.eta)} (${relative(p.eta, now)})` : "-"],
        ["Executed", p.executedAt ? formatTime(p.executedAt) : "-"],
        ["Canceled", p.canceledAt ? formatTime(p.canceledAt) : "-"],
      ]),
    ),
    h(
      "section",
      null,
      h("h2", null, "Voters"),
      p.votes.items.length === 0
        ? emptyView("No votes yet.")
        : table(
            `${p.votes.totalCount} vote(s)`,
            ["Voter", "Vote", "Weight", "Reason", "When"],
            p.votes.items.map((v) => ({
              cells: [
                h("span", { title: v.voter, class: "mono" }, shortAddress(v.voter)),
                SUPPORT[v.support] ?? String(v.support),
                amount(v.weight, config.token),
                v.reason || "-",
                formatTime(v.timestamp),
              ],
            })),
          ),
    ),
  ];
}
