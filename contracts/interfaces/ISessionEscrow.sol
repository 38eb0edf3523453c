// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/**
 * @title ISessionEscrow
 * @notice Sessions between a client and a provider, paid from a deposit against cumulative
 * EIP-712 `Usage(uint256 sessionId,bytes32 terms,uint64 bytes,uint64 seconds)` vouchers signed
 * by the session signer, bound to the session's terms.
 */
interface ISessionEscrow {
    /// @notice Where a session is in its life.
    /// Pending: opened, waiting for the provider's acceptance.
    /// Active: accepted, being served and claimed.
    /// Closing: closed by the client, the provider may still claim until the settlement deadline.
    /// Closed: settled; nothing is left in escrow for it.
    enum SessionStatus {
        None,
        Pending,
        Active,
        Closing,
        Closed
    }

    /// @notice A session's public record, as returned by {getSession}.
    struct SessionInfo {
        address client;
        address provider;
        address signer;
        SessionStatus status;
        uint40 deadline;
        uint16 feeBps;
        uint96 deposit;
        uint96 pricePerGiB;
        uint96 pricePerMinute;
        uint64 claimedBytes;
        uint64 claimedSeconds;
        uint256 paid;
    }

    // ───────────────────────────── events ─────────────────────────────

    /// @notice A client opened a session and escrowed `deposit`. `signer` signs the vouchers.
    event SessionOpened(
        uint256 indexed sessionId,
        address indexed provider,
        address indexed client,
        bytes32 wgPublicKey,
        address signer,
        uint96 deposit,
        uint96 pricePerGiB,
        uint96 pricePerMinute,
        uint16 feeBps,
        uint40 acceptDeadline
    );
    /// @notice The provider accepted and assigned the client `tunnelAddress`.
    event SessionAccepted(uint256 indexed sessionId, address indexed provider, string tunnelAddress);
    /// @notice A session the provider did not accept in time was cancelled; `refund` (the whole
    /// deposit) went back to the client.
    event SessionCancelled(uint256 indexed sessionId, address indexed provider, uint96 refund);
    /// @notice The provider was paid for usage up to (`totalBytes`, `totalSeconds`).
    /// `amount` is the gross increase, `fee` the part accrued for the treasury.
    event UsageClaimed(
        uint256 indexed sessionId,
        address indexed provider,
        uint64 totalBytes,
        uint64 totalSeconds,
        uint256 amount,
        uint256 fee,
        uint256 totalPaid
    );
    /// @notice A session was closed by `closedBy`. `settlementDeadline` is zero when the
    /// session settled at once (closed by the provider).
    event SessionClosed(
        uint256 indexed sessionId,
        address indexed provider,
        address closedBy,
        uint40 settlementDeadline
    );
    /// @notice A session settled: `paid` (fees included) went out, `refund` went back to the client.
    event SessionSettled(uint256 indexed sessionId, address indexed provider, uint256 paid, uint256 refund);
    /// @notice The provider refused a pending session; `refund` (the whole deposit) went back to
    /// the client (or to its {refundCredit}). `reason` is the provider's short code.
    event SessionRejected(uint256 indexed sessionId, address indexed provider, bytes32 reason, uint96 refund);
    /// @notice The token refused a refund to `account`; it waits for {withdrawRefund}.
    event RefundCredited(address indexed account, uint256 amount);
    /// @notice `account` withdrew its credited refunds to `to`.
    event RefundWithdrawn(address indexed account, address to, uint256 amount);
    /// @notice Accrued protocol fees went to the treasury.
    event FeesSwept(address indexed treasury, uint256 amount);
    /// @notice Governance changed a parameter.
    event ParameterUpdated(bytes32 indexed name, uint256 oldValue, uint256 newValue);

    // ───────────────────────────── errors ─────────────────────────────

    error EscrowUnauthorized(address caller);
    error EscrowUnknownSession(uint256 sessionId);
    error EscrowInvalidStatus(uint256 sessionId, SessionStatus status);
    error EscrowInvalidWgKey();
    error EscrowInvalidDeposit(uint256 deposit);
    error EscrowPriceAboveMaximum(uint256 price, uint256 maxPrice);
    error EscrowInvalidTunnelAddress(string tunnelAddress);
    error EscrowAcceptDeadlinePassed(uint256 sessionId, uint40 deadline);
    error EscrowAcceptDeadlineNotReached(uint256 sessionId, uint40 deadline);
    error EscrowSettlementWindowOver(uint256 sessionId, uint40 deadline);
    error EscrowSettlementWindowOpen(uint256 sessionId, uint40 deadline);
    error EscrowStaleVoucher(
        uint256 sessionId,
        uint64 bytes_,
        uint64 seconds_,
        uint64 claimedBytes,
        uint64 claimedSeconds
    );
    error EscrowInvalidSignature(uint256 sessionId);
    error EscrowParameterOutOfBounds(bytes32 name, uint256 value, uint256 min, uint256 max);
    error EscrowInvalidTreasury();
    error EscrowNothingToWithdraw(address account);
    error EscrowInvalidRecipient();
}
