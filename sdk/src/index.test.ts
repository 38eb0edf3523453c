import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";

/** Every file reachable from `entry` through relative imports/exports, with comments stripped. */
function moduleGraph(entry: string): Map<string, string> {
  const files = new Map<string, string>();
  const queue = [resolve(entry)];
  while (queue.length) {
    const file = queue.pop()!;
    if (files.has(file)) continue;
    const text = readFileSync(file, "utf8").replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, "");
    files.set(file, text);
    for (const m of text.matchAll(/(?:import|export)\s[^;]*?from\s+"(\.[^"]+)"/g))
      queue.push(join(dirname(file), m[1]!));
    for (const m of text.matchAll(/import\(\s*"(\.[^"]+)"\s*\)/g)) queue.push(join(dirname(file), m[1]!));
  }
  return files;
}

describe("SDK entry points", () => {
  it("the main entry (index.ts) uses no Node built-ins, so it bundles for browsers", () => {
    const graph = moduleGraph(join(import.meta.dirname, "index.ts"));
    assert.ok(graph.size > 30, `walked ${graph.size} files`);
    for (const [file, code] of graph) {
      assert.doesNotMatch(code, /from\s+"node:|import\(\s*"node:/, `${file} imports a Node built-in`);
      assert.doesNotMatch(code, /\bBuffer\.|\bprocess\./, `${file} uses a Node global`);
    }
  });

  it("index.ts and node.ts export the public API", async () => {
    const sdk = await import("./index.ts");
    for (const name of [
      "createDvpnClient",
      "openSession",
      "registerProvider",
      "propose",
      "getProposalId",
      "findProviders",
      "watchSession",
      "renderWgQuickConfig",
      "generateWgKeyPair",
      "signUsageVoucher",
      "priceUsage",
      "parseDeployment",
      "ethersTransport",
      "createTunnelSession",
      "planVoucherBytes",
      "ContractRevertError",
      "InvalidInputError",
    ]) {
      assert.equal(typeof (sdk as Record<string, unknown>)[name], "function", name);
    }
    assert.equal("loadDeployment" in sdk, false);
    const node = await import("./node.ts");
    assert.equal(typeof node.loadDeployment, "function");
    assert.equal(typeof node.wgQuick, "function");
    assert.equal(typeof node.peerBytesReader, "function");
    assert.equal(typeof node.createDvpnClient, "function");
  });
});
