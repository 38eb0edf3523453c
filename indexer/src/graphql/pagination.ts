import { badInput } from "./errors.ts";

export const MAX_PAGE_SIZE = 1000;

/** Checks `first` (1..1000). */
export function pageSize(first: number | null | undefined, fallback = 100): number {
  const n = first ?? fallback;
  if (!Number.isInteger(n) || n < 1 || n > MAX_PAGE_SIZE) {
    throw badInput(`first must be between 1 and ${MAX_PAGE_SIZE} (got ${n})`);
  }
  return n;
}

/** Opaque cursor: the order value and the id of the last row of a page. */
export function encodeCursor(value: unknown, id: unknown): string {
  const s = (v: unknown) => (v && typeof v === "object" && "toFixed" in v ? (v as { toFixed(): string }).toFixed() : v);
  return Buffer.from(JSON.stringify([s(value), s(id)])).toString("base64url");
}

export function decodeCursor(cursor: string): [unknown, unknown] {
  try {
    if (!/^[A-Za-z0-9_-]{1,2000}$/.test(cursor)) throw new Error("charset");
    const v = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8")) as unknown;
    if (!Array.isArray(v) || v.length !== 2) throw new Error("shape");
    for (const x of v) if (x !== null && typeof x !== "string" && typeof x !== "number") throw new Error("value");
    return [v[0], v[1]];
  } catch {
    throw badInput("invalid cursor: pass pageInfo.endCursor from a previous page unchanged");
  }
}

/**
 * Prisma `where` for keyset pagination after (value, id) in the given order. `field` equal to
 * "id" uses the id alone.
 */
export function seekAfter(
  field: string,
  direction: "asc" | "desc",
  cursor: string | null | undefined,
): object | undefined {
  if (!cursor) return undefined;
  const [value, id] = decodeCursor(cursor);
  const op = direction === "asc" ? "gt" : "lt";
  if (field === "id") return { id: { [op]: id } };
  if (value === null) throw badInput("invalid cursor for this order");
  return { OR: [{ [field]: { [op]: value } }, { [field]: value, id: { [op]: id } }] };
}

/** Builds a connection from rows fetched with take = first + 1. */
export function connection<T extends Record<string, unknown>>(
  rows: T[],
  first: number,
  field: string,
  totalCount: number,
) {
  const items = rows.slice(0, first);
  const last = items.at(-1);
  return {
    items,
    totalCount,
    pageInfo: {
      hasNextPage: rows.length > first,
      endCursor: last ? encodeCursor(last[field], last.id) : null,
    },
  };
}
