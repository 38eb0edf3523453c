/**
 * The feed's view of a provider's exit policy: the `ExitPolicy` object and the SQL behind the
 * `allowsPort` / `deniesPort` filters, which read the port lists the indexer stored as
 * `[[from, to], …]` (see `indexing/exitPolicyColumns.ts`).
 */
import { Prisma } from "../../generated/prisma/client.ts";
import { exitPolicyFields, parseExitPolicy } from "../../../sdk/src/exitPolicy/exitPolicy.ts";
import { badInput } from "./errors.ts";

/** A port argument, checked. @throws a GraphQL bad-input error naming `field`. */
export function port(value: number, field: string): number {
  if (!Number.isInteger(value) || value < 1 || value > 65535)
    throw badInput(`${field} must be a port from 1 to 65535 (got ${value})`);
  return value;
}

const within = (column: string, p: number) =>
  Prisma.sql`EXISTS (SELECT 1 FROM jsonb_array_elements(${Prisma.raw(column)}) AS r WHERE (r->>0)::int4 <= ${p}::int4 AND ${p}::int4 <= (r->>1)::int4)`;

/** SQL that holds when a provider's published policy lets clients connect to `p`. */
export function allowsPortSql(p: number): Prisma.Sql {
  return Prisma.sql`NOT ${within(`"exitDenyPorts"`, p)} AND (jsonb_array_length("exitAllowPorts") = 0 OR ${within(`"exitAllowPorts"`, p)})`;
}

const listOf = (text: string, key: string) => exitPolicyFields(text).get(key)?.split(",") ?? [];

const ranges = (json: unknown) => ((json ?? []) as [number, number][]).map(([from, to]) => ({ from, to }));

/** The `ExitPolicy` object of a provider row. */
export function exitPolicyOf(row: { exitPolicy: string; exitDenyPorts: unknown; exitAllowPorts: unknown }) {
  let wellFormed = true;
  try {
    parseExitPolicy(row.exitPolicy);
  } catch {
    wellFormed = false;
  }
  return {
    text: row.exitPolicy,
    denyPorts: ranges(row.exitDenyPorts),
    allowPorts: ranges(row.exitAllowPorts),
    denyRanges: listOf(row.exitPolicy, "deny-ranges"),
    allowRanges: listOf(row.exitPolicy, "allow-ranges"),
    wellFormed,
  };
}
