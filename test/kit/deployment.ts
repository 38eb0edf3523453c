/**
 * The tests' door to a deployment: the same code as `npm run deploy` (scripts/deploy), so a test
 * chain holds exactly what a real one would. Tests import it from here, never from scripts/.
 */
export { deployProtocol, LOCAL_PARAMETERS } from "../../scripts/deploy/deployProtocol.ts";
