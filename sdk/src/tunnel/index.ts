export {
  postVoucher,
  getAgentSession,
  VOUCHER_API_PORT,
  VoucherRejectedError,
  receiptOf,
  toleranceOf,
  type AgentSessionState,
  type VoucherReceipt,
} from "./voucherApi.ts";
export {
  createTunnelSession,
  type TunnelSession,
  type TunnelSessionParameters,
  type TunnelSessionEvent,
  type TunnelSessionEnd,
  type TunnelSessionEndReason,
  type TunnelSessionSnapshot,
  type SignedUsage,
  type OutgoingVoucher,
} from "./createTunnelSession.ts";
export {
  planVoucherBytes,
  creditCap,
  meterRatio,
  DEFAULT_CREDIT_POLICY,
  DEFAULT_VOUCHER_TOLERANCE,
  type CreditPolicy,
  type VoucherTolerance,
  type PlanInput,
  type Plan,
} from "./paymentPlan.ts";
export { nextProvider, type ProviderChoice, type PickedProvider, type ProviderAvoidance } from "./nextProvider.ts";
