/**
 * The sections the data-plane benchmark runs after its core rounds, in this order (see
 * `section.ts`). A new one is a file exporting a {@link DataplaneSection}, added to this list.
 */
import type { DataplaneSection } from "./section.ts";

/** Every section of `npm run bench:dataplane`. */
export const dataplaneSections: readonly DataplaneSection[] = [];
