import type { DocumentNode, ExecutionResult } from "graphql";
import { compileQuery, isCompiledQuery, type CompiledQuery } from "graphql-jit";
import type { Plugin } from "graphql-yoga";

/**
 * graphql-yoga plugin executing queries and mutations with graphql-jit: each document (per
 * operation name) is compiled once into a JavaScript function that resolves its fields, instead
 * of graphql-js walking the document for every request. A document graphql-jit cannot compile
 * runs on the default executor, with the same answer. An answer with errors is given by the
 * default executor too (the request runs again there): graphql-jit's errors differ from
 * graphql-js's in their locations and key order, and the feed's answers stay byte for byte those
 * of graphql-js. The feed has no mutations, so running a request twice changes nothing. Compiled documents live as long as
 * graphql-yoga's cache of parsed documents keeps the document (a WeakMap on it). Subscriptions
 * are left to the default executor (the SSE hub runs its own).
 */
export function compiledExecution(): Plugin {
  const compiled = new WeakMap<DocumentNode, Map<string, CompiledQuery | null>>();
  return {
    onExecute({ args, executeFn, setExecuteFn }) {
      let byOperation = compiled.get(args.document);
      if (!byOperation) compiled.set(args.document, (byOperation = new Map()));
      const name = args.operationName ?? "";
      let query = byOperation.get(name);
      if (query === undefined) {
        let result: ReturnType<typeof compileQuery> | undefined;
        try {
          result = compileQuery(args.schema, args.document, args.operationName ?? undefined);
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
