/**
 * Test fixture (createRangeFetcher.test.ts): a process that starts the backfill's fetch thread,
 * has it answer one fetch, and never closes it. It must exit on its own. DVPN_TEST_RPC_URL and
 * DVPN_TEST_DEPLOYMENT (JSON) name the chain.
 */
import { createCommon } from "../common/common.ts";
import { createConfig } from "../config/createConfig.ts";
import { createRangeThread } from "../sync-historical/createRangeFetcher.ts";

const deployment = JSON.parse(process.env.DVPN_TEST_DEPLOYMENT ?? "null");
const common = createCommon(
  createConfig({ rpcUrl: process.env.DVPN_TEST_RPC_URL ?? "", deployment, logLevel: "silent" }),
);
const ranges = createRangeThread(common);
const range = await ranges.fetch(deployment.startBlock, deployment.startBlock);
process.stdout.write(`answered ${range?.toBlock}\n`);
