import {
  GraphQLError,
  Kind,
  type ASTVisitor,
  type FieldNode,
  type FragmentDefinitionNode,
  type SelectionSetNode,
  type ValidationContext,
} from "graphql";

/** Fields that return pages: their children cost `first` times (default 100). */
const PAGED = new Set(["providers", "sessions", "proposals", "votes"]);
/** Unpaged list fields: their children cost this many times. */
const LISTS: Record<string, number> = { slashes: 10, claims: 20, byRegion: 50 };

interface Limits {
  maxDepth: number;
  maxAliases: number;
  maxCost: number;
}

function walk(
  set: SelectionSetNode,
  fragments: Record<string, FragmentDefinitionNode>,
  visit: (field: FieldNode, depth: number, multiplier: number) => number,
  onAlias: () => void,
  depth: number,
  multiplier: number,
  seen: Set<string>,
): void {
  for (const sel of set.selections) {
    if (sel.kind === Kind.FIELD) {
      if (sel.alias) onAlias();
      if (sel.name.value.startsWith("__")) continue; // introspection depth and cost are not limited
      const childMultiplier = visit(sel, depth, multiplier);
      if (sel.selectionSet) walk(sel.selectionSet, fragments, visit, onAlias, depth + 1, childMultiplier, seen);
    } else if (sel.kind === Kind.INLINE_FRAGMENT) {
      walk(sel.selectionSet, fragments, visit, onAlias, depth, multiplier, seen);
    } else {
      const frag = fragments[sel.name.value];
      if (!frag || seen.has(frag.name.value)) continue;
      seen.add(frag.name.value);
      walk(frag.selectionSet, fragments, visit, onAlias, depth, multiplier, seen);
      seen.delete(frag.name.value);
    }
  }
}

function firstArg(field: FieldNode): number {
  const arg = field.arguments?.find((a) => a.name.value === "first");
  if (!arg) return 100;
  if (arg.value.kind === Kind.INT) return Math.max(1, Number(arg.value.value));
  // A variable counts as the largest page: validation results are cached per document, so the
  // cost must not depend on the values of one request.
  if (arg.value.kind === Kind.VARIABLE) return 1000;
  return 100;
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
    return {
      OperationDefinition(op) {
        let maxDepth = 0;
        let aliases = 0;
        let cost = 0;
        walk(
          op.selectionSet,
          fragments,
          (field, depth, multiplier) => {
            maxDepth = Math.max(maxDepth, depth + 1);
            cost += multiplier;
            const name = field.name.value;
            if (PAGED.has(name)) return multiplier * firstArg(field);
            return multiplier * (LISTS[name] ?? 1);
          },
          () => aliases++,
          0,
          1,
          new Set(),
        );
        if (maxDepth > limits.maxDepth) {
          context.reportError(
            new GraphQLError(`query is too deep: depth ${maxDepth} exceeds the limit of ${limits.maxDepth}`, {
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
              {
                extensions: { code: "QUERY_TOO_EXPENSIVE" },
              },
            ),
          );
        }
      },
    };
  };
}
