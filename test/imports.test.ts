/**
 * How the folders may import each other, checked over the source (ESLint's import-x/no-cycle
 * does not count type-only imports; this does, since a type cycle still ties two modules together).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";

const root = join(import.meta.dirname, "..");
const FOLDERS = ["sdk", "indexer", "gateway-agent", "scripts", "test", "bench"];
const SKIP = new Set(["node_modules", "generated", "dist"]);

/** Every TypeScript file of the folders, with the repository files it imports or re-exports (types included). */
function importGraph(): Map<string, string[]> {
  const files: string[] = [];
  const walk = (dir: string): void => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      if (SKIP.has(e.name)) continue;
      const path = join(dir, e.name);
      if (e.isDirectory()) walk(path);
      else if (e.name.endsWith(".ts")) files.push(path);
    }
  };
  for (const f of FOLDERS) walk(join(root, f));
  const known = new Set(files);
  const graph = new Map<string, string[]>();
  for (const file of files) {
    const code = readFileSync(file, "utf8").replace(/\/\*[\s\S]*?\*\//g, "");
    const deps = [...code.matchAll(/(?:import|export)\s[^;]*?from\s+"(\.[^"]+)"/g)]
      .map((m) => join(dirname(file), m[1]!))
      .filter((d) => known.has(d));
    graph.set(file, deps);
  }
  return graph;
}

/** The strongly connected groups of more than one file (Tarjan). */
function cycles(graph: Map<string, string[]>): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const out: string[][] = [];
  let next = 0;
  const visit = (v: string): void => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const group: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        group.push(relative(root, w));
      } while (w !== v);
      if (group.length > 1) out.push(group.sort());
    }
  };
  for (const v of graph.keys()) if (!index.has(v)) visit(v);
  return out;
}

test("no import cycle between modules, type-only imports included", () => {
  const graph = importGraph();
  assert.ok(graph.size > 300, `read ${graph.size} files`);
  assert.deepEqual(cycles(graph), []);
});

test("the cycle finder finds a cycle", () => {
  const g = new Map([
    ["/a", ["/b"]],
    ["/b", ["/c"]],
    ["/c", ["/a"]],
    ["/d", ["/a"]],
  ]);
  assert.equal(cycles(g).length, 1);
  assert.equal(cycles(g)[0]!.length, 3);
});

/** Files of `folders` that import a file under `target` (relative to the repository). */
function importersOf(graph: Map<string, string[]>, folders: string[], target: string): string[] {
  return [...graph]
    .filter(([file, deps]) => {
      const f = relative(root, file);
      return folders.some((d) => f.startsWith(d)) && deps.some((d) => relative(root, d).startsWith(target));
    })
    .map(([file]) => relative(root, file))
    .sort();
}

test("the runtime folders' tests reach deployment and the local chain through test/kit, not scripts/", () => {
  const graph = importGraph();
  const importers = importersOf(graph, ["sdk/", "indexer/", "gateway-agent/"], "scripts/");
  assert.deepEqual(importers, []);
});

test("the chaos suite does not import the indexer's test helpers", () => {
  assert.deepEqual(importersOf(importGraph(), ["test/chaos/"], "indexer/src/testing/"), []);
});
