/**
 * The explorer's parts that need no browser: its code type-checks with the DOM library, the
 * indexer serves its files safely (and says how to build them when missing), and proposal
 * actions read as words.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { parseUnits, type Address } from "viem";
import { buildParameterChange } from "../../sdk/src/actions/governance/buildParameterChange.ts";
import { buildSlash } from "../../sdk/src/actions/governance/buildSlash.ts";
import type { Deployment } from "../../sdk/src/deployment/types.ts";
import type { Common } from "../src/common/common.ts";
import { createLogger } from "../src/common/logger.ts";
import { createExplorerRoutes } from "../src/server/explorer.ts";
import { freePort } from "../../test/kit/localChain.ts";
import type { ExplorerConfig } from "./src/app.ts";
import { describeAction } from "./src/decode.ts";

const addr = (n: number) => `0x${n.toString(16).padStart(40, "0")}` as Address;
const deployment = {
  chainId: 31337,
  startBlock: 1,
  deployer: addr(99),
  contracts: {
    DVPNToken: { address: addr(1), blockNumber: 1 },
    PaymentToken: { address: addr(2), blockNumber: 1 },
    DVPNTimelock: { address: addr(3), blockNumber: 1 },
    DVPNGovernor: { address: addr(4), blockNumber: 1 },
    ProviderRegistry: { address: addr(5), blockNumber: 1 },
    SessionEscrow: { address: addr(6), blockNumber: 1 },
  },
  parameters: { tokenSupply: parseUnits("1000000000", 18).toString() },
} as unknown as Deployment;
const config: ExplorerConfig = {
  chainId: 31337,
  deployment,
  token: { symbol: "DVPN", decimals: 18 },
  paymentToken: { symbol: "mUSD", decimals: 6 },
};

describe("explorer", () => {
  it("type-checks with the DOM library (indexer/explorer/tsconfig.json)", () => {
    const r = spawnSync("tsc", ["--noEmit", "-p", join(import.meta.dirname, "tsconfig.json")], { encoding: "utf8" });
    assert.equal(r.status, 0, r.stdout + r.stderr);
  });

  it("says what a proposal's actions do, with units, bounds and the current value", () => {
    const fee = buildParameterChange(deployment, { parameter: "protocolFeeBps", value: 300n });
    assert.equal(
      describeAction(fee, config, { protocolFeeBps: 250 }),
      "protocol fee → 3 % (bounds 0 % – 10 %, now 2.5 %)",
    );
    const period = buildParameterChange(deployment, { parameter: "unbondingPeriod", value: 86_400n * 7n });
    assert.equal(describeAction(period, config), "unbonding period → 7d (bounds 1d – 90d)");
    const slash = buildSlash(deployment, { provider: addr(7), amount: parseUnits("500", 18), beneficiary: addr(8) });
    assert.equal(describeAction(slash, config), `slash ${addr(7)} by 500 DVPN to ${addr(8)}`);
    assert.equal(
      describeAction({ target: addr(42), value: 0n, data: "0x12345678" }, config),
      `call 0x0000…002a with 4 bytes of data`,
    );
    assert.match(
      describeAction({ target: addr(5), value: 0n, data: "0xdeadbeef" }, config),
      /ProviderRegistry with data it does not recognise/,
    );
  });

  describe("served by the indexer", () => {
    const dir = mkdtempSync(join(tmpdir(), "dvpn-explorer-"));
    let server: Server;
    let base: string;
    let root = join(dir, "dist");

    before(async () => {
      mkdirSync(join(root, "assets"), { recursive: true });
      writeFileSync(join(root, "index.html"), "<!doctype html><title>x</title>");
      writeFileSync(join(root, "assets", "app-1.js"), "console.log(1)");
      writeFileSync(join(dir, "secret.txt"), "not served");
      const closed = `http://127.0.0.1:${await freePort()}`;
      const common = { config: { deployment, rpcUrls: [closed] }, logger: createLogger("silent") };
      server = createServer((req, res) => {
        const routes = createExplorerRoutes(common as unknown as Common, root);
        const path = (req.url ?? "/").split("?")[0] ?? "/";
        void routes.handle(req, res, path).then((handled) => {
          if (!handled) res.writeHead(404).end("not mine");
        });
      });
      await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
      base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });
    after(() => {
      server?.close();
      rmSync(dir, { recursive: true, force: true });
    });

    it("serves the page and its hashed assets, nothing outside the build", async () => {
      const page = await fetch(`${base}/`);
      assert.equal(page.status, 200);
      assert.match(page.headers.get("content-type") ?? "", /text\/html/);
      assert.equal(await page.text(), "<!doctype html><title>x</title>");
      const js = await fetch(`${base}/assets/app-1.js`);
      assert.equal(js.status, 200);
      assert.match(js.headers.get("content-type") ?? "", /javascript/);
      assert.match(js.headers.get("cache-control") ?? "", /immutable/);
      for (const p of ["/../secret.txt", "/%2e%2e/secret.txt", "/assets/../../secret.txt", "/nope.js"]) {
        const res = await fetch(`${base}${p}`);
        assert.equal(res.status, 404, p);
        assert.equal(await res.text(), "not mine", p);
      }
    });

    it("says how to build the page when it is missing", async () => {
      root = join(dir, "missing");
      const res = await fetch(`${base}/`);
      assert.equal(res.status, 200);
      assert.match(await res.text(), /npm run build:web/);
    });

    it("explains a chain it cannot read in /explorer.json", async () => {
      const res = await fetch(`${base}/explorer.json`);
      assert.equal(res.status, 502);
      assert.match(((await res.json()) as { error: string }).error, /cannot read the tokens/);
    });
  });
});
