/**
 * The network explorer as a person uses it: Debian's Chromium (headless, through playwright-core)
 * against the demo's live network (a hardhat node, the protocol, the indexer serving the
 * explorer). The network page shows the feed's providers and totals, a provider page its score,
 * uptime and published exit policy, a session page where its deposit went, and a voter with a browser wallet delegates,
 * votes on a new proposal and sees the tally change. The header follows new blocks over the feed's stream,
 * polls while the stream is down and goes back to it once it answers.
 *
 * Needs the Debian package `chromium`: skipped with a message without it, failed under CI.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createWalletClient, http, parseUnits, type Address } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import type { Browser, Page } from "playwright-core";
import { buildExplorer } from "../../scripts/build-web.ts";
import { chromiumPath, launchChromium } from "../../scripts/lib/chromium.ts";
import { createShutdown } from "../../sdk/src/shutdown/createShutdown.ts";
import { localChain } from "../../scripts/demo/accounts.ts";
import { runDemo, type DemoSummary } from "../../scripts/demo/runDemo.ts";
import { dvpnTokenAbi, mockStablecoinAbi } from "../../sdk/src/abi/index.ts";
import { generateWgKeyPair } from "../../sdk/src/wireguard/keys.ts";
import { createDvpnClient } from "../../sdk/src/client/createDvpnClient.ts";
import { buildParameterChange } from "../../sdk/src/actions/governance/buildParameterChange.ts";
import { getProposalId } from "../../sdk/src/actions/governance/proposal.ts";
import type { Deployment } from "../../sdk/src/deployment/types.ts";
import {
  findProviders,
  findSessions,
  getFeedProposal,
  getFeedProvider,
  getNetworkSeries,
  getNetworkStats,
  getProviderSeries,
} from "../../sdk/src/feed/actions.ts";
import { describeTransport } from "../../sdk/src/transport/offer.ts";
import { amount, percent, price, score } from "../../indexer/explorer/src/format.ts";
import { waitFor } from "../kit/testChain.ts";
import { injectWallet } from "./injectedWallet.ts";

const missing = chromiumPath() ? undefined : "Chromium is not installed (apt-get install -y chromium)";
const skip = missing && !process.env.CI ? `${missing}: explorer end-to-end tests skipped` : false;
const DVPN = { symbol: "DVPN", decimals: 18 };
const MUSD = { symbol: "mUSD", decimals: 6 };

describe("explorer end to end in Chromium", { skip }, () => {
  const shutdown = createShutdown();
  const dataDir = mkdtempSync(join(tmpdir(), "dvpn-explorer-e2e-"));
  let summary: DemoSummary;
  let deployment: Deployment;
  let browser: Browser;
  let page: Page;
  let output = "";
  const feed = () => ({ indexerUrl: summary.graphqlUrl, fetch, feedTimeoutMs: 15_000 });

  before(async () => {
    assert.equal(missing, undefined, `${missing}: the set-up installs it (CI)`);
    await buildExplorer();
    summary = await runDemo({ shutdown, skipDataPlane: true, dataDir, indexerPort: 0, write: (t) => (output += t) });
    deployment = (await (await fetch(`${summary.explorerUrl}explorer.json`)).json()).deployment as Deployment;
    browser = await launchChromium();
    page = await browser.newPage();
  });

  after(async () => {
    await browser?.close();
    await shutdown.shutdown();
    rmSync(dataDir, { recursive: true, force: true });
  });

  /** The chain's unlocked account (it holds the rest of the DVPN supply) with an SDK client. */
  async function funder() {
    const chain = localChain(summary.rpcUrl, deployment.chainId);
    const reader = createDvpnClient({ chain, transport: http(summary.rpcUrl), deployment });
    const [address] = (await reader.publicClient.request({ method: "eth_accounts" } as never)) as Address[];
    assert.ok(address, "the local chain has an unlocked account");
    const gov = createDvpnClient({
      chain,
      transport: http(summary.rpcUrl),
      account: address,
      deployment,
      pollingInterval: 100,
    });
    return { chain, gov, wallet: createWalletClient({ chain, transport: http(summary.rpcUrl), account: address }) };
  }

  /** Sends 10 ETH for gas and `dvpn` DVPN from the funder. */
  async function fund(to: Address, dvpn: bigint) {
    const { gov, wallet } = await funder();
    const wait = (hash: `0x${string}`) => gov.publicClient.waitForTransactionReceipt({ hash });
    await wait(await wallet.sendTransaction({ to, value: 10n ** 19n }));
    if (dvpn > 0n) {
      const token = deployment.contracts.DVPNToken.address;
      await wait(
        await wallet.writeContract({ address: token, abi: dvpnTokenAbi, functionName: "transfer", args: [to, dvpn] }),
      );
    }
  }

  /** A fresh key with an SDK client on the demo's chain (not funded). */
  async function newAccount() {
    const { chain } = await funder();
    const account = privateKeyToAccount(generatePrivateKey());
    const client = createDvpnClient({
      chain,
      transport: http(summary.rpcUrl),
      account,
      deployment,
      pollingInterval: 100,
    });
    return { account, client };
  }

  /** A new provider in `region` (funded, registered at 0.05 mUSD/GiB and 0.001 mUSD/min). */
  async function newProvider(region: string) {
    const provider = await newAccount();
    await fund(provider.account.address, parseUnits("5000", 18));
    await provider.client.registerProvider({
      endpoint: `${region.toLowerCase()}.vpn.example:51820`,
      wgPublicKey: generateWgKeyPair().publicKey,
      region,
      pricePerGiB: parseUnits("0.05", 6),
      pricePerMinute: parseUnits("0.001", 6),
      maxSessions: 4,
      stake: parseUnits("2000", 18),
    });
    return provider;
  }

  it("the network page lists the demo's providers with the feed's figures", async () => {
    await page.goto(summary.explorerUrl);
    await page.waitForSelector("[data-provider]");
    const { items } = await findProviders(feed(), { orderBy: "score", orderDirection: "desc", first: 25 });
    assert.equal(items.length, 4, output);
    const rows = await page.$$eval("[data-provider]", (trs) =>
      trs.map((tr) => ({
        id: tr.getAttribute("data-provider"),
        cells: [...tr.querySelectorAll("td")].map((td) => td.textContent ?? ""),
      })),
    );
    assert.deepEqual(
      rows.map((r) => r.id),
      items.map((p) => p.id),
    );
    for (const [i, p] of items.entries()) {
      const cells = rows[i]!.cells;
      assert.equal(cells[1], p.region);
      assert.equal(cells[2], price(p.pricePerGiB, MUSD, "GiB"));
      assert.equal(cells[3], price(p.pricePerMinute, MUSD, "min"));
      assert.equal(cells[4], amount(p.stake, DVPN));
      assert.equal(cells[5], score(p.reputation.score));
      assert.equal(cells[6], percent(p.reputation.uptime24h));
    }
    const stats = await getNetworkStats(feed());
    assert.equal(await page.textContent("[data-stat=totalStake] strong"), amount(stats.totalStake, DVPN));
    assert.equal(await page.textContent("[data-stat=providersOnline] strong"), `${stats.providersOnline} of 4`);
    assert.deepEqual(
      await page.$$eval("[data-region]", (els) => els.map((e) => e.getAttribute("data-region"))),
      stats.byRegion.map((r) => r.region),
    );
    assert.match((await page.textContent("[data-session]")) ?? "", new RegExp(`#${summary.sessionId}`));
  });

  /** A chart's figures as the page shows them in its table: bucket start → value (null: none). */
  async function chartFigures(target: Page, chart: string): Promise<[number, number | null][]> {
    await target.waitForSelector(`[data-chart=${chart}] tr[data-start], [data-chart=${chart}] .state.empty`, {
      state: "attached",
    });
    return target.$$eval(`[data-chart=${chart}] tr[data-start]`, (trs) =>
      trs.map((tr) => {
        const v = tr.getAttribute("data-value");
        return [Number(tr.getAttribute("data-start")), v === "" || v === null ? null : Number(v)] as [
          number,
          number | null,
        ];
      }),
    );
  }

  /**
   * The page's figures equal the feed's, bucket by bucket; the current hour's average (providers
   * online, uptime) runs to the chain head's time, which a block indexed between the page's read
   * and the test's may move, so that bucket is compared by its start only.
   */
  function assertSameFigures(shown: [number, number | null][], feedFigures: [number, number | null][]): void {
    assert.deepEqual(shown.slice(0, -1), feedFigures.slice(0, -1));
    assert.equal(shown.at(-1)?.[0], feedFigures.at(-1)?.[0]);
  }

  it("the network page's charts show the demo's sessions with the feed's figures", async () => {
    await page.goto(summary.explorerUrl);
    const sessions = await chartFigures(page, "sessions");
    assert.equal(sessions.length, 24, "24 hourly buckets");
    const first = sessions[0]![0];
    const last = sessions.at(-1)![0];
    const series = await getNetworkSeries(feed(), { bucket: "hour", from: first, to: last });
    assert.deepEqual(
      sessions,
      series.map((b) => [b.start, b.sessionsOpened]),
    );
    // Every session the demo opened is in the chart, in the hour it was opened.
    const all = await findSessions(feed(), { first: 1000 });
    const inRange = all.items.filter((x) => x.openedAt >= first && x.openedAt < last + 3600);
    assert.ok(
      inRange.some((x) => x.id === summary.sessionId),
      "the demo's session is in the last 24 h",
    );
    assert.equal(
      sessions.reduce((sum, [, n]) => sum + (n ?? 0), 0),
      inRange.length,
    );
    for (const x of inRange)
      assert.ok(sessions.find(([start]) => start === x.openedAt - (x.openedAt % 3600))![1]! >= 1);
    const online = await chartFigures(page, "online");
    assertSameFigures(
      online,
      series.map((b) => [b.start, b.providersOnline]),
    );
    assert.ok(
      online.some(([, v]) => (v ?? 0) > 0),
      "the demo's providers were online",
    );
    // The 7-day range asks the feed again, by hour.
    await page.click("[aria-label='Time range'] >> text=7 d");
    await page.waitForFunction(() => document.querySelectorAll("[data-chart=sessions] tr[data-start]").length === 168);
    assert.equal(await page.getAttribute("[aria-label='Time range'] >> text=7 d", "aria-pressed"), "true");
    await page.click("[aria-label='Time range'] >> text=24 h");
  });

  it("the network page's filters and sort give the feed's answer, and say what is wrong with bad input", async () => {
    await page.goto(summary.explorerUrl);
    await page.waitForSelector("[data-provider]");
    await page.fill("input[name=maxPricePerGiB]", "abc");
    await page.click(".filters button[type=submit]");
    assert.match((await page.textContent("[data-testid=filter-problem]")) ?? "", /not a decimal number/);
    await page.fill("input[name=maxPricePerGiB]", "0.08");
    await page.fill("input[name=region]", "de");
    await page.selectOption("select[name=orderBy]", "pricePerGiB");
    await page.selectOption("select[name=orderDirection]", "asc");
    await page.click(".filters button[type=submit]");
    const { items } = await findProviders(feed(), {
      where: { region: "DE", maxPricePerGiB: parseUnits("0.08", 6) },
      orderBy: "pricePerGiB",
      orderDirection: "asc",
      first: 25,
    });
    assert.equal(items.length, 1, "one DE provider is under 0.08 mUSD/GiB");
    await page.waitForFunction((n) => document.querySelectorAll("[data-provider]").length === n, items.length);
    assert.deepEqual(
      await page.$$eval("[data-provider]", (trs) => trs.map((tr) => tr.getAttribute("data-provider"))),
      items.map((p) => p.id),
    );
    assert.equal(await page.textContent("[data-testid=total]"), `${items.length} provider(s), page 1`);
  });

  it("a provider page shows the score and uptime GraphQL gives", async () => {
    await page.goto(`${summary.explorerUrl}#/provider/${summary.provider}`);
    await page.waitForSelector("[data-testid=score]");
    const p = await getFeedProvider(feed(), { id: summary.provider });
    assert.ok(p);
    assert.equal(await page.textContent("[data-testid=score]"), score(p.reputation.score));
    const fact = (name: string) => page.textContent(`[data-testid=reputation] dd[data-field="${name}"]`);
    assert.equal(await fact("Uptime 24 h"), percent(p.reputation.uptime24h));
    assert.equal(await fact("Uptime 7 d"), percent(p.reputation.uptime7d));
    assert.equal(await fact("Sessions paid"), String(p.reputation.sessionsPaid));
    const policy = (await page.textContent("[data-testid=exit-policy]")) ?? "";
    if (p.exitPolicy.text === "") assert.match(policy, /^none published/);
    else assert.ok(policy.includes(p.exitPolicy.text), policy);
    assert.equal(
      await page.textContent("[data-testid=transport]"),
      p.transport ? `${describeTransport(p.transport)}certificate sha256 ${p.transport.certSha256}` : "none offered",
    );
    // The uptime chart: the feed's hourly uptime, the hour of the demo's session accepted.
    const uptime = await chartFigures(page, "uptime");
    const series = await getProviderSeries(feed(), {
      id: summary.provider,
      from: uptime[0]![0],
      to: uptime.at(-1)![0],
    });
    assert.ok(series);
    assertSameFigures(
      uptime,
      series.map((b) => [b.start, b.uptime]),
    );
    assert.ok(
      uptime.some(([, v]) => (v ?? 0) > 0),
      "the provider had a fresh heartbeat",
    );
    const mine = await findSessions(feed(), { where: { provider: summary.provider }, first: 1000 });
    const accepted = mine.items.filter((x) => x.acceptedAt !== null && x.acceptedAt >= uptime[0]![0]);
    assert.ok(accepted.length >= 1, "the demo's session was accepted");
    assert.equal(
      series.reduce((n, b) => n + b.sessionsAccepted, 0),
      accepted.length,
    );
  });

  it("a session page shows where the deposit went", async () => {
    await page.goto(`${summary.explorerUrl}#/session/${summary.sessionId}`);
    await page.waitForSelector("[data-testid=money]");
    const fact = (name: string) => page.textContent(`[data-testid=money] dd[data-field="${name}"]`);
    assert.equal(await fact("Paid"), amount(summary.paid, MUSD));
    assert.equal(await fact("Protocol fee"), amount(summary.fee, MUSD));
    assert.equal(await fact("Refund"), amount(summary.refund, MUSD));
    assert.equal(await page.locator("[data-testid=timeline] li").count(), 4 + summary.claims); // opened, accepted, the claims, closed, settled
  });

  it("fits a phone's width and works from the keyboard", async () => {
    const phone = await browser.newPage({ viewport: { width: 390, height: 844 } });
    for (const hash of ["#/", `#/provider/${summary.provider}`, `#/session/${summary.sessionId}`, "#/governance"]) {
      await phone.goto(`${summary.explorerUrl}${hash}`);
      await phone.waitForSelector("main h2");
      const width = await phone.evaluate(() => document.documentElement.scrollWidth);
      assert.ok(width <= 390, `${hash} is ${width} px wide at a 390 px viewport`);
    }
    // Each page takes the focus to <main>, so Tab reaches the page's first control; without a
    // wallet, connecting says what to install.
    assert.equal(await phone.evaluate(() => document.activeElement?.id), "main");
    await phone.keyboard.press("Tab");
    assert.equal(await phone.evaluate(() => document.activeElement?.textContent), "Connect wallet");
    await phone.keyboard.press("Enter");
    await phone.waitForFunction(() =>
      /no browser wallet found/.test(document.querySelector("[data-testid=wallet]")?.textContent ?? ""),
    );
    await phone.close();
  });

  it("a voter delegates and votes from the page with a browser wallet and sees the tally change", async () => {
    const { chain, gov } = await funder();
    const voter = privateKeyToAccount(generatePrivateKey());
    await fund(voter.address, parseUnits("1000000", 18));
    const weight = parseUnits("1000000", 18);
    const voterPage = await browser.newPage();
    await injectWallet(voterPage, { account: voter, chain, rpcUrl: summary.rpcUrl });
    await voterPage.goto(`${summary.explorerUrl}#/governance`);
    await voterPage.click("[data-testid=connect]");
    await voterPage.waitForSelector("[data-testid=delegate-to]");
    assert.match((await voterPage.textContent("[data-testid=delegate-to]")) ?? "", /nobody/);
    await voterPage.click("[data-testid=delegate]");
    await voterPage.waitForFunction(
      () => document.querySelector("[data-testid=delegate-to]")?.textContent === "yourself",
    );
    assert.equal(await voterPage.textContent("[data-testid=votes]"), amount(weight, DVPN));

    // A new proposal after the delegation, so the voter's votes count at its snapshot.
    const proposal = {
      actions: [buildParameterChange(deployment, { parameter: "protocolFeeBps", value: 200n })],
      description: `Lower the protocol fee to 2 %\nThe explorer test's proposal (${Date.now()}).`,
    };
    const proposalId = getProposalId(proposal);
    await gov.propose(proposal);
    await gov.publicClient.request({
      method: "evm_increaseTime",
      params: [deployment.parameters.governor.votingDelay + 1],
    } as never);
    await gov.publicClient.request({ method: "evm_mine", params: [] } as never);

    await voterPage.goto(`${summary.explorerUrl}#/proposal/${proposalId}`);
    await voterPage.waitForFunction(
      () => document.querySelector("[data-testid=state]")?.textContent === "Active",
      null,
      {
        timeout: 30_000,
      },
    );
    assert.match(
      (await voterPage.textContent("[data-testid=actions]")) ?? "",
      /protocol fee → 2 % \(bounds 0 % – 10 %/,
    );
    const forText = () => voterPage.textContent("[data-testid=tally] [data-vote=for]");
    assert.equal(await forText(), `For${amount(0n, DVPN)}`);
    await voterPage.click("[data-testid=vote-for]");
    await voterPage.waitForFunction(
      (expected) => document.querySelector("[data-testid=tally] [data-vote=for]")?.textContent === expected,
      `For${amount(weight, DVPN)}`,
      { timeout: 30_000 },
    );
    const p = await getFeedProposal(feed(), { id: proposalId });
    assert.equal(p?.forVotes, weight);
    assert.match((await voterPage.textContent("[data-testid=vote-status]")) ?? "", /Voted for with 1000000 DVPN/);
    await voterPage.close();
  });

  it("a new session appears on the network page without a reload", async () => {
    const { wallet } = await funder();
    await page.goto(summary.explorerUrl);
    await page.waitForSelector("[data-session]");
    await page.evaluate(() => ((window as unknown as { notReloaded: boolean }).notReloaded = true));
    const provider = await newProvider("FR");
    const user = await newAccount();
    await fund(user.account.address, 0n);
    await user.client.publicClient.waitForTransactionReceipt({
      hash: await wallet.writeContract({
        address: deployment.contracts.PaymentToken.address,
        abi: mockStablecoinAbi,
        functionName: "mint",
        args: [user.account.address, parseUnits("10", 6)],
      }),
    });
    const opened = await user.client.openSession({
      provider: provider.account.address,
      wgPublicKey: generateWgKeyPair().publicKey,
      deposit: parseUnits("1", 6),
      maxPricePerGiB: parseUnits("0.05", 6),
      maxPricePerMinute: parseUnits("0.001", 6),
    });
    await page.waitForSelector(`[data-session="${opened.sessionId}"]`, { timeout: 30_000 });
    // The page heard of the new blocks over the feed's indexedBlock stream, not by polling.
    assert.equal(await page.getAttribute("#live", "data-mode"), "live");
    assert.match((await page.textContent(`[data-session="${opened.sessionId}"]`)) ?? "", /Pending/);
    assert.ok(
      await page.locator(`[data-provider="${provider.account.address}"]`).count(),
      "the new provider is listed",
    );
    assert.equal(await page.evaluate(() => (window as unknown as { notReloaded?: boolean }).notReloaded), true);
  });

  it("a provider page shows the transport the provider published: kind, port and certificate pin", async () => {
    const provider = await newProvider("NL");
    const offer = {
      kind: "v2ray" as const,
      port: 8443,
      certSha256: `0x${"c4".repeat(32)}` as const,
      clientId: "1390b9d6-a461-36b4-e51e-fbe72fb69e5f",
    };
    await provider.client.setTransport({ offer });
    const id = provider.account.address;
    const p = await waitFor("the feed to show the transport", async () => {
      const x = await getFeedProvider(feed(), { id });
      return x?.transport ? x : undefined;
    });
    assert.deepEqual(p.transport, offer);
    await page.goto(`${summary.explorerUrl}#/provider/${id}`);
    await page.waitForSelector("[data-testid=transport]");
    assert.equal(
      await page.textContent("[data-testid=transport]"),
      `v2ray (VLESS over WebSocket and TLS) on TCP 8443certificate sha256 ${offer.certSha256}`,
    );
    assert.equal(await page.textContent("[data-testid=transport-cert]"), `certificate sha256 ${offer.certSha256}`);
  });

  it("falls back to polling when the feed's stream fails, and goes back to the stream when it answers again", async () => {
    const watcher = await browser.newPage();
    // The block subscription is the one request to /graphql that asks for an event stream.
    let refuse = true;
    let attempts = 0;
    await watcher.route("**/graphql", async (route) => {
      if (!(route.request().headers()["accept"] ?? "").includes("text/event-stream")) return route.continue();
      attempts++;
      return refuse ? route.abort("connectionrefused") : route.continue();
    });
    try {
      await watcher.goto(summary.explorerUrl);
      await watcher.waitForSelector("#live[data-mode=polling]", { timeout: 15_000 });
      // While polling, the page tries the stream again (after 2 s, then 4 s, …).
      const deadline = Date.now() + 15_000;
      while (attempts < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      assert.ok(attempts >= 2, `the page tried the stream ${attempts} time(s) while polling`);
      refuse = false;
      await watcher.waitForSelector("#live[data-mode=live]", { timeout: 20_000 });
      assert.match((await watcher.textContent("#live")) ?? "", /^block \d+$/);
    } finally {
      await watcher.close();
    }
  });
});
