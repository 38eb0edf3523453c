/**
 * ESLint (run by `npm run lint`, so by `npm test`): typescript-eslint with type information from
 * the repository's tsconfig, for the rules the compiler cannot check, and import-x for import
 * cycles. Formatting is prettier's job, not this file's.
 */
import { defineConfig } from "eslint/config";
import { createNodeResolver, importX } from "eslint-plugin-import-x";
import tseslint from "typescript-eslint";

export default defineConfig(
  {
    ignores: [
      "node_modules/",
      ".tools/",
      ".data/",
      "artifacts/",
      "cache/",
      "coverage/",
      "types/",
      "indexer/generated/",
      "indexer/explorer/dist/",
      "**/*.js",
      "**/*.mjs",
      "**/*.cjs",
    ],
  },
  {
    files: ["**/*.ts"],
    languageOptions: {
      parser: tseslint.parser,
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    linterOptions: { reportUnusedDisableDirectives: "error" },
    // Relative imports name their .ts file (Node's type stripping runs them as written).
    settings: {
      "import-x/extensions": [".ts", ".js"],
      "import-x/parsers": { "@typescript-eslint/parser": [".ts"] },
      "import-x/resolver-next": [createNodeResolver({ extensions: [".ts", ".js", ".json"] })],
    },
    plugins: { "@typescript-eslint": tseslint.plugin, "import-x": importX },
    rules: {
      // A promise nobody awaits or catches loses its error (and its ordering).
      // node:test's test/describe/it return promises the runner itself awaits.
      "@typescript-eslint/no-floating-promises": [
        "error",
        {
          allowForKnownSafeCalls: [
            { from: "package", package: "node:test", name: ["test", "it", "describe", "suite", "before", "after"] },
          ],
        },
      ],
      "@typescript-eslint/no-explicit-any": "error",
      // Folders are stages and roles; a cycle between modules means two of them are one. Type-only
      // imports (erased at run time) are not counted.
      "import-x/no-cycle": ["error", { ignoreExternal: true }],
    },
  },
);
