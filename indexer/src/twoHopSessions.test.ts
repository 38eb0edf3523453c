/**
 * What the feed says about a two-hop pair: two clients open an entry and an exit session each
 * through the SDK's `createTwoHopConnection` on a hardhat node (one pays both hops from one
 * account, the other pays the exit from a second account), with simulated agents that accept,
 * take vouchers and claim; the sessions are finalized and the chain indexed into PGlite and
 * PostgreSQL. Every field of every session record in the feed (the schema's field list, read by
 * introspection, so a field added later must be accounted for here) equals what this test
 * derives from the session's own escrow logs and their blocks alone: the feed adds no hop, pair,
 * tag or any other value that links an entry to its exit. What links them is the chain's: with
 * one account the same `client` (and `closedBy`); with two accounts no address or key in common.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { http, type Address, type Log } from "viem";
import { sessionEscrowAbi } from "../../sdk/src/abi/index.ts";
import { createDvpnClient, type DvpnClient } from "../../sdk/src/client/createDvpnClient.ts";
import { createTwoHopConnection } from "../../sdk/src/tunnel/createTwoHopConnection.ts";
import { generateWgKeyPair } from "../../sdk/src/wireguard/keys.ts";
import { DVPN, USD, gql, startTestChain, type TestChain } from "../../test/kit/testChain.ts";
import { scriptedTwoHopDriver } from "../../test/kit/twoHopDriver.ts";
import { DATABASE_TARGETS, indexOnBothDatabases, type BothDatabases } from "./testing/bothDatabases.ts";

/** A session (or claim) record as the chain states it: the feed's field names, values as GraphQL serializes them. */
type Row = Record<string, unknown>;

