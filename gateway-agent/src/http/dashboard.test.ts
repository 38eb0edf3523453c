/**
 * The Grafana dashboard in `gateway-agent/grafana/dashboard.json` reads only series the agent
 * exports: every metric selector in its queries is a name on the agent's /metrics.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { createMetrics } from "./metrics.ts";

interface Panel {
  title: string;
  targets?: { expr: string }[];
}

test("every query of the dashboard selects a metric the agent exports", async () => {
  const file = join(import.meta.dirname, "../../grafana/dashboard.json");
  const dashboard = JSON.parse(readFileSync(file, "utf8")) as { panels: Panel[]; uid: string };
  const metrics = createMetrics();
  metrics.setPeerSource("dvpn0", () => [{ publicKey: "k", sessionId: "1", rx: 1n, tx: 1n, latestHandshake: 1 }]);
  const text = await metrics.render();
  const exported = new Set<string>();
  for (const m of text.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
    const [name = "", type] = [m[1], m[2]];
    exported.add(name);
    if (type === "histogram") for (const s of ["_bucket", "_sum", "_count"]) exported.add(name + s);
  }
  const used = new Set<string>();
  for (const p of dashboard.panels) {
    assert.ok(p.targets && p.targets.length > 0, `panel ${p.title} has queries`);
    for (const t of p.targets) for (const m of t.expr.matchAll(/([a-z_:][a-z0-9_:]*)\{/g)) used.add(m[1] ?? "");
  }
  const missing = [...used].filter((n) => !exported.has(n));
  assert.deepEqual(missing, [], "series the dashboard reads but the agent does not export");
  assert.ok(used.size >= 20, `the dashboard reads ${used.size} series`);
  assert.ok(used.has("wireguard_peer_receive_bytes_total") && used.has("dvpn_agent_earned_base_units_total"));
});
