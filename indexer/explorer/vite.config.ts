/**
 * Vite build of the network explorer: `npm run build:web` (scripts/build-web.ts) writes
 * indexer/explorer/dist, which the indexer serves at `/`.
 */
import { defineConfig } from "vite";

export default defineConfig({
  root: import.meta.dirname,
  base: "/",
  logLevel: "warn",
  build: { outDir: "dist", emptyOutDir: true, target: "es2022", chunkSizeWarningLimit: 1500 },
});
