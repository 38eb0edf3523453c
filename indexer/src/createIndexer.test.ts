/**
 * The feed end to end: a scripted scenario on a hardhat node, indexed into PGlite and into
 * PostgreSQL; GraphQL answers checked against values computed here from the chain and the
 * scenario's own facts.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { Address } from "viem";
import { dvpnGovernorAbi, providerRegistryAbi, sessionEscrowAbi } from "../../sdk/src/abi/index.ts";
import { computeScore, hourOf } from "./indexing/reputation.ts";
import { gql, startTestChain, type TestChain } from "../../test/kit/testChain.ts";
import { DATABASE_TARGETS, indexOnBothDatabases, type BothDatabases } from "./testing/bothDatabases.ts";
import { playScenario, type ScenarioFacts } from "../../test/kit/scenario.ts";
import { snapshotState } from "../../test/kit/snapshot.ts";
import { expectedUptime, median } from "./testing/expected.ts";

const HEARTBEAT_TIMEOUT = 900;
const MIN_STAKE = 1000n * 10n ** 18n;

describe("indexer feed on a scripted scenario", () => {
  let chain: TestChain;
  let facts: ScenarioFacts;
  let targets: BothDatabases;

  before(async () => {
    chain = await startTestChain();
    facts = await playScenario(chain);
    targets = await indexOnBothDatabases(chain, { initialBlockRange: 7 });
  });

  after(async () => {
    await targets?.stop();
    await chain?.stop();
  });

  for (const which of DATABASE_TARGETS) {
    const url = () => targets.urls[which];

    test(`${which}: providers, reputation and availability match the chain`, async () => {
      const meta = (await gql(url(), "{ _meta { block { number hash timestamp } headTimestamp } }")).data!._meta;
      const head = await chain.latest();
      assert.equal(meta.block.number, head.number);
      assert.equal(meta.block.hash, head.hash);
      const now = meta.headTimestamp as number;
      assert.equal(now, head.timestamp);

      for (const [name, p] of Object.entries(facts.providers)) {
        const res = await gql(
          url(),
          `query($id: String!) { provider(id: $id) { id region endpoint stake unbonding unbondingEnd maxSessions paused registered pricePerGiB
            reputation { score scoreBreakdown { uptimePoints acceptancePoints speedPoints experiencePoints slashPenalty uptime acceptance speed experience computedAt formulaVersion }
              uptime24h uptime7d acceptanceRate medianAcceptSeconds sessionsCompleted sessionsPaid sessionsMissed bytesServed paidVolume slashCount slashedAmount slashes { amount beneficiary } }
            availability { available activeSessions capacity lastHeartbeat } } }`,
          { id: p.toLowerCase() },
        );
        assert.equal(res.errors, undefined, JSON.stringify(res.errors));
        const got = res.data.provider;
        const info = (await chain.publicClient.readContract({
          address: chain.deployment.contracts.ProviderRegistry.address,
          abi: providerRegistryAbi,
          functionName: "getProvider",
          args: [p],
        })) as {
          stake: bigint;
          unbonding: bigint;
          unbondingEnd: number;
          endpoint: string;
          paused: boolean;
          registered: boolean;
          activeSessions: number;
          maxSessions: number;
          lastHeartbeat: number;
          pricePerGiB: bigint;
        };
        assert.equal(got.id, p, name);
        assert.equal(got.region, facts.regions[p]);
        assert.equal(got.stake, info.stake.toString(), `${name} stake`);
        assert.equal(got.unbonding, info.unbonding.toString(), `${name} unbonding`);
        assert.equal(got.unbondingEnd, Number(info.unbondingEnd));
        assert.equal(got.endpoint, info.endpoint);
        assert.equal(got.maxSessions, info.maxSessions);
        assert.equal(got.paused, info.paused);
        assert.equal(got.registered, info.registered);
        assert.equal(got.pricePerGiB, info.pricePerGiB.toString());
        assert.equal(got.availability.activeSessions, info.activeSessions, `${name} active sessions`);
        assert.equal(got.availability.capacity, info.maxSessions);
        assert.equal(got.availability.lastHeartbeat, Number(info.lastHeartbeat));
        const available =
          info.registered &&
          !info.paused &&
          info.stake >= MIN_STAKE &&
          now <= Number(info.lastHeartbeat) + HEARTBEAT_TIMEOUT &&
          info.activeSessions < info.maxSessions;
        assert.equal(got.availability.available, available, `${name} availability`);

        // Reputation from the scenario's facts and the escrow's records.
        const mine = facts.sessions.filter((s) => s.provider === p);
        const paidOf = new Map<bigint, bigint>();
        for (const s of mine) {
          const info = (await chain.publicClient.readContract({
            address: chain.deployment.contracts.SessionEscrow.address,
            abi: sessionEscrowAbi,
            functionName: "getSession",
            args: [s.id],
          })) as { paid: bigint };
          paidOf.set(s.id, info.paid);
        }
        const paid = mine.filter((s) => paidOf.get(s.id)! > 0n);
        // A cancel 30 s or more after the open is the provider's miss; a quicker withdrawal is not.
        const missed = mine.filter((s) => s.cancelled && s.cancelledAt! - s.openedAt >= 30).length;
        if (p === facts.providers.p1) {
          assert.ok(
            mine.some((s) => s.cancelled && s.cancelledAt! - s.openedAt < 30),
            "p1 has a quick withdrawal",
          );
          assert.ok(
            mine.some((s) => s.cancelled && s.cancelledAt! - s.openedAt >= 30),
            "p1 has a missed acceptance",
          );
        }
        const acceptedPaid = paid.filter((s) => s.acceptedAt !== undefined);
        const r = got.reputation;
        assert.equal(r.sessionsPaid, paid.length, `${name} paid sessions`);
        assert.equal(r.sessionsMissed, missed);
        assert.equal(r.sessionsCompleted, paid.filter((s) => s.settled).length, `${name} completed`);
        assert.equal(
          r.bytesServed,
          paid.reduce((sum, s) => sum + (s.claims.at(-1)?.bytes ?? 0n), 0n).toString(),
          `${name} bytes`,
        );
        assert.equal(r.paidVolume, [...paidOf.values()].reduce((a, b) => a + b, 0n).toString(), `${name} volume`);
        assert.equal(
          r.acceptanceRate,
          acceptedPaid.length + missed === 0 ? null : acceptedPaid.length / (acceptedPaid.length + missed),
        );
        assert.equal(
          r.medianAcceptSeconds,
          median(acceptedPaid.map((s) => s.acceptedAt! - s.openedAt)),
          `${name} median`,
        );
        const slashed = facts.slash.provider === p;
        assert.equal(r.slashCount, slashed ? 1 : 0);
        assert.equal(r.slashedAmount, slashed ? facts.slash.amount.toString() : "0");
        assert.deepEqual(
          r.slashes,
          slashed ? [{ amount: facts.slash.amount.toString(), beneficiary: facts.slash.beneficiary }] : [],
        );
        const beats = facts.heartbeats[p]!;
        assert.ok(Math.abs(r.uptime24h - expectedUptime(beats, now, 24)) < 1e-9, `${name} uptime24h ${r.uptime24h}`);
        assert.ok(Math.abs(r.uptime7d - expectedUptime(beats, now, 168)) < 1e-9, `${name} uptime7d`);

        // The score is the documented formula over these inputs at its computation time.
        const b = r.scoreBreakdown;
        assert.equal(b.formulaVersion, "1");
        const at = b.computedAt as number;
        const expected = computeScore({
          uptime7d: expectedUptime(
            beats.filter((h) => h <= at),
            at,
            168,
          ),
          sessionsAcceptedPaid: acceptedPaid.length,
          sessionsMissed: missed,
          sessionsCompleted: paid.filter((s) => s.settled).length,
          medianAcceptSeconds: median(acceptedPaid.map((s) => s.acceptedAt! - s.openedAt)),
          acceptTimeout: 300,
          slashCount: slashed ? 1 : 0,
        });
        assert.ok(Math.abs(r.score - expected.score) < 1e-4, `${name} score ${r.score} vs ${expected.score}`);
        const sum = b.uptimePoints + b.acceptancePoints + b.speedPoints + b.experiencePoints - b.slashPenalty;
        assert.ok(Math.abs(Math.max(0, sum) - r.score) < 1e-4, `${name} breakdown adds up`);
      }
    });

    test(`${which}: filters, ordering and cursor pagination`, async () => {
      const q = async (args: string) => {
        const res = await gql(
          url(),
          `{ providers(${args}) { items { id region stake pricePerGiB reputation { score } availability { available } } totalCount pageInfo { hasNextPage endCursor } } }`,
        );
        assert.equal(res.errors, undefined, JSON.stringify(res.errors));
        return res.data.providers;
      };
      const all = await q("first: 1000");
      assert.equal(all.totalCount, 5);
      const de = await q(`where: { region: "DE" }`);
      assert.deepEqual(
        de.items.map((p: { id: string }) => p.id).sort(),
        [facts.providers.p1, facts.providers.p2].sort(),
      );
      const available = await q("where: { available: true }");
      const unavailable = await q("where: { available: false }");
      assert.deepEqual(
        available.items.map((p: { id: string }) => p.id).sort(),
        all.items
          .filter((p: { availability: { available: boolean } }) => p.availability.available)
          .map((p: { id: string }) => p.id)
          .sort(),
      );
      assert.equal(available.totalCount + unavailable.totalCount, 5);
      assert.ok(!available.items.some((p: { id: string }) => p.id === facts.providers.p4), "paused p4 unavailable");
      assert.ok(!available.items.some((p: { id: string }) => p.id === facts.providers.p5), "stale p5 unavailable");
      const cheap = await q(`where: { maxPricePerGiB: "50000" }`);
      assert.ok(cheap.items.every((p: { pricePerGiB: string }) => BigInt(p.pricePerGiB) <= 50_000n));
      assert.equal(cheap.totalCount, 3);
      const rich = await q(`where: { minStake: "2500000000000000000000" }`);
      assert.deepEqual(
        rich.items.map((p: { id: string }) => p.id).sort(),
        [facts.providers.p1, facts.providers.p2].sort(),
      );
      const minScore = all.items
        .map((p: { reputation: { score: number } }) => p.reputation.score)
        .sort((a: number, b: number) => a - b)[2];
      const good = await q(`where: { minScore: ${minScore} }`);
      assert.ok(good.items.every((p: { reputation: { score: number } }) => p.reputation.score >= minScore));
      assert.ok(good.totalCount >= 3);

      // Pages of 2 by stake desc: every provider once, in order.
      const seen: { id: string; stake: string }[] = [];
      let after: string | null = null;
      for (let i = 0; i < 5; i++) {
        const page = await q(`first: 2, orderBy: stake, orderDirection: desc${after ? `, after: "${after}"` : ""}`);
        seen.push(...page.items);
        if (!page.pageInfo.hasNextPage) break;
        after = page.pageInfo.endCursor;
      }
      assert.equal(seen.length, 5);
      assert.equal(new Set(seen.map((p) => p.id)).size, 5);
      for (let i = 1; i < seen.length; i++) assert.ok(BigInt(seen[i - 1]!.stake) >= BigInt(seen[i]!.stake));

      // The list reads the uptime windows with its page; provider(id) (checked against the
      // scenario above) reads them separately: both give the same values.
      const listed = await gql(url(), `{ providers(first: 1000) { items { id reputation { uptime24h uptime7d } } } }`);
      assert.equal(listed.errors, undefined, JSON.stringify(listed.errors));
      assert.equal(listed.data.providers.items.length, 5);
      for (const item of listed.data.providers.items as { id: string; reputation: object }[]) {
        const one = await gql(url(), `{ provider(id: "${item.id}") { reputation { uptime24h uptime7d } } }`);
        assert.equal(one.errors, undefined, JSON.stringify(one.errors));
        assert.deepEqual(item.reputation, one.data.provider.reputation, `uptime of ${item.id} in the list`);
      }
      // A page reads only the columns its fields need: every field answers as provider(id) does from the whole row.
      const fields = `id endpoint wgPublicKey wgPublicKeyBase64 region pricePerGiB pricePerMinute maxSessions stake unbonding
        unbondingEnd paused registered registeredAt registeredBlock
        reputation { score uptime24h uptime7d acceptanceRate medianAcceptSeconds sessionsCompleted sessionsPaid sessionsMissed
          bytesServed paidVolume slashCount slashedAmount }
        availability { available activeSessions capacity lastHeartbeat heartbeatExpiresAt }
        exitPolicy { text denyPorts { from to } allowPorts { from to } } transport { kind port }`;
      const wide = await gql(url(), `{ providers(first: 1000, orderBy: score) { items { ${fields} } } }`);
      assert.equal(wide.errors, undefined, JSON.stringify(wide.errors));
      assert.equal(wide.data.providers.items.length, 5);
      for (const item of wide.data.providers.items as { id: string }[]) {
        const one = await gql(url(), `{ provider(id: "${item.id}") { ${fields} } }`);
        assert.equal(one.errors, undefined, JSON.stringify(one.errors));
        assert.deepEqual(item, one.data.provider, `provider ${item.id} in the list`);
      }
    });

    test(`${which}: sessions, proposals, parameters and network stats`, async () => {
      const s = facts.sessions;
      const res = await gql(
        url(),
        `{ sessions(first: 100) { totalCount items { id status outcome provider client paid feeBps closedBy closedAt settledAt claims { totalBytes } } }
           p1: sessions(where: { provider: "${facts.providers.p1}" }) { totalCount }
           active: sessions(where: { status: Active }) { totalCount }
           parameters { protocolFeeBps minStake heartbeatTimeout acceptTimeout quorumNumerator votingPeriod treasury }
           proposals { totalCount items { id state description forVotes againstVotes abstainVotes voteCount executedAt votes { totalCount items { voter support weight } } } }
           networkStats { providers providersOnline totalStake activeSessions bytes24h volume24h sessionsOpened24h byRegion { region providers providersOnline totalStake bytes24h } } }`,
      );
      assert.equal(res.errors, undefined, JSON.stringify(res.errors));
      const d = res.data;
      assert.equal(d.sessions.totalCount, s.length);
      const byId = new Map(d.sessions.items.map((x: { id: string }) => [x.id, x]));
      const status = (id: bigint) =>
        (byId.get(id.toString()) as { status: string; outcome: string | null }) ?? assert.fail(`session ${id}`);
      assert.deepEqual([status(1n).status, status(1n).outcome], ["Closed", "Settled"]);
      assert.deepEqual([status(2n).status, status(2n).outcome], ["Closed", "Settled"]);
      assert.deepEqual([status(3n).status, status(3n).outcome], ["Closed", "Cancelled"]);
      assert.deepEqual([status(4n).status, status(4n).outcome], ["Active", null]);
      for (const x of s.filter((f) => f.rejected)) {
        const item = byId.get(x.id.toString()) as { status: string; outcome: string; paid: string };
        assert.deepEqual([item.status, item.outcome, item.paid], ["Closed", "Rejected", "0"], `session ${x.id}`);
      }
      assert.ok(
        s.some((f) => f.rejected),
        "the scenario has a rejected session",
      );
      assert.equal(d.p1.totalCount, s.filter((x) => x.provider === facts.providers.p1).length);
      assert.equal(d.active.totalCount, 2);
      // Cursor pages of one session each, by paid descending, give the full list's ids in order.
      const q = `query($after: String) { sessions(orderBy: paid, orderDirection: desc, first: 1, after: $after) { items { id } pageInfo { endCursor } } }`;
      const paged: string[] = [];
      for (let after: string | null = null, n = 0; n < 20; n++) {
        const page: { items: { id: string }[]; pageInfo: { endCursor: string | null } } = (
          await gql(url(), q, { after })
        ).data.sessions;
        paged.push(...page.items.map((x) => x.id));
        if (!(after = page.pageInfo.endCursor)) break;
      }
      const full = await gql(url(), "{ sessions(orderBy: paid, orderDirection: desc) { items { id } } }");
      assert.deepEqual(
        paged,
        full.data.sessions.items.map((x: { id: string }) => x.id),
      );
      assert.equal(paged.length, s.length);
      for (const x of d.sessions.items) {
        const onChain = (await chain.publicClient.readContract({
          address: chain.deployment.contracts.SessionEscrow.address,
          abi: sessionEscrowAbi,
          functionName: "getSession",
          args: [BigInt(x.id)],
        })) as { paid: bigint; feeBps: number };
        assert.equal(x.paid, onChain.paid.toString(), `session ${x.id} paid`);
        assert.equal(x.feeBps, onChain.feeBps);
      }
      assert.equal((byId.get("6") as { feeBps: number }).feeBps, facts.newProtocolFeeBps);
      // The first close is the record, also when the provider settles at once after the client.
      const closes = s.filter((x) => x.closed);
      assert.ok(closes.some((x) => x.closed!.by === x.client && x.claims.length > 0 && x.settled));
      for (const x of closes) {
        const item = byId.get(x.id.toString()) as { closedBy: string; closedAt: number; settledAt: number | null };
        assert.deepEqual([item.closedBy, item.closedAt], [x.closed!.by, x.closed!.at], `session ${x.id} closer`);
        if (x.settled) assert.ok(item.settledAt! >= item.closedAt, `session ${x.id} settled after its close`);
      }

      assert.equal(d.parameters.protocolFeeBps, facts.newProtocolFeeBps);
      assert.equal(d.parameters.minStake, MIN_STAKE.toString());
      assert.equal(d.parameters.heartbeatTimeout, HEARTBEAT_TIMEOUT);
      assert.equal(d.parameters.acceptTimeout, 300);
      assert.equal(d.parameters.quorumNumerator, 4);
      assert.equal(d.parameters.votingPeriod, 300);
      assert.equal(d.parameters.treasury, chain.deployment.contracts.DVPNTimelock.address);

      assert.equal(d.proposals.totalCount, 1);
      const p = d.proposals.items[0];
      assert.equal(p.id, facts.proposal.id.toString());
      assert.equal(p.state, "Executed");
      assert.equal(p.description, facts.proposal.description);
      assert.equal(p.voteCount, 4);
      assert.equal(p.votes.totalCount, 4);
      const gov = chain.deployment.contracts.DVPNGovernor.address;
      const [against, forVotes, abstain] = (await chain.publicClient.readContract({
        address: gov,
        abi: dvpnGovernorAbi,
        functionName: "proposalVotes",
        args: [facts.proposal.id],
      })) as [bigint, bigint, bigint];
      assert.equal(p.forVotes, forVotes.toString());
      assert.equal(p.againstVotes, against.toString());
      assert.equal(p.abstainVotes, abstain.toString());

      const ns = d.networkStats;
      const infos = await Promise.all(
        Object.values(facts.providers).map(
          (a) =>
            chain.publicClient.readContract({
              address: chain.deployment.contracts.ProviderRegistry.address,
              abi: providerRegistryAbi,
              functionName: "getProvider",
              args: [a as Address],
            }) as Promise<{
              stake: bigint;
              registered: boolean;
              activeSessions: number;
            }>,
        ),
      );
      assert.equal(ns.providers, infos.filter((i) => i.registered).length);
      assert.equal(ns.providers, 4, "p4 exited");
      assert.equal(ns.totalStake, infos.reduce((sum, i) => sum + (i.registered ? i.stake : 0n), 0n).toString());
      assert.equal(
        ns.activeSessions,
        infos.reduce((sum, i) => sum + i.activeSessions, 0),
      );
      assert.equal(ns.bytes24h, s.reduce((sum, x) => sum + (x.claims.at(-1)?.bytes ?? 0n), 0n).toString());
      let volume = 0n;
      for (const x of s) {
        const info = (await chain.publicClient.readContract({
          address: chain.deployment.contracts.SessionEscrow.address,
          abi: sessionEscrowAbi,
          functionName: "getSession",
          args: [x.id],
        })) as { paid: bigint };
        volume += info.paid;
      }
      assert.equal(ns.volume24h, volume.toString());
      assert.equal(ns.sessionsOpened24h, s.length);
      const de = ns.byRegion.find((r: { region: string }) => r.region === "DE");
      assert.equal(de.providers, 2);
      assert.equal(
        ns.byRegion.reduce((sum: number, r: { providersOnline: number }) => sum + r.providersOnline, 0),
        ns.providersOnline,
      );
    });
  }

  test("PGlite and PostgreSQL hold the same state", async () => {
    const [a, b] = await Promise.all(DATABASE_TARGETS.map((t) => snapshotState(targets.indexers[t].prisma)));
    assert.deepEqual(a, b);
  });
});