describe("a two-hop pair in the feed", () => {
  let chain: TestChain;
  let targets: BothDatabases;
  /** [entry session id, exit session id] of each pair: paid by one account, then by two. */
  const pairs: { oneAccount: [bigint, bigint]; twoAccounts: [bigint, bigint] } = {
    oneAccount: [0n, 0n],
    twoAccounts: [0n, 0n],
  };

  before(async () => {
    chain = await startTestChain({ fund: 5 });
    const client = (i: number): DvpnClient =>
      createDvpnClient({
        chain: chain.publicClient.chain!,
        transport: http(chain.url, { retryCount: 3, retryDelay: 50 }),
        account: chain.accounts[i]!,
        deployment: chain.deployment,
        pollingInterval: 20,
      });
    const entryProvider = client(1);
    const exitProvider = client(2);
    const tunnelOf = new Map<Address, string>([
      [entryProvider.account!.address, "10.77.0.2/16,fd77:dead:beef::2/64"],
      [exitProvider.account!.address, "10.90.0.2/16,fd90:dead:beef::2/64"],
    ]);
    for (const [p, region] of [
      [entryProvider, "DE"],
      [exitProvider, "NL"],
    ] as const) {
      await p.registerProvider({
        endpoint: `${region.toLowerCase()}.example.org:51820`,
        wgPublicKey: generateWgKeyPair().publicKey,
        region,
        pricePerGiB: 1_000n,
        pricePerMinute: 60n,
        maxSessions: 4,
        stake: DVPN(1_000),
      });
    }
    const providerOf = new Map([...tunnelOf.keys()].map((a, i) => [a, [entryProvider, exitProvider][i]!]));

    /** Runs a pair until the exit took 3 vouchers; each provider then claims its best voucher. */
    const runPair = async (payer: DvpnClient, exitPayer?: DvpnClient): Promise<[bigint, bigint]> => {
      const stop = new AbortController();
      const { driver, vouchers } = scriptedTwoHopDriver(stop, 3);
      const accepts: Promise<unknown>[] = [];
      const end = await createTwoHopConnection(payer, {
        entry: { provider: entryProvider.account!.address },
        exit: { provider: exitProvider.account!.address },
        deposit: USD(1),
        exitDeposit: USD(2),
        ...(exitPayer ? { exitClient: exitPayer } : {}),
        acceptTimeoutMs: 10_000,
        acceptPollMs: 100,
        session: { unreachableAfterMs: 10_000, tickMs: 20, probeIntervalMs: 200, chainCheckMs: 300 },
        tunnel: driver,
        onEvent: (e) => {
          if (e.type !== "hop" || e.event.type !== "opened") return;
          const address = e.event.provider.address;
          const sessionId = e.event.opened.sessionId;
          accepts.push(providerOf.get(address)!.acceptSession({ sessionId, tunnelAddress: tunnelOf.get(address)! }));
        },
      }).run(stop.signal);
      await Promise.all(accepts);
      assert.equal(end.reason, "stopped");
      assert.equal(end.entry.legs.length, 1);
      assert.equal(end.exit.legs.length, 1);
      for (const { provider, voucher } of vouchers.values()) await providerOf.get(provider)!.claimUsage(voucher);
      return [end.entry.legs[0]!.sessionId, end.exit.legs[0]!.sessionId];
    };

    pairs.oneAccount = await runPair(client(3));
    pairs.twoAccounts = await runPair(client(4), client(5));
    // The settlement window passes; anyone finalizes: every session ends Settled with a refund.
    const params = await client(3).getParameters();
    await chain.increaseTime(params.escrow.settlementWindow + 1);
    await chain.mine();
    for (const id of [...pairs.oneAccount, ...pairs.twoAccounts]) await client(3).finalizeSession({ sessionId: id });
    targets = await indexOnBothDatabases(chain);
  });

  after(async () => {
    await targets?.stop();
    await chain?.stop();
  });

  /** The fields of a feed type, by introspection. */
  const fieldsOf = async (url: string, type: string): Promise<string[]> => {
    const r = await gql(url, `{ __type(name: "${type}") { fields { name } } }`);
    assert.equal(r.errors, undefined, JSON.stringify(r.errors));
    return (r.data.__type.fields as { name: string }[]).map((f) => f.name).sort();
  };

  /** Each session's record derived from its own escrow logs and their blocks, nothing else. */
  const fromChain = async (): Promise<Map<bigint, Row>> => {
    const logs = await chain.publicClient.getContractEvents({
      address: chain.deployment.contracts.SessionEscrow.address,
      abi: sessionEscrowAbi,
      fromBlock: 0n,
    });
    const timeOf = new Map<bigint, number>();
    for (const l of logs) {
      if (!timeOf.has(l.blockNumber)) {
        timeOf.set(
          l.blockNumber,
          Number((await chain.publicClient.getBlock({ blockNumber: l.blockNumber })).timestamp),
        );
      }
    }
    const out = new Map<bigint, Row>();
    for (const l of logs as (Log & { eventName: string; args: Record<string, unknown> })[]) {
      const a = l.args;
      if (typeof a.sessionId !== "bigint") continue;
      const t = timeOf.get(l.blockNumber!)!;
      const s = out.get(a.sessionId);
      const str = (v: unknown) => String(v as bigint);
      if (l.eventName === "SessionOpened") {
        out.set(a.sessionId, {
          ...{ id: str(a.sessionId), provider: a.provider, client: a.client, signer: a.signer },
          ...{ wgPublicKey: a.wgPublicKey, status: "Pending", outcome: null, deposit: str(a.deposit) },
          ...{ pricePerGiB: str(a.pricePerGiB), pricePerMinute: str(a.pricePerMinute), feeBps: a.feeBps },
          ...{ acceptDeadline: a.acceptDeadline, openedAt: t, openedBlock: Number(l.blockNumber) },
          ...{ acceptedAt: null, tunnelAddress: null, closedAt: null, closedBy: null, settlementDeadline: null },
          ...{ settledAt: null, claimedBytes: "0", claimedSeconds: "0", paid: "0", fees: "0", refund: null },
          claims: [],
        });
      } else if (!s) {
        assert.fail(`${l.eventName} of session ${a.sessionId} before its SessionOpened`);
      } else if (l.eventName === "SessionAccepted") {
        Object.assign(s, { status: "Active", acceptedAt: t, tunnelAddress: a.tunnelAddress });
      } else if (l.eventName === "UsageClaimed") {
        const claim = {
          ...{ id: `${l.transactionHash}-${l.logIndex}`, blockNumber: Number(l.blockNumber), timestamp: t },
          ...{ totalBytes: str(a.totalBytes), totalSeconds: str(a.totalSeconds), amount: str(a.amount) },
          ...{ fee: str(a.fee), totalPaid: str(a.totalPaid) },
        };
        (s.claims as unknown[]).push(claim);
        const fees = String(BigInt(s.fees as string) + (a.fee as bigint));
        Object.assign(s, {
          claimedBytes: claim.totalBytes,
          claimedSeconds: claim.totalSeconds,
          paid: claim.totalPaid,
          fees,
        });
      } else if (l.eventName === "SessionClosed") {
        if (s.closedAt === null) Object.assign(s, { closedAt: t, closedBy: a.closedBy });
        if (a.settlementDeadline !== 0)
          Object.assign(s, { status: "Closing", settlementDeadline: a.settlementDeadline });
      } else if (l.eventName === "SessionSettled") {
        Object.assign(s, { status: "Closed", outcome: "Settled", settledAt: t, refund: str(a.refund) });
      } else {
        assert.fail(`unexpected ${l.eventName} in a two-hop session`);
      }
    }
    return out;
  };

  for (const which of DATABASE_TARGETS) {
    test(`${which}: each session's record is its own chain data, and only the chain links a pair`, async () => {
      const url = targets.urls[which];
      const chainRecords = await fromChain();
      const sessionFields = await fieldsOf(url, "Session");
      const claimFields = await fieldsOf(url, "Claim");
      const [anyRecord] = chainRecords.values();
      // Every field the feed has for a session is one this test derives from the chain.
      assert.deepEqual(sessionFields, Object.keys(anyRecord!).sort());
      const claimOf = (anyRecord!.claims as Row[])[0]!;
      assert.deepEqual(claimFields, Object.keys(claimOf).sort());

      const selection = sessionFields.map((f) => (f === "claims" ? `claims { ${claimFields.join(" ")} }` : f));
      const feed = async (id: bigint): Promise<Row> => {
        const r = await gql(url, `{ session(id: "${id}") { ${selection.join(" ")} } }`);
        assert.equal(r.errors, undefined, JSON.stringify(r.errors));
        return r.data.session as Row;
      };
      for (const [entryId, exitId] of [pairs.oneAccount, pairs.twoAccounts]) {
        for (const id of [entryId, exitId]) {
          const record = await feed(id);
          assert.equal(record.status, "Closed", `session ${id} settled`);
          assert.ok((record.claims as unknown[]).length > 0, `session ${id} was paid`);
          assert.deepEqual(record, chainRecords.get(id), `session ${id}: the feed holds the chain's data only`);
        }
      }

      // What the chain itself links: the identities (accounts and keys) an entry and its exit share.
      const identity = ["client", "signer", "wgPublicKey", "closedBy", "provider"];
      const shared = async ([entryId, exitId]: [bigint, bigint]) => {
        const [e, x] = [await feed(entryId), await feed(exitId)];
        return identity.filter((f) => e[f] === x[f]);
      };
      assert.deepEqual(await shared(pairs.oneAccount), ["client", "closedBy"], "one account: the chain shows it");
      assert.deepEqual(await shared(pairs.twoAccounts), [], "two accounts: no account or key in common");
    });
  }
});
