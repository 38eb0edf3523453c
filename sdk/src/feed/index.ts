export { feedActions } from "./actions.ts";
