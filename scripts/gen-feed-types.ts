/**
 * Writes the SDK's feed types (sdk/src/feed/types.ts) from the feed's GraphQL schema
 * (indexer/schema.graphql, itself printed from the server's typeDefs), so no feed type is copied
 * by hand. `--check` exits non-zero when the committed file differs (run by `npm test`, like the
 * ABIs' check).
 *
 * Each public type below names a schema object type; its fields are the type's fields without
 * arguments (minus `omit`), with the schema's nullability and descriptions. BigInt becomes
 * `bigint`, Int and Float `number`; strings that are addresses or hex bytes get viem's types
 * (`REFINED`). Object types without a public name are written inline, connections as `Page<T>`.
 * The SDK's documents (sdk/src/feed/documents.ts) must select every field a type declares:
 * otherwise the generator stops and says which.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  buildSchema,
  getNamedType,
  isEnumType,
  isListType,
  isNonNullType,
  isObjectType,
  isScalarType,
  parse,
  TypeInfo,
  visit,
  visitWithTypeInfo,
  type GraphQLField,
  type GraphQLObjectType,
  type GraphQLOutputType,
} from "graphql";
import { format, resolveConfig } from "prettier";
import { FEED_DOCUMENTS } from "../sdk/src/feed/documents.ts";

const root = join(import.meta.dirname, "..");
const target = join(root, "sdk/src/feed/types.ts");

/** A public type made from a schema object type. */
interface TypeSpec {
  /** The schema's object type. */
  from: string;
  /** Its doc comment (default: the schema's description). */
  doc?: string;
  /** Fields the SDK's list queries do not select (a detail type may add them back). */
  omit?: string[];
  /** A type that extends this one with some omitted fields (what the single-item query selects). */
  detail?: { name: string; doc: string; fields: string[] };
}

/** Public types by name, in the order they are written. */
const TYPES: Record<string, TypeSpec> = {
  ScoreBreakdown: {
    from: "ScoreBreakdown",
    doc: "Each part of a provider's reputation score (components 0–1, points out of 100).",
  },
  Reputation: {
    from: "Reputation",
    doc: "A provider's reputation, counted over paid sessions only.",
    omit: ["slashes"],
  },
  Availability: { from: "Availability", doc: "Whether a provider takes sessions right now." },
  FeedProvider: {
    from: "Provider",
    doc: "A provider as the feed lists it.",
    omit: ["slashes"],
    detail: {
      name: "FeedProviderDetail",
      doc: "A provider with its slash history (`provider(id)`).",
      fields: ["slashes"],
    },
  },
  FeedExitPolicy: { from: "ExitPolicy", doc: "A provider's published exit policy, as the feed serves it." },
  FeedSlash: { from: "Slash", doc: "A slash of a provider's stake." },
  FeedClaim: { from: "Claim", doc: "One on-chain claim of a session." },
  FeedSession: {
    from: "Session",
    doc: "A session as the feed records it.",
    omit: ["claims"],
    detail: { name: "FeedSessionDetail", doc: "A session with its claims (`session(id)`).", fields: ["claims"] },
  },
  FeedVote: { from: "Vote", doc: "A vote on a proposal." },
  FeedProposal: {
    from: "Proposal",
    doc: "A governance proposal as the feed records it.",
    detail: {
      name: "FeedProposalDetail",
      doc: "A proposal with a page of its votes (`proposal(id)`).",
      fields: ["votes"],
    },
  },
  RegionStats: { from: "RegionStats", doc: "Figures for one region." },
  NetworkStats: { from: "NetworkStats", doc: "Network-wide figures." },
  NetworkBucket: { from: "NetworkBucket" },
  ProviderBucket: { from: "ProviderBucket" },
  FeedMeta: { from: "Meta", doc: "How far the indexer has read the chain.", omit: ["replicaLagSeconds"] },
};

