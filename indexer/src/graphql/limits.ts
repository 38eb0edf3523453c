import {
  GraphQLError,
  Kind,
  type ASTVisitor,
  type FieldNode,
  type FragmentDefinitionNode,
  type SelectionSetNode,
  type ValidationContext,
} from "graphql";
import { MAX_BUCKETS } from "./series.ts";

/** Fields that return pages: their children cost `first` times (default 100). */
const PAGED = new Set(["providers", "sessions", "proposals", "votes"]);
/** Unpaged list fields: their children cost this many times (a series: as many buckets as it may return). */
const LISTS: Record<string, number> = {
  slashes: 10,
  claims: 20,
  byRegion: 50,
  series: MAX_BUCKETS,
  networkSeries: MAX_BUCKETS,
};

interface Limits {
  maxDepth: number;
  maxAliases: number;
  maxCost: number;
}

/** Depth, alias count and cost of a selection set as if every fragment were expanded. */
interface Measure {
  depth: number;
  aliases: number;
  cost: number;
}

function pageSizeOf(field: FieldNode): number {
  const arg = field.arguments?.find((a) => a.name.value === "first");
  if (!arg) return 100;
  if (arg.value.kind === Kind.INT) return Math.max(1, Number(arg.value.value));
  // A variable counts as the largest page: validation results are cached per document, so the
  // cost must not depend on the values of one request.
  return 1000;
}

/**
 * Measures a selection set. Fragments are measured once and reused (cost is linear in the
 * enclosing page sizes), so fragment "bombs" that expand exponentially cost linear time here
 * and are refused by their expanded size.
 */
function measure(
  set: SelectionSetNode,
  fragments: Record<string, FragmentDefinitionNode>,
  memo: Map<string, Measure>,
  active: Set<string>,
): Measure {
  const m: Measure = { depth: 0, aliases: 0, cost: 0 };
  const merge = (child: Measure) => {
    m.depth = Math.max(m.depth, child.depth);
    m.aliases += child.aliases;
    m.cost += child.cost;
  };
  for (const sel of set.selections) {
    if (sel.kind === Kind.FIELD) {
      if (sel.alias) m.aliases++;
      if (sel.name.value.startsWith("__")) continue; // introspection depth and cost are not limited
      const child = sel.selectionSet
        ? measure(sel.selectionSet, fragments, memo, active)
        : { depth: 0, aliases: 0, cost: 0 };
      const name = sel.name.value;
      const multiplier = PAGED.has(name) ? pageSizeOf(sel) : (LISTS[name] ?? 1);
      m.depth = Math.max(m.depth, 1 + child.depth);
      m.aliases += child.aliases;
      m.cost += 1 + multiplier * child.cost;
    } else if (sel.kind === Kind.INLINE_FRAGMENT) {
      merge(measure(sel.selectionSet, fragments, memo, active));
    } else {
      const name = sel.name.value;
      let r = memo.get(name);
      if (!r) {
        const frag = fragments[name];
        if (!frag || active.has(name)) continue; // unknown or cyclic: other rules report it
        active.add(name);
        r = measure(frag.selectionSet, fragments, memo, active);
        active.delete(name);
        memo.set(name, r);
      }
      merge(r);
    }
  }
  return m;
}

/**
 * A validation rule enforcing depth, alias and cost limits with clear messages. Cost: one per
 * field, times the page size of every enclosing page.
 */
export function limitsRule(limits: Limits) {
  return (context: ValidationContext): ASTVisitor => {
    const doc = context.getDocument();
    const fragments: Record<string, FragmentDefinitionNode> = {};
    for (const d of doc.definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) fragments[d.name.value] = d;
    const memo = new Map<string, Measure>();
    return {
      OperationDefinition(op) {
        const { depth, aliases, cost } = measure(op.selectionSet, fragments, memo, new Set());
        if (depth > limits.maxDepth) {
          context.reportError(
            new GraphQLError(`query is too deep: depth ${depth} exceeds the limit of ${limits.maxDepth}`, {
              extensions: { code: "QUERY_TOO_DEEP" },
            }),
          );
        }
        if (aliases > limits.maxAliases) {
          context.reportError(
            new GraphQLError(`too many aliases: ${aliases} exceeds the limit of ${limits.maxAliases}`, {
              extensions: { code: "TOO_MANY_ALIASES" },
            }),
          );
        }
        if (cost > limits.maxCost) {
          context.reportError(
            new GraphQLError(
              `query is too expensive: estimated cost ${cost} exceeds the limit of ${limits.maxCost} (ask for smaller pages)`,
              { extensions: { code: "QUERY_TOO_EXPENSIVE" } },
            ),
          );
        }
      },
    };
  };
}
