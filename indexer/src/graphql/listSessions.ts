import { getAddress, isAddress } from "viem";
import { Prisma } from "../../generated/prisma/client.ts";
import { statementName } from "../database/reader.ts";
import { selectList } from "../database/sql.ts";
import { TABLES } from "../database/tables.ts";
import type { FeedContext } from "./context.ts";
import { badInput } from "./errors.ts";
import { connection, decodeCursor, pageSize } from "./pagination.ts";
import { countPerBlock } from "./providerCount.ts";

/** Session order fields: the quoted column and the SQL type a cursor value is compared as. */
const SESSION_ORDER: Record<string, { column: Prisma.Sql; type: Prisma.Sql }> = {
  id: { column: Prisma.raw(`s."id"`), type: Prisma.raw("numeric") },
  openedAt: { column: Prisma.raw(`s."openedAt"`), type: Prisma.raw("int4") },
  paid: { column: Prisma.raw(`s."paid"`), type: Prisma.raw("numeric") },
  deposit: { column: Prisma.raw(`s."deposit"`), type: Prisma.raw("numeric") },
};
// The select list returns numeric columns as text under their own names: the order and the
// cursor condition name the table's columns (s."paid"), never the text output columns.
const COLUMNS = Prisma.raw(
  selectList(TABLES.sessions)
    .split(", ")
    .map((c) => `s.${c}`)
    .join(", "),
);

export interface SessionFilter {
  provider?: string | null;
  client?: string | null;
  status?: string | null;
  status_in?: string[] | null;
  paid?: boolean | null;
}

export interface SessionListArgs {
  where?: SessionFilter | null;
  orderBy?: string | null;
  orderDirection?: string | null;
  first?: number | null;
  after?: string | null;
}

function address(value: string, what: string): string {
  if (typeof value !== "string" || !isAddress(value, { strict: false })) {
    throw badInput(`${what} must be a 0x-prefixed 20-byte hex address (got ${JSON.stringify(value)})`);
  }
  return getAddress(value);
}

/** The session filter as a parameterized SQL condition (values always bound parameters). */
function sessionWhere(where: SessionFilter | null | undefined, provider: string | undefined): Prisma.Sql[] {
  const and: Prisma.Sql[] = [];
  if (provider !== undefined) and.push(Prisma.sql`provider = ${provider}::text`);
  if (!where) return and;
  if (where.provider != null) and.push(Prisma.sql`provider = ${address(where.provider, "provider")}::text`);
  if (where.client != null) and.push(Prisma.sql`client = ${address(where.client, "client")}::text`);
  if (where.status != null) and.push(Prisma.sql`status = ${where.status}::text`);
  if (where.status_in != null) {
    and.push(
      where.status_in.length === 0 ? Prisma.sql`FALSE` : Prisma.sql`status IN (${Prisma.join(where.status_in)})`,
    );
  }
  if (where.paid != null) and.push(where.paid ? Prisma.sql`paid > 0` : Prisma.sql`paid = 0`);
  return and;
}

/**
 * A page of sessions in one prepared SQL statement (numeric columns as decimal text), with the
 * total count when selected, counted once per indexed block and filter (a provider's or a
 * client's: an index range of that party's sessions) and shared until the next block.
 */
export async function listSessions(ctx: FeedContext, args: SessionListArgs, wantsTotal: boolean, provider?: string) {
  const first = pageSize(args.first);
  const field = args.orderBy != null && args.orderBy in SESSION_ORDER ? args.orderBy : "id";
  const dir = args.orderDirection === "desc" ? "desc" : "asc";
  const conds = sessionWhere(args.where, provider);
  const where = conds.length === 0 ? Prisma.sql`TRUE` : Prisma.join(conds, " AND ");
  const op = Prisma.raw(dir === "asc" ? ">" : "<");
  const sqlDir = Prisma.raw(dir === "desc" ? "DESC" : "ASC");
  const { column, type } = SESSION_ORDER[field]!;
  let seek = Prisma.sql`TRUE`;
  if (args.after) {
    const [value, id] = decodeCursor(args.after);
    if (field === "id") seek = Prisma.sql`s.id ${op} ${String(id)}::numeric`;
    else if (value === null) throw badInput("invalid cursor for this order");
    else
      seek = Prisma.sql`(${column} ${op} ${value}::${type} OR (${column} = ${value}::${type} AND s.id ${op} ${String(id)}::numeric))`;
  }
  const orderBy = field === "id" ? Prisma.sql`s.id ${sqlDir}` : Prisma.sql`${column} ${sqlDir}, s.id ${sqlDir}`;
  const page = Prisma.sql`SELECT ${COLUMNS} FROM sessions s WHERE ${where} AND ${seek} ORDER BY ${orderBy} LIMIT ${first + 1}`;
  const count = Prisma.sql`SELECT COUNT(*)::int4 AS n FROM sessions WHERE ${where}`;
  const [rows, totalCount] = await Promise.all([
    ctx.read.query<Record<string, unknown>>(page.text, page.values, statementName(page.text, page.values)),
    wantsTotal ? countPerBlock(ctx, count) : -1,
  ]);
  return connection(rows, first, field, totalCount);
}
