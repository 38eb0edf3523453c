/**
 * Builds the indexer's PGlite template (indexer/generated/pglite-template): a data folder with
 * every committed migration applied, which a new PGlite data folder is copied from instead of
 * running initdb (see indexer/src/database/pgliteTemplate.ts). Run by scripts/setup.sh when the
 * migrations or PGlite are newer than the template.
 */
import { PGLITE_TEMPLATE_DIR, buildPGliteTemplate } from "../indexer/src/database/pgliteTemplate.ts";

await buildPGliteTemplate();
process.stdout.write(`${PGLITE_TEMPLATE_DIR}\n`);
