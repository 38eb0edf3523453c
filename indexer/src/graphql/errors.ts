import { GraphQLError, type ExecutionResult } from "graphql";
import type { Plugin } from "graphql-yoga";

/** Longest quoted value (or unbroken run of characters) an error message repeats before shortening it. */
export const MAX_QUOTED_CHARS = 64;
/** Longest error message, after the quoted values were shortened. */
export const MAX_MESSAGE_CHARS = 1000;

/** The first `n` UTF-16 units of `s`, never ending inside a surrogate pair. */
function head(s: string, n: number): string {
  const code = s.charCodeAt(n - 1);
  return s.slice(0, code >= 0xd800 && code <= 0xdbff ? n - 1 : n);
}

/** A double-quoted segment with JSON/GraphQL escapes, or an unbroken run of other non-space characters. */
const SEGMENT = /"[^"\\]*(?:\\.[^"\\]*)*"|[^\s"]+/g;

/**
 * Bounds what an error message echoes of the request: every double-quoted value and every unbroken run of
 * characters longer than {@link MAX_QUOTED_CHARS} keeps its first 63 characters and "…" (64 in all, so a
 * bounded message passes through unchanged) followed by " (N chars)", and the whole message is cut at
 * {@link MAX_MESSAGE_CHARS}. Messages without such values come back unchanged.
 * Every error the feed answers with passes through here ({@link badInput} and {@link boundedErrors}).
 */
export function boundMessage(message: string): string {
  if (message.length <= MAX_QUOTED_CHARS) return message;
  let out = message.replace(SEGMENT, (segment) => {
    if (segment.startsWith('"')) {
      const inner = segment.slice(1, -1);
      if (inner.length <= MAX_QUOTED_CHARS) return segment;
      // Do not end on half an escape sequence.
      return `"${head(inner, MAX_QUOTED_CHARS - 1).replace(/\\+$/, "")}…" (${inner.length} chars)`;
    }
    if (segment.length <= MAX_QUOTED_CHARS) return segment;
    return `${head(segment, MAX_QUOTED_CHARS - 1)}… (${segment.length} chars)`;
  });
  if (out.length > MAX_MESSAGE_CHARS) out = `${head(out, MAX_MESSAGE_CHARS)}… (message of ${out.length} chars)`;
  return out;
}

/** A client mistake, shown unmasked with code BAD_USER_INPUT. */
export function badInput(message: string): GraphQLError {
  return new GraphQLError(boundMessage(message), { extensions: { code: "BAD_USER_INPUT" } });
}

function boundError(error: unknown): unknown {
  if (!(error instanceof GraphQLError)) return error;
  const message = boundMessage(error.message);
  if (message === error.message) return error;
  // A copy: graphql-yoga caches validation errors per document, and the original keeps its message.
  return new GraphQLError(message, {
    nodes: error.nodes,
    source: error.source,
    positions: error.positions,
    path: error.path,
    originalError: error.originalError,
    extensions: error.extensions,
  });
}

function boundResult(result: unknown): unknown {
  if (Array.isArray(result)) return result.map(boundResult);
  if (!result || typeof result !== "object" || !("errors" in result)) return result;
  const r = result as ExecutionResult;
  if (!r.errors?.length) return result;
  return { ...r, errors: r.errors.map(boundError) };
}

/**
 * graphql-yoga plugin applying {@link boundMessage} to every error of an answer, including graphql-js's own
 * syntax, validation and variable messages (`Expected value of type "Int", found "<the literal>"`), so a
 * 100 KB argument is not echoed back in full. Events of a subscription stream are produced by the feed's
 * resolvers, whose errors are bounded where they are made ({@link badInput}).
 */
export function boundedErrors(): Plugin {
  return {
    onResultProcess({ result, setResult }) {
      if (Symbol.asyncIterator in (result as object)) return;
      const bounded = boundResult(result);
      if (bounded !== result) setResult(bounded as typeof result);
    },
  };
}
