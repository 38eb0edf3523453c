/**
 * Governance: the parameters with their hard bounds, your wallet's votes and delegation, and
 * the proposals with their state and tally; refreshed on every indexed block.
 */
import { maxUint256 as MAX_UINT256 } from "viem";
import { findProposals } from "../../../../sdk/src/feed/actions.ts";
import { feedRequest } from "../../../../sdk/src/feed/request.ts";
import { GOVERNABLE_PARAMETERS } from "../../../../sdk/src/actions/governance/buildParameterChange.ts";
import { feed, loadConfig, watchBlocks, type ExplorerConfig } from "../app.ts";
import { formatParameter, type CurrentParameters } from "../decode.ts";
import { emptyView, errorView, h, loadingView, replace, table } from "../dom.ts";
import { formatTime } from "../format.ts";
import { tally, walletPanel } from "./vote.ts";

/** The feed's `parameters`, as the proposal pages show "now". */
export async function loadParameters(): Promise<CurrentParameters> {
  const data = await feedRequest<{ parameters: CurrentParameters }>(
    feed,
    `query { parameters { minStake unbondingPeriod heartbeatTimeout maxSlashBps protocolFeeBps acceptTimeout
      settlementWindow treasury votingDelay votingPeriod proposalThreshold quorumNumerator } }`,
  );
  return data.parameters;
}

export async function renderGovernance(main: HTMLElement, signal: AbortSignal): Promise<void> {
  const proposalsEl = h("div", null, loadingView("proposals"));
  const paramsEl = h("div", null, loadingView("parameters"));
  replace(main, h("h1", null, "Governance"), loadingView("the explorer settings"));
  const config = await loadConfig();
  const wallet = walletPanel(config, () => void load());
  replace(
    main,
    h("h1", null, "Governance"),
    h("section", { "aria-labelledby": "wallet-h" }, h("h2", { id: "wallet-h" }, "Your votes"), wallet.el),
    h("section", { "aria-labelledby": "proposals-h" }, h("h2", { id: "proposals-h" }, "Proposals"), proposalsEl),
    h("section", { "aria-labelledby": "params-h" }, h("h2", { id: "params-h" }, "Parameters"), paramsEl),
  );
  async function load() {
    await Promise.all([
      findProposals(feed, { first: 50, orderDirection: "desc" })
        .then((page) =>
          replace(
            proposalsEl,
            page.items.length === 0
              ? emptyView("No proposals yet. Anyone above the proposal threshold can make one (dvpn gov propose).")
              : h(
                  "ul",
                  { class: "proposals" },
                  page.items.map((p) =>
                    h(
                      "li",
                      { "data-proposal": String(p.id) },
                      h("a", { href: `#/proposal/${p.id}` }, p.description.split("\n")[0] || "(no title)"),
                      h("span", { class: `state state-${p.state}` }, p.state),
                      h("span", { class: "muted" }, `voting ends ${formatTime(p.voteEnd)}, ${p.voteCount} vote(s)`),
                      tally(p, config),
                    ),
                  ),
                ),
          ),
        )
        .catch((err: unknown) =>
          replace(
            proposalsEl,
            errorView("the proposals", err, () => void load()),
          ),
        ),
      loadParameters()
        .then((current) => replace(paramsEl, parameterTable(current, config)))
        .catch((err: unknown) =>
          replace(
            paramsEl,
            errorView("the parameters", err, () => void load()),
          ),
        ),
      wallet.refresh(),
    ]);
  }
  await load();
  watchBlocks(signal, () => void load());
}

function parameterTable(current: CurrentParameters, config: ExplorerConfig): HTMLElement {
  return table(
    "Protocol parameters (set only by governance, within hard bounds in the contracts)",
    ["Parameter", "Now", "Bounds", "Contract"],
    Object.entries(GOVERNABLE_PARAMETERS).map(([name, spec]) => ({
      attrs: { "data-parameter": name },
      cells: [
        name,
        current[name] === undefined ? "-" : formatParameter(name, current[name]!, config),
        spec.min === undefined
          ? "any address"
          : spec.max === MAX_UINT256
            ? `at least ${formatParameter(name, spec.min, config)}`
            : `${formatParameter(name, spec.min, config)} – ${formatParameter(name, spec.max, config)}`,
        spec.contract,
      ],
    })),
  );
}
