/** A feed database filled directly with SQL at a chosen size (GraphQL, live and replica parts). */
import pg from "pg";
import { fakeDeployment } from "../../test/kit/fakeDeployment.ts";

/**
 * Fills a migrated database with `providers` providers (regions round-robin over 8), `sessions`
 * sessions spread evenly over them, 24 hourly buckets per provider and per region, the
 * parameters the feed reads and a checkpoint at `now`; then VACUUM ANALYZE, as autovacuum would
 * have left a live database.
 */
export async function populate(url: string, now: number, providers: number, sessions: number) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { createDatabase } = await import("../../indexer/src/database/createDatabase.ts");
    const { createConfig } = await import("../../indexer/src/config/createConfig.ts");
    const { createLogger } = await import("../../indexer/src/common/logger.ts");
    const db = await createDatabase({
      config: createConfig({
        rpcUrl: "http://127.0.0.1:1",
        deployment: fakeDeployment(),
        databaseUrl: url,
        logLevel: "silent",
      }),
      logger: createLogger("silent"),
    });
    await db.close();
    const P = providers;
    await client.query(
      `
      INSERT INTO providers SELECT
        '0x' || lpad(to_hex(g), 40, '0'), 'p' || g || '.example:51820', '0x' || lpad(to_hex(g), 64, '0'),
        (ARRAY['DE','US','FR','NL','JP','SG','BR','GB'])[1 + g % 8],
        (10000 + (g * 7919) % 90000)::numeric, (g % 1000)::numeric, 10 + g % 40, g % 20, true,
        (1000 + g % 5000)::numeric * 1000000000000000000, 0, 0, g % 50 = 0, true,
        $1::int - 86400 * 3, 100, $1::int - (g % 1500), $1::int - (g % 1500) + 900, 200,
        g % 300, g % 280, g % 20, g % 250, g % 240, g % 230, (g::numeric * 1073741824), 0, (g::numeric * 1000000), 0, 0, 0,
        '{"3": 10, "5": 4}'::jsonb, (g * 37 % 10000) / 100.0, $1::int, 100
      FROM generate_series(1, ${P}) g`,
      [now],
    );
    await client.query(
      `
      INSERT INTO provider_hours SELECT '0x' || lpad(to_hex(g), 40, '0'), ($1::int / 3600) * 3600 - h * 3600, 3000 + g % 600, 12, g % 5, 1073741824, 1000000
      FROM generate_series(1, ${P}) g, generate_series(0, 23) h`,
      [now],
    );
    await client.query(
      `
      INSERT INTO region_hours SELECT r, ($1::int / 3600) * 3600 - h * 3600, 40 + h, 35 + h, 400 + h, 1073741824::numeric * (50 + h), 1000000::numeric * (50 + h)
      FROM unnest(ARRAY['DE','US','FR','NL','JP','SG','BR','GB']) r, generate_series(0, 23) h`,
      [now],
    );
    await client.query(
      `
      INSERT INTO sessions SELECT g, '0x' || lpad(to_hex(1 + g % ${P}), 40, '0'), '0x' || lpad(to_hex(100000 + g % 5000), 40, '0'),
        '0x' || lpad(to_hex(100000 + g % 5000), 40, '0'), '0x' || lpad(to_hex(g), 64, '0'),
        (ARRAY['Pending','Active','Closing','Closed'])[1 + g % 4], CASE WHEN g % 4 = 3 THEN 'Settled' END,
        10000000, 50000, 1000, 250, $1::int - 1000, $1::int - 2000 - g % 100000, 100, $1::int - 1990 - g % 100000, '10.0.0.1/32',
        NULL, NULL, NULL, NULL, (g % 1000)::numeric * 1048576, g % 3600, (g % 5000)::numeric, 0, NULL, g % 3, $1::int, 100
      FROM generate_series(1, ${sessions}) g`,
      [now],
    );
    await client.query(
      `INSERT INTO parameters VALUES ('minStake', 'ProviderRegistry', 1000000000000000000000, 0, 1), ('heartbeatTimeout', 'ProviderRegistry', 900, 0, 1), ('acceptTimeout', 'SessionEscrow', 300, 0, 1)`,
    );
    // The totals the indexer maintains while indexing, counted once here.
    const { RECOUNT_TOTALS_SQL } = await import("../../indexer/src/indexing/totals.ts");
    for (const sql of RECOUNT_TOTALS_SQL) await client.query(sql);
    await client.query(
      `INSERT INTO checkpoint VALUES (1, 31337, '0x0000000000000000000000000000000000000002', 100, '0x00', $1, 100, $1, 0)`,
      [now],
    );
    await client.query("VACUUM ANALYZE");
    const size = await client.query<{ mib: string }>(
      "SELECT round(pg_database_size(current_database()) / 1048576.0) AS mib",
    );
    return Number(size.rows[0]!.mib);
  } finally {
    await client.end();
  }
}
