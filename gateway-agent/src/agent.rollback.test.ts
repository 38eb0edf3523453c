/**
 * The documented upgrade-and-rollback path (docs/operators.md): copy the data folder, let a newer
 * agent write its store (simulated: the schema version moved up), roll back: the older agent
 * refuses that store with the way back and changes nothing; with the copy restored it starts
 * with every peer, session and counted byte. Mock data plane and chain.
 */
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { cpSync, mkdtempSync, rmSync } from "node:fs";
import { DatabaseSync } from "node:sqlite";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pino from "pino";
import type { Hex } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { createGatewayAgent } from "./agent.ts";
import { STORE_SCHEMA_VERSION, StoreVersionError } from "./store/schemaVersion.ts";
import { createMockChain } from "./testing/mockChain.ts";
import { createMockBackend } from "./wireguard/mock.ts";
import { mockAgentConfig } from "./testing/mockConfig.ts";

const key = generatePrivateKey();
const provider = privateKeyToAccount(key).address;
const signer = privateKeyToAccount(generatePrivateKey());
const root = mkdtempSync(join(tmpdir(), "agent-rollback-"));
after(() => rmSync(root, { recursive: true, force: true }));
const now = () => 1_000_000;
const chain = createMockChain(provider, now);
const backend = createMockBackend("dvpn-mock", now);
const dataDir = join(root, "data");
const wgKey = `0x${"05".repeat(32)}` as Hex;
const wgB64 = Buffer.from(wgKey.slice(2), "hex").toString("base64");

const makeAgent = () =>
  createGatewayAgent(
    {
      ...mockAgentConfig({ privateKey: key, dataDir }),
      metricsListen: "",
      confirmations: 0,
    },
    { backend, chain, logger: pino({ level: "silent" }), now },
  );

test("a rollback refuses the newer store; with the copy restored every peer and counted byte is kept", async () => {
  const first = makeAgent();
  await first.start();
  const id = chain.open({ wgPublicKey: wgKey, signer: signer.address });
  await first.tick();
  backend.traffic(wgB64, 4000n, 1000n);
  await first.reconcile();
  assert.equal(first.session(id)?.meteredBytes, 5000n);
  await first.stop();

  // Upgrade: copy the data folder, then the newer agent migrates the store forward.
  cpSync(dataDir, join(root, "copy"), { recursive: true });
  const db = new DatabaseSync(join(dataDir, "agent.sqlite"));
  db.exec(`PRAGMA user_version = ${STORE_SCHEMA_VERSION + 1}`);
  db.close();

  // Rollback without the copy: refused, with the way back.
  assert.throws(
    () => makeAgent(),
    (err: Error) => err instanceof StoreVersionError && /restore the copy of the data folder/.test(err.message),
  );
  assert.ok(backend.peers.has(wgB64), "the refused start did not touch the peers");

  // Rollback with the copy restored.
  rmSync(dataDir, { recursive: true });
  cpSync(join(root, "copy"), dataDir, { recursive: true });
  const back = makeAgent();
  await back.start();
  try {
    await back.reconcile();
    assert.equal(back.session(id)?.status, "active");
    assert.equal(back.session(id)?.meteredBytes, 5000n, "no counted byte lost or counted twice");
    assert.ok(backend.peers.has(wgB64));
    backend.traffic(wgB64, 100n, 0n);
    await back.reconcile();
    assert.equal(back.session(id)?.meteredBytes, 5100n);
  } finally {
    await back.stop();
  }
});
