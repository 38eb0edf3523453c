/**
 * `dvpn connect --up` end to end in network namespaces this test creates and removes: the CLI
 * runs in a client namespace, opens a session on a `hardhat node`, the test plays the
 * provider's agent (a wireguard-go interface in the provider namespace, the peer added on
 * SessionOpened, acceptSession, and a stand-in voucher API on the gateway 10.77.0.1:51830),
 * then the CLI brings the tunnel up with wg-quick and streams vouchers through it until SIGINT,
 * when it sends a last voucher, takes the tunnel down and closes the session. Then a second
 * session that the provider closes on chain: the CLI notices, takes the tunnel down, says what
 * was paid and refunded, and exits with code 3.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { createInterface } from "node:readline";
import type { ChildProcess } from "node:child_process";
import { defineChain, http, parseEventLogs, type Hex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { dataPlaneUnavailableReason, TOPOLOGY, type Topology } from "../../../test/kit/dataPlane.ts";
import { sessionEscrowAbi } from "../abi/index.ts";
import { createDvpnClient, type DvpnClient } from "../client/createDvpnClient.ts";
import { bytes32ToWgKey, generateWgKeyPair } from "../wireguard/keys.ts";
import { hashVoucherTerms, verifyUsageVoucher } from "../vouchers/usage.ts";
import type { CliChain } from "../../test/cliChain.ts";
import { startClientLab } from "../../test/clientUplink.ts";

const root = join(import.meta.dirname, "../../..");
const unavailable = await dataPlaneUnavailableReason();

describe("dvpn connect --up (network namespaces)", { skip: unavailable }, () => {
  let topo: Topology;
  let chain: CliChain;
  let provider: DvpnClient;
  const tag = `sc${process.pid % 100000}`;
  const providerIface = `dv${tag}w`;
  const children: ChildProcess[] = [];
  const vouchers: { sessionId: string; bytes: string; seconds: string; signature: Hex }[] = [];

  before(async () => {
    ({ topo, chain } = await startClientLab(tag, 2));
  });
  after(async () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
    await topo?.destroy();
    await chain?.stop();
  });

  it("opens, is accepted, brings the tunnel up, streams vouchers the escrow accepts, and closes on SIGINT", async () => {
    const viemChain = defineChain({
      id: 31337,
      name: "hardhat",
      nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
      rpcUrls: { default: { http: [chain.url] } },
    });
    provider = createDvpnClient({
      chain: viemChain,
      transport: http(chain.url),
      account: privateKeyToAccount(chain.keys[0]!),
      deployment: chain.deployment,
      pollingInterval: 50,
    });

    // The provider's gateway: wireguard-go in the provider namespace, 10.77.0.1/16, port 51820.
    const gw = generateWgKeyPair();
    topo.spawn(topo.provider, "wireguard-go", ["-f", providerIface], {
      env: { ...process.env, WG_I_PREFER_BUGGY_USERSPACE_TO_POLISHED_KMOD: "1" },
      stdio: "ignore",
    });
    for (let i = 0; ; i++) {
      try {
        await topo.run(topo.provider, "ip", ["link", "show", providerIface]);
        break;
      } catch (err) {
        if (i > 100) throw err;
        await new Promise((r) => setTimeout(r, 50));
      }
    }
    const keyFile = join(chain.dir, "gateway.key");
    writeFileSync(keyFile, gw.privateKey + "\n", { mode: 0o600 });
    await topo.run(topo.provider, "wg", ["set", providerIface, "private-key", keyFile, "listen-port", "51820"]);
    await topo.run(topo.provider, "ip", ["addr", "add", "10.77.0.1/16", "dev", providerIface]);
    await topo.run(topo.provider, "ip", ["link", "set", providerIface, "up"]);
    const agent = topo.spawn(topo.provider, process.execPath, [
      join(root, "sdk/test/fakeAgent.ts"),
      "10.77.0.1",
      "51830",
    ]);
    children.push(agent);
    createInterface({ input: agent.stdout! }).on("line", (line) => vouchers.push(JSON.parse(line)));

    await provider.registerProvider({
      endpoint: `${TOPOLOGY.providerToClient}:51820`,
      wgPublicKey: gw.publicKey,
      region: "DE",
      pricePerGiB: 50_000n,
      pricePerMinute: 100n,
      maxSessions: 2,
      stake: 1_000n * 10n ** 18n,
    });

    const configPath = join(chain.dir, `dv${tag}c.conf`);
    const cli = topo.spawn(
      topo.client,
      "bash",
      [
        join(root, "bin/dvpn"),
        "connect",
        "--provider",
        provider.account!.address,
        "--max-price-gib",
        "0.05",
        "--deposit",
        "5",
        "--up",
        "--voucher-interval",
        "1",
        "--split",
        "--allowed-ips",
        "10.77.0.0/16",
        "--dns",
        "none",
        "--config",
        configPath,
        "--json",
      ],
      {
        env: {
          PATH: process.env.PATH ?? "",
          HOME: process.env.HOME ?? "/tmp",
          DVPN_RPC_URL: chain.url,
          DVPN_DEPLOYMENTS_DIR: chain.dir,
          DVPN_PRIVATE_KEY: chain.keys[1]!,
          DVPN_STATE_DIR: join(chain.dir, "state"),
        },
      },
    );
    children.push(cli);
    let stdout = "";
    let stderr = "";
    cli.stdout!.on("data", (d: Buffer) => (stdout += d.toString()));
    cli.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((resolve) => cli.on("close", resolve));

    // Play the agent: on the pending session, add the client's key as a peer and accept.
    let opened: { sessionId: bigint; wgPublicKey: Hex } | undefined;
    for (const deadline = Date.now() + 90_000; Date.now() < deadline && !opened;) {
      const logs = await provider.publicClient.getContractEvents({
        address: chain.deployment.contracts.SessionEscrow.address,
        abi: sessionEscrowAbi,
        eventName: "SessionOpened",
        fromBlock: 0n,
      });
      const e = parseEventLogs({ abi: sessionEscrowAbi, logs, eventName: "SessionOpened" })[0];
      if (e) opened = { sessionId: e.args.sessionId, wgPublicKey: e.args.wgPublicKey };
      else await new Promise((r) => setTimeout(r, 100));
    }
    assert.ok(opened, `no session opened; CLI stderr: ${stderr}`);
    await topo.run(topo.provider, "wg", [
      "set",
      providerIface,
      "peer",
      bytes32ToWgKey(opened.wgPublicKey),
      "allowed-ips",
      "10.77.0.2/32",
    ]);
    await provider.acceptSession({ sessionId: opened.sessionId, tunnelAddress: "10.77.0.2/16" });

    // Vouchers arrive through the tunnel (only it reaches 10.77.0.1); wait for traffic to be counted.
    const enough = () => vouchers.some((v) => BigInt(v.bytes) > 0n && BigInt(v.seconds) >= 2n);
    for (const deadline = Date.now() + 90_000; Date.now() < deadline && !enough();) {
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.ok(
      vouchers.some((v) => BigInt(v.bytes) > 0n),
      `no voucher with bytes arrived; vouchers: ${JSON.stringify(vouchers)}; CLI stderr: ${stderr}`,
    );
    const ifaceUp = await topo.run(topo.client, "ip", ["-o", "addr", "show", `dv${tag}c`]);
    assert.match(ifaceUp, /10\.77\.0\.2\/16/);

    cli.kill("SIGINT");
    let timer: NodeJS.Timeout | undefined;
    const code = await Promise.race([
      exited,
      new Promise((r) => (timer = setTimeout(() => r("timeout"), 60_000))),
    ]).finally(() => clearTimeout(timer));
    assert.equal(code, 0, `exit ${String(code)}; stderr: ${stderr}`);
    const out = JSON.parse(stdout) as { closed: boolean; usage: { bytes: string; seconds: string }; sessionId: string };
    assert.equal(out.closed, true);
    assert.equal(out.sessionId, String(opened.sessionId));
    assert.match(stderr, /closing: interrupted/);

    // Every voucher is cumulative, monotonic, and signed by the session signer.
    const session = await provider.getSession({ sessionId: opened.sessionId });
    assert.equal(session.status, "Closing");
    const domain = { chainId: 31337, escrow: chain.deployment.contracts.SessionEscrow.address };
    for (let i = 0; i < vouchers.length; i++) {
      const v = vouchers[i]!;
      const voucher = {
        sessionId: BigInt(v.sessionId),
        terms: hashVoucherTerms(session),
        bytes: BigInt(v.bytes),
        seconds: BigInt(v.seconds),
      };
      assert.ok(await verifyUsageVoucher({ domain, voucher, signature: v.signature, signer: session.signer }));
      if (i > 0) {
        assert.ok(
          voucher.bytes >= BigInt(vouchers[i - 1]!.bytes) && voucher.seconds >= BigInt(vouchers[i - 1]!.seconds),
        );
      }
    }
    const last = vouchers.at(-1)!;
    assert.deepEqual(out.usage, { bytes: last.bytes, seconds: last.seconds });
    // The provider claims the last voucher within the settlement window.
    const claim = await provider.claimUsage({
      sessionId: opened.sessionId,
      bytes: BigInt(last.bytes),
      seconds: BigInt(last.seconds),
      signature: last.signature,
    });
    assert.ok(claim.amount > 0n);
    // The tunnel is down.
    await assert.rejects(topo.run(topo.client, "ip", ["link", "show", `dv${tag}c`]));
  });

  it("says what the provider's close did to the money and exits 3", async () => {
    const stateDir = join(chain.dir, "state");
    const cli = topo.spawn(
      topo.client,
      "bash",
      [
        join(root, "bin/dvpn"),
        "connect",
        "--provider",
        provider.account!.address,
        "--max-price-gib",
        "0.05",
        "--deposit",
        "5",
        "--up",
        "--split",
        "--allowed-ips",
        "10.77.0.0/16",
        "--dns",
        "none",
        "--config",
        join(chain.dir, `dv${tag}c.conf`),
        "--json",
      ],
      {
        env: {
          PATH: process.env.PATH ?? "",
          HOME: process.env.HOME ?? "/tmp",
          DVPN_RPC_URL: chain.url,
          DVPN_DEPLOYMENTS_DIR: chain.dir,
          DVPN_PRIVATE_KEY: chain.keys[1]!,
          DVPN_STATE_DIR: stateDir,
        },
      },
    );
    children.push(cli);
    let stdout = "";
    let stderr = "";
    cli.stdout!.on("data", (d: Buffer) => (stdout += d.toString()));
    cli.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((resolve) => cli.on("close", resolve));
    let opened: { sessionId: bigint; wgPublicKey: Hex } | undefined;
    for (const deadline = Date.now() + 90_000; Date.now() < deadline && !opened;) {
      const logs = await provider.publicClient.getContractEvents({
        address: chain.deployment.contracts.SessionEscrow.address,
        abi: sessionEscrowAbi,
        eventName: "SessionOpened",
        fromBlock: 0n,
      });
      const e = parseEventLogs({ abi: sessionEscrowAbi, logs, eventName: "SessionOpened" }).find(
        (x) => x.args.sessionId > 1n,
      );
      if (e) opened = { sessionId: e.args.sessionId, wgPublicKey: e.args.wgPublicKey };
      else await new Promise((r) => setTimeout(r, 100));
    }
    assert.ok(opened, `no second session opened; CLI stderr: ${stderr}`);
    await topo.run(topo.provider, "wg", [
      "set",
      providerIface,
      "peer",
      bytes32ToWgKey(opened.wgPublicKey),
      "allowed-ips",
      "10.77.0.3/32",
    ]);
    await provider.acceptSession({ sessionId: opened.sessionId, tunnelAddress: "10.77.0.3/16" });
    const id = String(opened.sessionId);
    for (const deadline = Date.now() + 90_000; Date.now() < deadline && !vouchers.some((v) => v.sessionId === id);) {
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.ok(
      vouchers.some((v) => v.sessionId === id),
      `no voucher for session ${id}; CLI stderr: ${stderr}`,
    );

    // The provider closes (as an agent does when it cuts a client): the client notices from the chain.
    await provider.closeSession({ sessionId: opened.sessionId });
    let timer: NodeJS.Timeout | undefined;
    const code = await Promise.race([
      exited,
      new Promise((r) => (timer = setTimeout(() => r("timeout"), 60_000))),
    ]).finally(() => clearTimeout(timer));
    assert.equal(code, 3, `exit ${String(code)}; stderr: ${stderr}`);
    assert.match(stderr, /provider closed the session: paid [\d.]+ mUSD, refund [\d.]+ mUSD of the 5 mUSD deposit/);
    const out = JSON.parse(stdout) as { ended: string; money: string };
    assert.equal(out.ended, "provider-closed");
    const s = await provider.getSession({ sessionId: opened.sessionId });
    assert.equal(s.status, "Closed");
    await assert.rejects(topo.run(topo.client, "ip", ["link", "show", `dv${tag}c`]), "the tunnel is still up");
    // No kill switch in a split tunnel, so nothing is left to lift: the state is gone.
    await assert.rejects(import("node:fs/promises").then((fs) => fs.access(join(stateDir, "connection.json"))));
  });
});
