/** The summary block `npm run demo` prints after a run (CI reads its "data plane" line). */
import { formatUnits } from "viem";
import type { Reporter } from "../lib/reporter.ts";
import { priceUsage } from "../../sdk/src/index.ts";
import type { DemoSummary } from "./runDemo.ts";

/** Prints the summary block of a finished run. */
export function printSummary(s: DemoSummary, r: Pick<Reporter, "note">, write: (t: string) => void): void {
  const usd = (v: bigint) => `${formatUnits(v, 6)} mUSD`;
  write("\nSummary\n");
  r.note(
    `data plane              ${s.dataPlane.enabled ? "real WireGuard tunnel (wireguard-go)" : `skipped: ${s.dataPlane.reason}`}`,
  );
  r.note(`content fetched         ${s.contentBytes} bytes through the tunnel`);
  r.note(`client tunnel counter   ${s.clientTunnelBytes} bytes; agent meter ${s.agentMeteredBytes} bytes`);
  r.note(`voucher claimed         ${s.voucher.bytes} bytes, ${s.voucher.seconds} s in ${s.claims} claim(s)`);
  r.note(
    `expected price          ${usd(priceUsage(s.terms, s.voucher))} at ${usd(s.terms.pricePerGiB)}/GiB + ${usd(s.terms.pricePerMinute)}/min`,
  );
  r.note(`paid                    ${usd(s.paid)} (provider ${usd(s.providerReceived)}, protocol fee ${usd(s.fee)})`);
  r.note(`refunded                ${usd(s.refund)} of the ${usd(s.terms.deposit)} deposit`);
  const rep = s.reputation.after;
  if (rep)
    r.note(
      `provider reputation     score ${rep.score}, ${rep.sessionsCompleted} session(s), ${rep.bytesServed} bytes served`,
    );
  r.note(
    `governance              protocol fee ${s.governance.oldFeeBps} → ${s.governance.newFeeBps} bps (feed shows ${s.governance.feedFeeBps})`,
  );
  r.note(`took                    ${s.elapsedSeconds.toFixed(1)} s`);
  write("\nExplore\n");
  r.note(`explorer                ${s.explorerUrl}`);
  r.note(`GraphiQL                ${s.graphqlUrl}`);
  r.note(`indexer metrics         ${s.indexerMetricsUrl}`);
  if (s.agentMetricsUrl) r.note(`agent metrics           ${s.agentMetricsUrl}`);
  r.note(`JSON-RPC                ${s.rpcUrl}`);
}
