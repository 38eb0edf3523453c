/**
 * The tests' door to the data-plane lab: the demo's network namespaces (scripts/lib/netns.ts) and
 * its gateway-agent service (scripts/demo/services.ts), so a namespace test builds exactly what
 * `npm run demo` builds. Tests import them from here, never from scripts/.
 */
export {
  createTopology,
  dataPlaneUnavailableReason,
  removeTopology,
  TOPOLOGY,
  type Topology,
} from "../../scripts/lib/netns.ts";
export { startAgentService, type AgentService } from "../../scripts/demo/services.ts";
