/**
 * Prisma CLI configuration for the indexer. Only `prisma generate` and `prisma migrate diff`
 * are used (both work offline through the wasm schema engine); migrations are applied by the
 * indexer itself (src/database/migrate.ts).
 */
import { defineConfig } from "prisma/config";
import { PrismaPg } from "@prisma/adapter-pg";

// The schema reads DATABASE_URL; generate and diff never connect, so any value will do.
process.env.DATABASE_URL ??= "postgresql://postgres@127.0.0.1:5432/postgres";

export default defineConfig({
  experimental: { adapter: true },
  engine: "js",
  schema: "prisma/schema.prisma",
  adapter: async () => new PrismaPg({ connectionString: process.env.DATABASE_URL }),
});
