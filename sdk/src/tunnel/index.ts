export { parseWgDump, type PeerCounters } from "./wgDump.ts";
export {
  postVoucher,
  getAgentSession,
  VOUCHER_API_PORT,
  VoucherRejectedError,
  type AgentSessionState,
} from "./voucherApi.ts";
export {
  streamVouchers,
  type StreamVouchersParameters,
  type StreamVouchersReturnType,
  type Usage,
} from "./streamVouchers.ts";