/** Enums with a public name (any other enum is written inline as a union). */
const ENUMS: Record<string, { name: string; doc: string }> = {
  OrderDirection: { name: "OrderDirection", doc: "Sort direction." },
  SessionStatus: { name: "FeedSessionStatus", doc: "Where a session is (the feed lists no `None`)." },
  SeriesBucket: { name: "SeriesBucket", doc: "Width of a time series' buckets (whole UTC hours or days)." },
};

/** String fields that hold an address or hex bytes. */
const REFINED: Record<string, "Address" | "Hex"> = {
  "Provider.id": "Address",
  "Provider.wgPublicKey": "Hex",
  "Slash.beneficiary": "Address",
  "Session.provider": "Address",
  "Session.client": "Address",
  "Session.signer": "Address",
  "Session.wgPublicKey": "Hex",
  "Session.closedBy": "Address",
  "Vote.voter": "Address",
  "Proposal.proposer": "Address",
  "Proposal.targets": "Address",
  "Proposal.calldatas": "Hex",
  "MetaBlock.hash": "Hex",
};

const SCALARS: Record<string, string> = {
  BigInt: "bigint",
  Int: "number",
  Float: "number",
  String: "string",
  Boolean: "boolean",
};

const schema = buildSchema(readFileSync(join(root, "indexer/schema.graphql"), "utf8"));
const nameOf = new Map(Object.entries(TYPES).map(([name, spec]) => [spec.from, name]));

function objectType(name: string): GraphQLObjectType {
  const t = schema.getType(name);
  if (!isObjectType(t)) throw new Error(`gen-feed-types: ${name} is not an object type of the schema`);
  return t;
}

/** The fields a public type declares: its own, then its detail's. */
function fieldsOf(spec: TypeSpec): {
  base: GraphQLField<unknown, unknown>[];
  detail: GraphQLField<unknown, unknown>[];
} {
  const fields = Object.values(objectType(spec.from).getFields());
  const byName = new Map(fields.map((f) => [f.name, f]));
  for (const f of [...(spec.omit ?? []), ...(spec.detail?.fields ?? [])]) {
    if (!byName.has(f)) throw new Error(`gen-feed-types: ${spec.from} has no field ${f}`);
  }
  return {
    base: fields.filter((f) => f.args.length === 0 && !spec.omit?.includes(f.name)),
    detail: (spec.detail?.fields ?? []).map((f) => byName.get(f)!),
  };
}

function doc(text: string | null | undefined, indent = ""): string {
  if (!text) return "";
  return `${indent}/** ${text.replace(/\s+/g, " ").trim()} */\n`;
}

/** The TypeScript type of a field's GraphQL type. */
function tsType(type: GraphQLOutputType, owner: string, field: string): string {
  if (isNonNullType(type)) return tsType(type.ofType, owner, field).replace(/ \| null$/, "");
  let out: string;
  if (isListType(type)) {
    const item = tsType(type.ofType, owner, field);
    out = `${item.includes(" ") ? `(${item})` : item}[]`;
  } else if (isScalarType(type)) {
    out = REFINED[`${owner}.${field}`] ?? SCALARS[type.name] ?? "unknown";
    if (!(type.name in SCALARS)) throw new Error(`gen-feed-types: no TypeScript type for scalar ${type.name}`);
  } else if (isEnumType(type)) {
    out =
      ENUMS[type.name]?.name ??
      type
        .getValues()
        .map((v) => JSON.stringify(v.name))
        .join(" | ");
  } else if (isObjectType(type)) {
    out = objectRef(type);
  } else {
    throw new Error(`gen-feed-types: ${owner}.${field} has a type the generator does not handle`);
  }
  return `${out} | null`;
}

