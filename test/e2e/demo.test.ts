/**
 * The README's main job as a test: the demo scenario on real parts — a hardhat node, the
 * indexer on PostgreSQL, the gateway agent with wireguard-go in network namespaces, real
 * traffic — with every figure the demo prints checked.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { createShutdown } from "../../sdk/src/shutdown/createShutdown.ts";
import { dataPlaneUnavailableReason, ownedTag } from "../../scripts/lib/netns.ts";
import { runDemo, type DemoSummary } from "../../scripts/demo/runDemo.ts";
import { priceUsage, protocolFee } from "../../sdk/src/vouchers/usage.ts";
import { creditCap, DEFAULT_CREDIT_POLICY } from "../../sdk/src/tunnel/paymentPlan.ts";

const PG_ADMIN = process.env.DVPN_TEST_PG_ADMIN_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";

describe("end to end: the demo scenario through a real tunnel", () => {
  const shutdown = createShutdown();
  const dbName = `dvpn_e2e_${process.pid}_${Date.now()}`;
  const dataDir = mkdtempSync(join(tmpdir(), "dvpn-e2e-"));
  let summary: DemoSummary;
  let output = "";

  before(async () => {
    const reason = await dataPlaneUnavailableReason();
    // This machine kind has root, /dev/net/tun and the Debian packages: the tunnel must run.
    assert.equal(reason, undefined, `the WireGuard data plane cannot run here: ${reason}`);
    const admin = new pg.Client({ connectionString: PG_ADMIN });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${dbName}`);
    await admin.end();
    const databaseUrl = PG_ADMIN.replace(/\/[^/]*$/, `/${dbName}`);
    // Its own state folder, so a demo running meanwhile keeps its agent's store.
    summary = await runDemo({ shutdown, databaseUrl, dataDir, write: (t) => (output += t) });
  });

  after(async () => {
    await shutdown.shutdown();
    rmSync(dataDir, { recursive: true, force: true });
    const admin = new pg.Client({ connectionString: PG_ADMIN });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
    await admin.end();
  });

  it("ran with the real data plane and fetched content through the tunnel", () => {
    assert.equal(summary.dataPlane.enabled, true, output);
    assert.equal(summary.contentBytes, 4 * (8 << 20));
    // Every fetched byte crossed the tunnel, plus WireGuard and TCP overhead.
    assert.ok(summary.clientTunnelBytes > BigInt(summary.contentBytes), `${summary.clientTunnelBytes}`);
  });

  it("the voucher keeps up with the agent's meter and stays within the client's credit", () => {
    const mine = summary.clientTunnelBytes;
    const theirs = summary.agentMeteredBytes;
    const { bytes, percent } = summary.lagTolerance;
    // The provider's side: the claimed voucher trails its meter (read just after it) by no more than its tolerance.
    assert.ok(
      summary.voucher.bytes + bytes + (theirs * BigInt(percent)) / 100n >= theirs,
      `voucher ${summary.voucher.bytes} vs meter ${theirs}`,
    );
    // The client's side: never more than its credit beyond its own counter.
    assert.ok(
      summary.voucher.bytes <= creditCap(mine, DEFAULT_CREDIT_POLICY),
      `voucher ${summary.voucher.bytes} vs ${mine}`,
    );
    assert.ok(summary.voucher.bytes > BigInt(summary.contentBytes), `voucher ${summary.voucher.bytes}`);
  });

  it("payment = price × usage, and refund + payment = deposit", () => {
    assert.ok(summary.claims >= 1);
    assert.equal(summary.paid, priceUsage(summary.terms, summary.voucher));
    assert.ok(summary.paid > 0n);
    assert.equal(summary.providerReceived + summary.fee, summary.paid);
    assert.equal(summary.refund + summary.paid, summary.terms.deposit);
    // The fee is taken per claim (rounded down each time), so it is at most the fee on the total.
    assert.ok(summary.fee <= protocolFee(summary.paid, summary.terms.feeBps));
    assert.ok(summary.fee >= protocolFee(summary.paid, summary.terms.feeBps) - BigInt(summary.claims));
  });

  it("the feed shows the provider's new reputation and availability", () => {
    const rep = summary.reputation.after;
    assert.ok(rep, "provider missing from the feed");
    assert.equal(rep.sessionsCompleted, (summary.reputation.before?.sessionsCompleted ?? 0) + 1);
    assert.equal(BigInt(rep.bytesServed), summary.voucher.bytes);
    assert.equal(BigInt(rep.paidVolume), summary.paid);
    assert.ok(summary.availability);
    assert.equal(summary.availability.activeSessions, 0);
    assert.equal(summary.availability.capacity, 16);
  });

  it("governance changed the protocol fee and the feed shows it", () => {
    assert.equal(summary.governance.oldFeeBps, 250);
    assert.equal(summary.governance.newFeeBps, 300);
    assert.equal(summary.governance.feedFeeBps, 300);
  });

  it("cleans up every namespace, interface and process it created", async () => {
    await shutdown.shutdown();
    const { execFileSync } = await import("node:child_process");
    const namespaces = execFileSync("ip", ["netns", "list"], { encoding: "utf8" });
    const tag = ownedTag();
    assert.ok(!namespaces.includes(`dvpn-${tag}-`), namespaces);
    const links = execFileSync("ip", ["-o", "link"], { encoding: "utf8" });
    assert.ok(!links.includes(`dv${tag}`), links);
    const processes = execFileSync("ps", ["-eo", "args"], { encoding: "utf8" });
    const port = new URL(summary.rpcUrl).port;
    assert.doesNotMatch(processes, new RegExp(`hardhat node .*--port ${port}\\b`));
  });
});
