import { BREAK, visit, type DocumentNode, type ExecutionResult } from "graphql";
import { compileQuery, isCompiledQuery, type CompiledQuery } from "graphql-jit";
import type { Plugin } from "graphql-yoga";

/** Executions of a document (per operation) on the default executor before it is compiled. */
const RUNS_BEFORE_COMPILING = 1;
/**
 * Documents nested deeper than this (selection sets within selection sets, fragments counted
 * where written) are never compiled: graphql-jit's compile time and the memory its function keeps
 * grow much faster than the depth (seconds and 150 MiB at 2,000 levels), and the feed's own
 * queries stay far below it.
 */
const MAX_COMPILED_DEPTH = 24;

/**
 * Whether `document` may be compiled: not introspection (`__schema`, `__type`: rare, not limited
 * in depth or cost by the query limits, and served well enough by graphql-js) and not deeper than
 * {@link MAX_COMPILED_DEPTH}.
 */
export function compilable(document: DocumentNode): boolean {
  let depth = 0;
  let ok = true;
  visit(document, {
    SelectionSet: {
      enter() {
        depth++;
        if (depth > MAX_COMPILED_DEPTH) {
          ok = false;
          return BREAK;
        }
        return undefined;
      },
      leave() {
        depth--;
      },
    },
    Field(node) {
      if (node.name.value === "__schema" || node.name.value === "__type") {
        ok = false;
        return BREAK;
      }
      return undefined;
    },
  });
  return ok;
}

/**
 * graphql-yoga plugin executing queries with graphql-jit: a document (per operation name) run
 * again is compiled once into a JavaScript function that resolves its fields, instead of
 * graphql-js walking the document for every request. Its first run is graphql-js's, so a
 * document sent once (values written into it rather than passed as variables) never pays for
 * a compilation (about a millisecond for the feed's larger documents, several executions' worth).
 * A document graphql-jit cannot compile, introspection and a document nested deeper than
 * {@link MAX_COMPILED_DEPTH} keep running on the default executor, with the same answer. An answer with errors is given by the default executor too (the request runs again
 * there): graphql-jit's errors differ from graphql-js's in their locations and key order, and
 * the feed's answers stay byte for byte those of graphql-js. The feed has no mutations, so
 * running a request twice changes nothing; it costs up to twice the execution, within the
 * query limits. Compiled documents live as long as graphql-yoga's
 * cache of parsed documents keeps the document (a WeakMap on it). Subscriptions are left to the
 * default executor (the SSE hub runs its own).
 */
export function compiledExecution(): Plugin {
  /** Per document and operation: the compiled query, null (cannot be compiled) or the runs so far. */
  const compiled = new WeakMap<DocumentNode, Map<string, CompiledQuery | null | number>>();
  return {
    onExecute({ args, executeFn, setExecuteFn }) {
      let byOperation = compiled.get(args.document);
      if (!byOperation) compiled.set(args.document, (byOperation = new Map()));
      const name = args.operationName ?? "";
      let query: CompiledQuery | null | number | undefined = byOperation.get(name);
      if (query === undefined) query = 0;
      if (typeof query === "number") {
        if (query < RUNS_BEFORE_COMPILING) {
          byOperation.set(name, query + 1);
          return;
        }
        let result: ReturnType<typeof compileQuery> | undefined;
        try {
          if (compilable(args.document)) {
            result = compileQuery(args.schema, args.document, args.operationName ?? undefined);
          }
        } catch {
          result = undefined;
        }
        query =
          result && isCompiledQuery(result as Parameters<typeof isCompiledQuery>[0]) ? (result as CompiledQuery) : null;
        byOperation.set(name, query);
      }
      if (!query) return;
      const run = query;
      const fallback = executeFn;
      setExecuteFn(async (a) => {
        const result = (await run.query(a.rootValue, a.contextValue, a.variableValues)) as ExecutionResult;
        return result.errors?.length ? fallback(a) : result;
      });
    },
  };
}
