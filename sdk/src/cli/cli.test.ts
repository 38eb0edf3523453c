import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { createPublicClient, defineChain, http, type Address } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { createDvpnClient } from "../client/createDvpnClient.ts";
import { generateWgKeyPair, isWgKey } from "../wireguard/keys.ts";
import { startCliChain, type CliChain } from "../../test/cliChain.ts";
import { feedProvider, startFakeFeed } from "../../test/fakeFeed.ts";
import { COMMANDS } from "./commands/index.ts";
import { commandHelp } from "./main.ts";

describe("dvpn CLI", () => {
  let c: CliChain;
  let providerAddress: Address;
  const json = (s: string) => JSON.parse(s) as Record<string, unknown>;
  const oneLine = (s: string) => s.trim().split("\n").length === 1;

  before(async () => {
    c = await startCliChain({ users: 4, voter: 1 });
  });
  after(async () => {
    await c?.stop();
  });

  async function increaseTime(seconds: number) {
    const pc = createPublicClient({ transport: http(c.url) });
    await pc.transport.request({ method: "evm_increaseTime", params: [seconds] });
    await pc.transport.request({ method: "evm_mine", params: [] });
  }

  function sdkClient(i: number) {
    const chain = defineChain({
      id: 31337,
      name: "hardhat",
      nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
      rpcUrls: { default: { http: [c.url] } },
    });
    return createDvpnClient({
      chain,
      transport: http(c.url),
      account: privateKeyToAccount(c.keys[i]!),
      deployment: c.deployment,
      pollingInterval: 50,
    });
  }

  it("every command has --help with examples; the binary prints help and rejects unknown commands", async () => {
    for (const cmd of COMMANDS) {
      const text = commandHelp(cmd);
      assert.match(text, new RegExp(`^dvpn ${cmd.path.join(" ")}: `));
      assert.match(text, /\nExamples:\n {2}dvpn /);
      assert.match(text, /--key-file <file>/);
    }
    const top = await c.dvpn(["--help"]);
    assert.equal(top.code, 0);
    assert.match(top.stdout, /gov propose/);
    const sub = await c.dvpn(["session", "close", "--help"]);
    assert.equal(sub.code, 0);
    assert.match(sub.stdout, /Usage: dvpn session close <session-id>/);
    const unknown = await c.dvpn(["teleport"]);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /^dvpn: unknown command "teleport"/);
    const badFlag = await c.dvpn(["providers", "--colour"]);
    assert.equal(badFlag.code, 2);
    assert.ok(oneLine(badFlag.stderr), badFlag.stderr);
  });

  it("provider register, status and providers (table and --json); the key is never printed", async () => {
    const keys = generateWgKeyPair();
    const reg = await c.dvpn([
      "provider",
      "register",
      "--endpoint",
      "gw.example.org:51820",
      "--wg-public-key",
      keys.publicKey,
      "--region",
      "DE",
      "--price-gib",
      "0.05",
      "--price-min",
      "0.0001",
      "--max-sessions",
      "3",
      "--stake",
      "1000",
      "--key-file",
      c.keyFiles[0]!,
      "--json",
    ]);
    assert.equal(reg.code, 0, reg.stderr);
    const out = json(reg.stdout);
    providerAddress = out.provider as Address;
    assert.equal(providerAddress, c.addresses[0]);
    assert.equal(out.stake, "1000000000000000000000");
    const key = c.keys[0]!.slice(2).toLowerCase();
    assert.ok(!reg.stdout.toLowerCase().includes(key) && !reg.stderr.toLowerCase().includes(key));

    const status = await c.dvpn(["provider", "status", "--json"], { env: { DVPN_PRIVATE_KEY: c.keys[0]! } });
    assert.equal(status.code, 0, status.stderr);
    const s = json(status.stdout);
    assert.equal(s.registered, true);
    assert.equal(s.available, true);
    assert.equal(s.wgPublicKey, keys.publicKey);
    assert.equal(s.pricePerGiB, "50000");

    const table = await c.dvpn(["providers", "--region", "de"]);
    assert.equal(table.code, 0, table.stderr);
    assert.match(table.stdout, /^ADDRESS\s+REGION\s+PRICE\/GiB/);
    assert.match(table.stdout, new RegExp(`${providerAddress}\\s+DE\\s+0\\.05 mUSD\\s+0\\.0001 mUSD\\s+1000 DVPN`));
    const before = await c.dvpn(["--deployments-dir", c.dir, "--json", "providers"]);
    assert.equal(before.code, 0, before.stderr);
    assert.equal((json(before.stdout) as { items: { id: string }[] }).items[0]!.id, providerAddress);
    const none = await c.dvpn(["providers", "--region", "FR", "--json"]);
    assert.deepEqual(json(none.stdout).items, []);
  });

  it("provider exit-policy publishes (checked first), shows, and providers filter on it from the chain", async () => {
    const env = { DVPN_PRIVATE_KEY: c.keys[0]! };
    const policy = "deny-ports=25;deny-ranges=10.0.0.0/8";
    const pub = await c.dvpn(["provider", "exit-policy", "--policy", policy, "--json"], { env });
    assert.equal(pub.code, 0, pub.stderr);
    assert.equal(json(pub.stdout).exitPolicy, policy);
    const bad = await c.dvpn(["provider", "exit-policy", "--policy", "deny-ports=0"], { env });
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /^dvpn: invalid deny-ports "0": is not a port/);
    const shown = await c.dvpn(["provider", "exit-policy", "--address", providerAddress]);
    assert.equal(shown.code, 0, shown.stderr);
    assert.match(shown.stdout, /exit policy\s+deny-ports=25;deny-ranges=10\.0\.0\.0\/8/);
    assert.match(shown.stdout, /meaning\s+ports 25 refused; 10\.0\.0\.0\/8 refused/);
    const status = await c.dvpn(["provider", "status", "--json"], { env });
    assert.equal(json(status.stdout).exitPolicy, policy);
    const ids = async (args: string[]) => {
      const r = await c.dvpn(["providers", ...args, "--json"]);
      assert.equal(r.code, 0, r.stderr);
      return (json(r.stdout) as { items: { id: string; exitPolicy: string }[] }).items;
    };
    assert.deepEqual(
      (await ids(["--allows-port", "443"])).map((p) => [p.id, p.exitPolicy]),
      [[providerAddress, policy]],
    );
    assert.deepEqual(await ids(["--allows-port", "25"]), []);
    assert.equal((await ids(["--denies-port", "25"]))[0]?.id, providerAddress);
    const table = await c.dvpn(["providers"]);
    assert.match(table.stdout, /EXIT POLICY/);
    assert.match(table.stdout, /deny-ports=25;deny-ranges=10\.0\.0\.0\/8/);
    const cleared = await c.dvpn(["provider", "exit-policy", "--policy", ""], { env });
    assert.equal(cleared.code, 0, cleared.stderr);
    assert.equal(json((await c.dvpn(["provider", "status", "--json"], { env })).stdout).exitPolicy, "");
  });

  it("providers and provider status read the indexer feed with --indexer", async () => {
    const item = feedProvider({ id: providerAddress });
    const feed = await startFakeFeed({
      providers: () => ({ items: [item], pageInfo: { hasNextPage: true, endCursor: "abc" }, totalCount: 7 }),
      provider: () => item,
    });
    try {
      const list = await c.dvpn([
        "providers",
        "--indexer",
        feed.url,
        "--region",
        "DE",
        "--max-price-gib",
        "0.06",
        "--min-score",
        "80",
        "--order-by",
        "score",
        "--order",
        "desc",
        "--first",
        "5",
        "--allows-port",
        "443",
        "--denies-port",
        "25",
        "--json",
      ]);
      assert.equal(list.code, 0, list.stderr);
      const out = json(list.stdout) as { source: string; items: { id: string; score: number }[]; pageInfo: unknown };
      assert.equal(out.source, "feed");
      assert.equal(out.items[0]!.id, providerAddress);
      assert.equal(out.items[0]!.score, 87.5);
      assert.equal((out.items[0] as unknown as { exitPolicy: string }).exitPolicy, "deny-ports=25");
      assert.deepEqual(feed.calls.at(-1), {
        where: { region: "DE", maxPricePerGiB: "60000", minScore: 80, allowsPort: 443, deniesPort: 25 },
        orderBy: "score",
        orderDirection: "desc",
        first: 5,
      });
      const human = await c.dvpn(["providers"], { env: { DVPN_INDEXER_URL: feed.url } });
      assert.match(human.stdout, /87\.5/);
      assert.match(human.stdout, /more: --after abc\n$/);
      const status = await c.dvpn(["provider", "status", "--address", providerAddress, "--indexer", feed.url]);
      assert.equal(status.code, 0, status.stderr);
      assert.match(status.stdout, /score\s+87\.5/);
      assert.match(status.stdout, /paid volume\s+0\.25 mUSD/);
      const badScore = await c.dvpn(["providers", "--indexer", feed.url, "--min-score", "101"]);
      assert.equal(badScore.code, 2);
    } finally {
      await feed.close();
    }
    const down = await c.dvpn(["providers", "--indexer", "http://127.0.0.1:1/graphql"]);
    assert.equal(down.code, 1);
    assert.match(down.stderr, /^dvpn: indexer feed at http:\/\/127\.0\.0\.1:1\/graphql: cannot reach it/);
  });

  it("provider status shows the published transport (kind, port, pin, client id), and none once withdrawn", async () => {
    const env = { DVPN_PRIVATE_KEY: c.keys[0]! };
    const offer = {
      kind: "v2ray" as const,
      port: 8443,
      certSha256: `0x${"ab".repeat(32)}` as const,
      clientId: "1390b9d6-a461-36b4-e51e-fbe72fb69e5f",
    };
    await sdkClient(0).setTransport({ offer });
    const status = await c.dvpn(["provider", "status", "--json"], { env });
    assert.equal(status.code, 0, status.stderr);
    assert.deepEqual(json(status.stdout).transport, offer);
    const human = await c.dvpn(["provider", "status", "--address", providerAddress]);
    assert.equal(human.code, 0, human.stderr);
    assert.match(human.stdout, /\ntransport\s+v2ray \(VLESS over WebSocket and TLS\) on TCP 8443\n/);
    assert.match(human.stdout, new RegExp(`\\ncertificate sha256\\s+${offer.certSha256}\\n`));
    assert.match(human.stdout, new RegExp(`\\nclient id\\s+${offer.clientId}\\n`));
    const withdrawn = await c.dvpn(["provider", "transport", "--kind", "none"], { env });
    assert.equal(withdrawn.code, 0, withdrawn.stderr);
    assert.equal(json((await c.dvpn(["provider", "status", "--json"], { env })).stdout).transport, null);
    const none = await c.dvpn(["provider", "status"], { env });
    assert.match(none.stdout, /\ntransport\s+none offered\n/);
    assert.doesNotMatch(none.stdout, /certificate sha256/);
  });

  it("provider pause, unpause, heartbeat and stake", async () => {
    const env = { DVPN_PRIVATE_KEY: c.keys[0]! };
    assert.equal((await c.dvpn(["provider", "pause"], { env })).code, 0);
    const again = await c.dvpn(["provider", "pause"], { env });
    assert.equal(again.code, 1);
    assert.equal(again.stderr, `dvpn: pause: provider ${providerAddress} is already paused\n`);
    assert.equal((await c.dvpn(["provider", "unpause"], { env })).code, 0);
    assert.equal((await c.dvpn(["provider", "heartbeat"], { env })).code, 0);
    const staked = await c.dvpn(["provider", "stake", "--amount", "250.5", "--json"], { env });
    assert.equal(staked.code, 0, staked.stderr);
    assert.equal(json(staked.stdout).stake, "1250500000000000000000");
  });

  it("bad input: a malformed key, an unknown provider, a price above the cap, a missing deployment", async () => {
    const badKey = join(c.dir, "bad-key");
    writeFileSync(badKey, "0x1234deadbeef\n");
    const wrong = await c.dvpn(["provider", "heartbeat", "--key-file", badKey]);
    assert.equal(wrong.code, 1);
    assert.ok(oneLine(wrong.stderr));
    assert.match(wrong.stderr, /private key in --key-file .* is malformed/);
    assert.ok(!wrong.stderr.includes("1234deadbeef"), "the key's content is not printed");
    const envKey = await c.dvpn(["provider", "heartbeat"], { env: { DVPN_PRIVATE_KEY: "nothex" } });
    assert.equal(envKey.code, 1);
    assert.match(envKey.stderr, /DVPN_PRIVATE_KEY is malformed/);
    assert.ok(!envKey.stderr.includes("nothex"));
    const noKey = await c.dvpn(["provider", "heartbeat"]);
    assert.equal(noKey.code, 1);
    assert.match(noKey.stderr, /needs? .*--key-file|signs transactions/);

    const env = { DVPN_PRIVATE_KEY: c.keys[1]! };
    const unknown = await c.dvpn(
      ["connect", "--provider", "0x0000000000000000000000000000000000000001", "--max-price-gib", "1", "--deposit", "1"],
      { env },
    );
    assert.equal(unknown.code, 1);
    assert.equal(unknown.stderr, "dvpn: provider 0x0000000000000000000000000000000000000001 is not registered\n");

    const tooCheap = await c.dvpn(
      ["connect", "--provider", providerAddress, "--max-price-gib", "0.01", "--deposit", "1", "--json"],
      { env },
    );
    assert.equal(tooCheap.code, 1);
    assert.match(tooCheap.stderr, /provider's price 50000 is above your maximum 10000\n$/);
    assert.match(json(tooCheap.stdout).error as string, /above your maximum 10000/);

    const badRegion = await c.dvpn(["connect", "--region", "Deutschland", "--max-price-gib", "1", "--deposit", "1"], {
      env,
    });
    assert.equal(badRegion.code, 2);
    assert.match(badRegion.stderr, /^dvpn: invalid --region: must be an ISO 3166-1 alpha-2 code such as DE\n$/);

    const missing = await c.dvpn(["providers", "--deployments-dir", join(c.dir, "nowhere")]);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /^dvpn: no deployment for chain 31337 at .*nowhere\/31337\.json \(file not found\)/);
    assert.ok(oneLine(missing.stderr));
  });

  it("connect opens with a permit, waits for acceptance and writes the wg-quick config; session status/close", async () => {
    const configPath = join(c.dir, "dvpn-test.conf");
    const provider = sdkClient(0);
    const child = c.spawnDvpn(
      [
        "connect",
        "--provider",
        providerAddress,
        "--max-price-gib",
        "0.05",
        "--deposit",
        "5",
        "--config",
        configPath,
        "--json",
      ],
      { DVPN_PRIVATE_KEY: c.keys[2]! },
    );
    let stdout = "";
    let stderr = "";
    child.stdout!.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on("close", resolve));
    try {
      // Act as the provider's agent: accept the session once it is pending.
      let sessionId = 0n;
      for (const deadline = Date.now() + 90_000; Date.now() < deadline && sessionId === 0n;) {
        const s = await provider.getSession({ sessionId: 1n });
        if (s.status === "Pending") sessionId = 1n;
        else await new Promise((r) => setTimeout(r, 100));
      }
      assert.equal(sessionId, 1n, `no pending session; stderr: ${stderr}`);
      await provider.acceptSession({ sessionId, tunnelAddress: "10.77.0.2/16,fd77:dead:beef::2/64" });
      const code = await exited;
      assert.equal(code, 0, stderr);
    } finally {
      if (child.exitCode === null) child.kill("SIGKILL");
    }
    const out = json(stdout);
    assert.equal(out.sessionId, "1");
    assert.equal(out.tunnelAddress, "10.77.0.2/16,fd77:dead:beef::2/64");
    assert.equal(out.gateway, "10.77.0.1");
    assert.equal(out.config, configPath);
    assert.match(stderr, /waiting for the provider to accept session 1/);
    assert.match(stderr, /session 1 accepted/);
    const text = readFileSync(configPath, "utf8");
    assert.equal(statSync(configPath).mode & 0o777, 0o600);
    // DNS: the provider's resolver on the gateway; a DNS line only where wg-quick can use it (resolvconf).
    const resolvconf = spawnSync("sh", ["-c", "command -v resolvconf"]).status === 0;
    assert.match(
      text,
      resolvconf
        ? /^\[Interface\]\nPrivateKey = \S+\nAddress = 10\.77\.0\.2\/16, fd77:dead:beef::2\/64\nDNS = 10\.77\.0\.1\n/
        : /^\[Interface\]\nPrivateKey = \S+\nAddress = 10\.77\.0\.2\/16, fd77:dead:beef::2\/64\n\n\[Peer\]/,
    );
    if (!resolvconf) {
      assert.match(stderr, /DNS: no DNS line in the config \(wg-quick needs resolvconf.*`nameserver 10\.77\.0\.1`/);
    }
    const record = await provider.getProvider({ provider: providerAddress });
    assert.match(text, new RegExp(`\\[Peer\\]\\nPublicKey = ${record.wgPublicKeyBase64.replace(/[+/]/g, "\\$&")}\\n`));
    assert.match(
      text,
      /Endpoint = gw\.example\.org:51820\nAllowedIPs = 0\.0\.0\.0\/0, ::\/0\nPersistentKeepalive = 25\n$/,
    );
    const privateKey = /PrivateKey = (\S+)/.exec(text)![1]!;
    assert.ok(isWgKey(privateKey));
    assert.ok(!stdout.includes(privateKey) && !stderr.includes(privateKey), "the tunnel key stays in the file");

    const status = await c.dvpn(["session", "status", "1", "--json"]);
    assert.equal(status.code, 0, status.stderr);
    assert.equal(json(status.stdout).status, "Active");
    assert.equal(json(status.stdout).client, c.addresses[2]);

    const close = await c.dvpn(["session", "close", "1", "--json"], { env: { DVPN_PRIVATE_KEY: c.keys[2]! } });
    assert.equal(close.code, 0, close.stderr);
    assert.ok(Number(json(close.stdout).settlementDeadline) > 0);
    const early = await c.dvpn(["session", "finalize", "1"], { env: { DVPN_PRIVATE_KEY: c.keys[3]! } });
    assert.equal(early.code, 1);
    assert.match(early.stderr, /^dvpn: finalize: session 1 can be finalized only after \d{4}-/);
    const noSession = await c.dvpn(["session", "status", "x"]);
    assert.equal(noSession.code, 2);
  });

  it("connect --region picks the best provider from the feed, or says none matches", async () => {
    const feed = await startFakeFeed({
      providers: () => ({
        items: [feedProvider({ id: providerAddress })],
        pageInfo: { hasNextPage: false, endCursor: null },
        totalCount: 1,
      }),
    });
    const provider = sdkClient(0);
    const child = c.spawnDvpn(
      ["connect", "--region", "DE", "--max-price-gib", "0.05", "--deposit", "1", "--indexer", feed.url, "--json"],
      { DVPN_PRIVATE_KEY: c.keys[2]! },
    );
    let stdout = "";
    let stderr = "";
    child.stdout!.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on("close", resolve));
    try {
      let pending = false;
      for (const deadline = Date.now() + 90_000; Date.now() < deadline && !pending;) {
        pending = (await provider.getSession({ sessionId: 2n })).status === "Pending";
        if (!pending) await new Promise((r) => setTimeout(r, 100));
      }
      assert.ok(pending, `no pending session 2; stderr: ${stderr}`);
      await provider.acceptSession({ sessionId: 2n, tunnelAddress: "10.77.0.3/16" });
      assert.equal(await exited, 0, stderr);
    } finally {
      if (child.exitCode === null) child.kill("SIGKILL");
      await feed.close();
    }
    assert.match(stderr, new RegExp(`picked ${providerAddress} \\(score 87\\.5\\) from the feed`));
    assert.deepEqual(feed.calls[0], {
      where: { available: true, region: "DE", maxPricePerGiB: "50000" },
      orderBy: "score",
      orderDirection: "desc",
      first: 1,
    });
    assert.equal(json(stdout).sessionId, "2");
    const mine = await c.dvpn(["session", "list", "--json"], { env: { DVPN_PRIVATE_KEY: c.keys[2]! } });
    assert.equal(mine.code, 0, mine.stderr);
    const items = (json(mine.stdout) as { items: { sessionId: string; status: string }[] }).items;
    assert.deepEqual(
      items.map((i) => [i.sessionId, i.status]),
      [
        ["2", "Active"],
        ["1", "Closing"],
      ],
    );
    const theirs = await c.dvpn(["session", "list", "--provider", providerAddress]);
    assert.match(theirs.stdout, /^ID\s+STATUS\s+PROVIDER/);
    assert.match(theirs.stdout, /\n2\s+Active\s+/);

    const none = await c.dvpn(["connect", "--region", "FR", "--max-price-gib", "1", "--deposit", "1"], {
      env: { DVPN_PRIVATE_KEY: c.keys[2]! },
    });
    assert.equal(none.code, 1);
    assert.equal(none.stderr, "dvpn: no available provider in FR at or under 1 mUSD/GiB\n");
  });

  it("connect withdraws a session the provider does not accept within --accept-timeout, saying the refund", async () => {
    const env = { DVPN_PRIVATE_KEY: c.keys[3]! };
    const before = json((await c.dvpn(["balance", "--json"], { env })).stdout) as { paymentToken: string };
    const r = await c.dvpn(
      ["connect", "--provider", providerAddress, "--max-price-gib", "0.05", "--deposit", "2", "--accept-timeout", "2"],
      { env },
    );
    assert.equal(r.code, 1, r.stderr);
    const m =
      /dvpn: session (\d+) was not accepted: [^;]+; session \1 withdrawn \(transaction 0x[0-9a-f]{64}\): refund 2 mUSD\n$/.exec(
        r.stderr,
      );
    assert.ok(m, r.stderr);
    const s = await sdkClient(0).getSession({ sessionId: BigInt(m[1]!) });
    assert.equal(s.status, "Closed", "withdrawn long before the accept deadline");
    const after = json((await c.dvpn(["balance", "--json"], { env })).stdout) as { paymentToken: string };
    assert.equal(after.paymentToken, before.paymentToken, "the whole deposit is back");
  });

  it("gov delegate, propose, vote, queue, execute and proposals", async () => {
    const env = { DVPN_PRIVATE_KEY: c.keys[1]! };
    const del = await c.dvpn(["gov", "delegate", "--json"], { env });
    assert.equal(del.code, 0, del.stderr);
    assert.equal(json(del.stdout).votes, "100100000000000000000000000");
    const outOfBounds = await c.dvpn(["gov", "propose", "--set", "protocolFeeBps=5000", "--description", "x"], { env });
    assert.equal(outOfBounds.code, 2);
    assert.match(outOfBounds.stderr, /invalid protocolFeeBps 5000: must be within the contract's bounds \[0, 1000\]/);

    const proposed = await c.dvpn(
      ["gov", "propose", "--set", "protocolFeeBps=100", "--description", "Lower the protocol fee to 1%", "--json"],
      { env },
    );
    assert.equal(proposed.code, 0, proposed.stderr);
    const id = json(proposed.stdout).proposalId as string;
    await increaseTime(61);
    const vote = await c.dvpn(["gov", "vote", id, "--support", "for", "--reason", "cheaper", "--json"], { env });
    assert.equal(vote.code, 0, vote.stderr);
    assert.equal(json(vote.stdout).weight, "100100000000000000000000000");
    const badVote = await c.dvpn(["gov", "vote", id, "--support", "maybe"], { env });
    assert.equal(badVote.code, 2);
    await increaseTime(301);
    const queued = await c.dvpn(["gov", "queue", id, "--json"], { env });
    assert.equal(queued.code, 0, queued.stderr);
    assert.equal(json(queued.stdout).state, "Queued");
    await increaseTime(61);
    const executed = await c.dvpn(["gov", "execute", id, "--json"], { env: { DVPN_PRIVATE_KEY: c.keys[3]! } });
    assert.equal(executed.code, 0, executed.stderr);
    assert.equal(json(executed.stdout).state, "Executed");
    const list = await c.dvpn(["gov", "proposals"]);
    assert.equal(list.code, 0, list.stderr);
    assert.match(list.stdout, /^ID\s+STATE\s+FOR/);
    assert.match(
      list.stdout,
      new RegExp(`${id}\\s+Executed\\s+100100000\\s+0\\s+0\\s+\\S+\\s+Lower the protocol fee to 1%`),
    );
    assert.equal((await sdkClient(0).getParameters()).escrow.protocolFeeBps, 100);
    const params = await c.dvpn(["params"]);
    assert.equal(params.code, 0, params.stderr);
    assert.match(params.stdout, /protocolFeeBps\s+100 \[0 \.\. 1000\]\n/);
    assert.match(params.stdout, /minStake\s+1000 DVPN \[0\.000000000000000001 DVPN \.\. 10000000 DVPN\]\n/);
    const balance = await c.dvpn(["balance", "--json"], { env });
    assert.equal(balance.code, 0, balance.stderr);
    assert.equal(json(balance.stdout).delegate, c.addresses[1]);
    assert.equal(json(balance.stdout).votes, "100100000000000000000000000");
  });

  it("provider update, unstake and withdraw", async () => {
    const env = { DVPN_PRIVATE_KEY: c.keys[3]! };
    const reg = await c.dvpn(
      [
        "provider",
        "register",
        "--endpoint",
        "nl.example.org:51820",
        "--wg-public-key",
        generateWgKeyPair().publicKey,
        "--region",
        "NL",
        "--price-gib",
        "0.02",
        "--price-min",
        "0",
        "--max-sessions",
        "1",
        "--stake",
        "1000",
      ],
      { env },
    );
    assert.equal(reg.code, 0, reg.stderr);
    const nothing = await c.dvpn(["provider", "update"], { env });
    assert.equal(nothing.code, 2);
    const upd = await c.dvpn(
      ["provider", "update", "--endpoint", "nl2.example.org:51821", "--price-gib", "0.03", "--price-min", "0.001"],
      { env },
    );
    assert.equal(upd.code, 0, upd.stderr);
    const status = json((await c.dvpn(["provider", "status", "--json"], { env })).stdout);
    assert.equal(status.endpoint, "nl2.example.org:51821");
    assert.equal(status.region, "NL");
    assert.equal(status.pricePerGiB, "30000");
    assert.equal(status.pricePerMinute, "1000");
    const badKey = await c.dvpn(["provider", "update", "--wg-public-key", "AAAA"], { env });
    assert.equal(badKey.code, 2);
    assert.match(
      badKey.stderr,
      /^dvpn: invalid wgPublicKey "AAAA": must be a base64 WireGuard key of exactly 32 bytes/,
    );

    const unstake = await c.dvpn(["provider", "unstake", "--amount", "1000", "--json"], { env });
    assert.equal(unstake.code, 0, unstake.stderr);
    assert.equal(json(unstake.stdout).deregistered, true);
    const early = await c.dvpn(["provider", "withdraw"], { env });
    assert.equal(early.code, 1);
    assert.match(early.stderr, /^dvpn: withdraw: unbonding ends at \d{4}-\d\d-\d\dT/);
    await increaseTime(86_401);
    const withdrawn = await c.dvpn(["provider", "withdraw", "--json"], { env });
    assert.equal(withdrawn.code, 0, withdrawn.stderr);
    assert.equal(json(withdrawn.stdout).withdrawn, "1000000000000000000000");
  });
});