/** A reference to an object type: its public name, `Page<T>` for a connection, else an inline literal. */
function objectRef(type: GraphQLObjectType): string {
  const named = nameOf.get(type.name);
  if (named) return named;
  const fields = type.getFields();
  if (type.name.endsWith("Connection") && fields.items && fields.pageInfo && fields.totalCount) {
    return `Page<${objectRef(getNamedType(fields.items.type) as GraphQLObjectType)}>`;
  }
  const parts = Object.values(fields)
    .filter((f) => f.args.length === 0)
    .map((f) => `${f.name}: ${tsType(f.type, type.name, f.name)}`);
  return `{ ${parts.join("; ")} }`;
}

/** Schema type → every field the SDK's documents select on it. */
function selectedFields(): Map<string, Set<string>> {
  const selected = new Map<string, Set<string>>();
  const info = new TypeInfo(schema);
  for (const text of Object.values(FEED_DOCUMENTS)) {
    visit(
      parse(text),
      visitWithTypeInfo(info, {
        Field(node) {
          const parent = info.getParentType();
          if (!parent) return;
          let set = selected.get(parent.name);
          if (!set) selected.set(parent.name, (set = new Set()));
          set.add(node.name.value);
        },
      }),
    );
  }
  return selected;
}

async function render(): Promise<string> {
  const selected = selectedFields();
  let out =
    "// Generated by scripts/gen-feed-types.ts from indexer/schema.graphql. Do not edit by hand.\n" +
    "// Regenerate with `bash scripts/run node scripts/gen-feed-types.ts`.\n\n" +
    "/**\n * Types of the indexer feed as the SDK returns them. GraphQL sends uint256 values as decimal\n" +
    " * strings; the SDK turns them into `bigint`.\n */\n" +
    'import type { Address, Hex } from "viem";\n\n';
  for (const [schemaName, { name, doc: text }] of Object.entries(ENUMS)) {
    const t = schema.getType(schemaName);
    if (!isEnumType(t)) throw new Error(`gen-feed-types: ${schemaName} is not an enum of the schema`);
    out += `${doc(text)}export type ${name} = ${t
      .getValues()
      .map((v) => JSON.stringify(v.name))
      .join(" | ")};\n\n`;
  }
  out +=
    "/** A page of a cursor-paginated list. Pass `pageInfo.endCursor` as `after` for the next page. */\n" +
    `export interface Page<T> {\n  items: T[];\n  pageInfo: ${objectRef(objectType("PageInfo"))};\n  totalCount: number;\n}\n\n`;
  const missing: string[] = [];
  for (const [name, spec] of Object.entries(TYPES)) {
    const type = objectType(spec.from);
    const { base, detail } = fieldsOf(spec);
    const member = (f: GraphQLField<unknown, unknown>) => {
      if (!selected.get(spec.from)?.has(f.name)) missing.push(`${spec.from}.${f.name}`);
      return `${doc(f.description, "  ")}  ${f.name}: ${tsType(f.type, spec.from, f.name)};\n`;
    };
    out += `${doc(spec.doc ?? type.description)}export interface ${name} {\n${base.map(member).join("")}}\n\n`;
    if (spec.detail) {
      out += `${doc(spec.detail.doc)}export interface ${spec.detail.name} extends ${name} {\n${detail.map(member).join("")}}\n\n`;
    }
  }
  if (missing.length) {
    throw new Error(
      `gen-feed-types: the SDK's documents do not select ${missing.join(", ")}: select them in sdk/src/feed/documents.ts or omit them here`,
    );
  }
  return format(out, { ...(await resolveConfig(target)), parser: "typescript" });
}

let text: string;
try {
  text = await render();
} catch (err) {
  console.error(err instanceof Error ? err.message : String(err));
  process.exit(1);
}
if (process.argv.includes("--check")) {
  const current = existsSync(target) ? readFileSync(target, "utf8") : "";
  if (current !== text) {
    console.error(
      "sdk/src/feed/types.ts is out of date with indexer/schema.graphql: run `bash scripts/run node scripts/gen-feed-types.ts`.",
    );
    process.exit(1);
  }
} else {
  writeFileSync(target, text);
  console.error(`wrote ${target}`);
}
