import type { GraphQLResolveInfo, SelectionSetNode } from "graphql";
import { TABLES } from "../database/tables.ts";

/**
 * The provider columns each field of `Provider` (and of its `reputation`) reads; a field not
 * listed (or listed as null) reads the whole row. A field named like a column reads that column.
 */
const PROVIDER_FIELDS: Record<string, readonly string[] | null> = {
  __typename: [],
  wgPublicKeyBase64: ["wgPublicKey"],
  availability: ["registered", "paused", "stake", "lastHeartbeat", "activeSessions", "maxSessions"],
  exitPolicy: ["exitPolicy", "exitDenyPorts", "exitAllowPorts"],
  transport: ["transport", "transportPort", "transportCertSha256", "transportClientId"],
  sessions: [],
  slashes: [],
  series: null,
};
const REPUTATION_FIELDS: Record<string, readonly string[] | null> = {
  __typename: [],
  scoreBreakdown: null,
  uptime24h: ["registeredAt", "coveredUntil"],
  uptime7d: ["registeredAt", "coveredUntil"],
  acceptanceRate: ["sessionsAcceptedPaid", "sessionsMissed"],
  medianAcceptSeconds: ["acceptHistogram"],
  slashes: [],
};
const COLUMNS = new Set(Object.keys(TABLES.providers.columns));

/**
 * The provider columns a list of providers must read to answer the fields selected below `path`
 * (e.g. `["items"]` of a connection), with `id` and `always`; null when some field needs the
 * whole row. Fragments are followed; `@include`/`@skip` are not evaluated (a field they leave
 * out still has its columns read). Reading only these columns rather than every one of the
 * table's columns (three of them JSON) is most of a page's parsing time saved.
 */
export function providerColumns(info: GraphQLResolveInfo, path: string[], always: string[]): string[] | null {
  const out = new Set<string>(["id", ...always]);
  const add = (cols: readonly string[] | null | undefined, field: string): boolean => {
    if (cols === undefined && COLUMNS.has(field)) cols = [field];
    if (!cols) return false;
    for (const c of cols) out.add(c);
    return true;
  };
  // Visits the selections of `set`, `depth` levels below the field; false when a field needs every column.
  const visit = (set: SelectionSetNode | undefined, depth: number, table: "provider" | "reputation"): boolean => {
    for (const s of set?.selections ?? []) {
      if (s.kind === "InlineFragment") {
        if (!visit(s.selectionSet, depth, table)) return false;
      } else if (s.kind === "FragmentSpread") {
        const fragment = info.fragments[s.name.value];
        if (!fragment || !visit(fragment.selectionSet, depth, table)) return false;
      } else if (depth < path.length) {
        if (s.name.value === path[depth] && !visit(s.selectionSet, depth + 1, table)) return false;
      } else if (table === "provider" && s.name.value === "reputation") {
        if (!visit(s.selectionSet, depth, "reputation")) return false;
      } else {
        const fields = table === "provider" ? PROVIDER_FIELDS : REPUTATION_FIELDS;
        if (!add(Object.hasOwn(fields, s.name.value) ? fields[s.name.value] : undefined, s.name.value)) return false;
      }
    }
    return true;
  };
  for (const f of info.fieldNodes) if (!visit(f.selectionSet, 0, "provider")) return null;
  return [...out];
}
