// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Permit.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {SignatureChecker} from "@openzeppelin/contracts/utils/cryptography/SignatureChecker.sol";
import {IProviderRegistry} from "./interfaces/IProviderRegistry.sol";
import {ISessionEscrow} from "./interfaces/ISessionEscrow.sol";

/**
 * @title SessionEscrow
 * @notice Holds a client's deposit for a session with one provider and pays the provider
 * against cumulative usage vouchers signed by the session signer:
 * `Usage(uint256 sessionId,bytes32 terms,uint64 bytes,uint64 seconds)` (EIP-712, domain
 * "dvpn SessionEscrow", "1"), where `terms` = keccak256(abi.encode(provider, deposit,
 * pricePerGiB, pricePerMinute)) of the session as its signer saw it ({termsOf}). A voucher signed
 * for a session that a reorganisation replaced with other terms under the same id is invalid.
 *
 * cost(bytes, seconds) = bytes × pricePerGiB / 2^30 + seconds × pricePerMinute / 60, capped at
 * the deposit. Prices and the protocol fee are fixed when the session opens.
 *
 * Invariant: per session, paid to provider + fees + refund = deposit; the escrow's balance is
 * the sum over unsettled sessions of (deposit − paid to the provider: the fee of their claims
 * stays here until they settle), plus the fees of settled sessions not yet swept
 * ({accruedFees}), plus the refunds credited and not yet withdrawn ({refundCredit}).
 *
 * Signatures: a voucher is valid when it is an ECDSA signature of the digest by the signer's key,
 * whatever code the signer's account has (an EOA that delegated under EIP-7702 stays an EOA for
 * vouchers: its key can always sign, and no code it delegates to can revoke what it signed).
 * ERC-1271 is consulted only when the ECDSA check does not match, for contract wallets.
 *
 * Settlement never depends on a party accepting a transfer: a refund the token refuses (a
 * blocklisted client, a hook that reverts) is credited to the client, who withdraws it with
 * {withdrawRefund}; protocol fees accrue in the escrow and anyone may {sweepFees} to the treasury.
 * Pending sessions do not hold a provider's capacity: the slot is reserved when the provider
 * accepts, so sessions nobody accepts stop mattering at their deadline without anyone paying.
 */
contract SessionEscrow is ISessionEscrow, EIP712, ReentrancyGuardTransient {
    using SafeERC20 for IERC20;

    /// @dev Packed into three slots (an open writes three new slots, not four): the provider is
    /// a {providerIdOf} id, the prices are at most {MAX_PRICE}. Slot 0 is what every call reads
    /// (who, status, deadline); slot 2 is the only one a claim rewrites.
    struct Session {
        // slot 0
        address client;
        uint32 providerId;
        SessionStatus status;
        uint16 feeBps;
        uint40 deadline;
        // slot 1
        address signer;
        uint96 deposit;
        // slot 2
        uint64 pricePerGiB;
        uint64 pricePerMinute;
        uint64 claimedBytes;
        uint64 claimedSeconds;
    }

    /// @notice EIP-712 type hash of a usage voucher.
    bytes32 public constant USAGE_TYPEHASH = keccak256(
        "Usage(uint256 sessionId,bytes32 terms,uint64 bytes,uint64 seconds)"
    );

    bytes32 public constant PROTOCOL_FEE_BPS = "protocolFeeBps";
    bytes32 public constant ACCEPT_TIMEOUT = "acceptTimeout";
    bytes32 public constant SETTLEMENT_WINDOW = "settlementWindow";
    bytes32 public constant TREASURY = "treasury";

    uint256 public constant PROTOCOL_FEE_BPS_UPPER = 1_000;
    uint256 public constant ACCEPT_TIMEOUT_LOWER = 1 minutes;
    uint256 public constant ACCEPT_TIMEOUT_UPPER = 1 days;
    uint256 public constant SETTLEMENT_WINDOW_LOWER = 10 minutes;
    uint256 public constant SETTLEMENT_WINDOW_UPPER = 7 days;
    uint256 public constant MAX_TUNNEL_ADDRESS_LENGTH = 96;
    /// @notice Highest price per GiB or per minute a session can carry (2^64 − 1 base units:
    /// 18.4 whole tokens of an 18-decimal token, 1.8·10^13 of a 6-decimal one); a provider priced
    /// above it cannot be booked ({EscrowPriceAboveMaximum}).
    uint256 public constant MAX_PRICE = type(uint64).max;
    /// @notice Gas a refund transfer may use before the refund is credited instead (bounds what a
    /// token hook at the recipient can burn of the settling caller's gas).
    uint256 public constant REFUND_TRANSFER_GAS = 100_000;

    /// @notice The token deposits and payments are made in.
    IERC20 public immutable paymentToken;
    /// @notice The provider registry that prices and counts sessions.
    IProviderRegistry public immutable registry;
    /// @notice The only address allowed to change parameters (the timelock).
    address public immutable governance;

    // One slot, read by every open: the parameters it needs and the counters it bumps.
    /// @notice Protocol fee in basis points of every claim, fixed per session at open.
    uint16 public protocolFeeBps;
    /// @notice Seconds a provider has to accept a session.
    uint40 public acceptTimeout;
    /// @notice Seconds a provider has for its last claim after the client closes.
    uint40 public settlementWindow;
    /// @notice Number of sessions ever opened; session ids run from 1 to this.
    uint64 public sessionCount;
    /// @notice Number of providers that have ever had a session; provider ids run from 1 to this.
    uint32 public providerCount;
    /// @notice Receives the protocol fee.
    address public treasury;
    /// @notice Protocol fees of settled sessions, not yet swept to the treasury.
    uint160 public accruedFees;

    mapping(uint256 sessionId => Session) private _sessions;
    /// @notice The id a provider's sessions store instead of its address (0: never had a session).
    mapping(address provider => uint32) public providerIdOf;
    /// @notice The provider behind a {providerIdOf} id.
    mapping(uint32 providerId => address) public providerOf;
    /// @notice Refunds the token refused to deliver, waiting for {withdrawRefund} by their owner.
    mapping(address account => uint256) public refundCredit;

    constructor(
        IERC20 paymentToken_,
        IProviderRegistry registry_,
        address governance_,
        address treasury_,
        uint256 initialProtocolFeeBps,
        uint256 initialAcceptTimeout,
        uint256 initialSettlementWindow
    ) EIP712("dvpn SessionEscrow", "1") {
        paymentToken = paymentToken_;
        registry = registry_;
        governance = governance_;
        _setTreasury(treasury_);
        _setProtocolFeeBps(initialProtocolFeeBps);
        _setAcceptTimeout(initialAcceptTimeout);
        _setSettlementWindow(initialSettlementWindow);
    }

    modifier onlyGovernance() {
        if (msg.sender != governance) revert EscrowUnauthorized(msg.sender);
        _;
    }

    // ──────────────────────────── sessions ────────────────────────────

    /**
     * @notice Opens a session with `provider` and escrows `deposit` (approved before).
     * @param wgPublicKey the client's WireGuard public key.
     * @param signer key that signs usage vouchers; zero means the caller.
     * @param maxPricePerGiB the call reverts if the provider's current price is higher.
     * @param maxPricePerMinute likewise for the per-minute price.
     * @return sessionId the new session's id.
     * Requirements: `provider` is available; `wgPublicKey` not zero; 0 < deposit < 2^96;
     * the provider's prices are within the maxima.
     */
    function openSession(
        address provider,
        bytes32 wgPublicKey,
        address signer,
        uint256 deposit,
        uint96 maxPricePerGiB,
        uint96 maxPricePerMinute
    ) external nonReentrant returns (uint256 sessionId) {
        return _open(provider, wgPublicKey, signer, deposit, maxPricePerGiB, maxPricePerMinute);
    }

    /**
     * @notice {openSession} with an EIP-2612 permit for the deposit. A failed permit (for
     * example front-run) is ignored when the allowance already suffices.
     * Requirements: those of {openSession}; a valid permit or an allowance of at least `deposit`.
     */
    function openSessionWithPermit(
        address provider,
        bytes32 wgPublicKey,
        address signer,
        uint256 deposit,
        uint96 maxPricePerGiB,
        uint96 maxPricePerMinute,
        uint256 permitDeadline,
        uint8 v,
        bytes32 r,
        bytes32 s
    ) external nonReentrant returns (uint256 sessionId) {
        try
            IERC20Permit(address(paymentToken)).permit(msg.sender, address(this), deposit, permitDeadline, v, r, s)
        {} catch {}
        return _open(provider, wgPublicKey, signer, deposit, maxPricePerGiB, maxPricePerMinute);
    }

    /**
     * @notice The provider accepts a pending session and tells the client its tunnel address.
     * This is where the session takes one of the provider's slots.
     * Requirements: caller is the session's provider; status Pending; before the accept
     * deadline; `tunnelAddress` is 1–96 bytes; the provider is registered and below its capacity.
     */
    function acceptSession(uint256 sessionId, string calldata tunnelAddress) external {
        Session storage s = _session(sessionId);
        _onlyProvider(s);
        if (s.status != SessionStatus.Pending) revert EscrowInvalidStatus(sessionId, s.status);
        if (block.timestamp > s.deadline) revert EscrowAcceptDeadlinePassed(sessionId, s.deadline);
        uint256 len = bytes(tunnelAddress).length;
        if (len == 0 || len > MAX_TUNNEL_ADDRESS_LENGTH) revert EscrowInvalidTunnelAddress(tunnelAddress);
        s.status = SessionStatus.Active;
        s.deadline = 0;
        emit SessionAccepted(sessionId, msg.sender, tunnelAddress);
        registry.reserveSession(msg.sender);
    }

    /**
     * @notice The provider refuses a pending session (a bad key, its policy): the whole deposit
     * returns to the client at once and `reason` is recorded in {SessionRejected}.
     * Requirements: caller is the session's provider; status Pending.
     */
    function rejectSession(uint256 sessionId, bytes32 reason) external nonReentrant {
        Session storage s = _session(sessionId);
        _onlyProvider(s);
        if (s.status != SessionStatus.Pending) revert EscrowInvalidStatus(sessionId, s.status);
        uint96 refund = s.deposit;
        s.status = SessionStatus.Closed;
        s.deadline = 0;
        emit SessionRejected(sessionId, msg.sender, reason, refund);
        _refund(s.client, refund);
    }

    /**
     * @notice Returns the whole deposit of a session the provider has not accepted to its client.
     * The session's client may withdraw it at any time while it is Pending (a provider that does
     * not answer need not hold the deposit until the deadline); anyone else may call it once the
     * accept deadline has passed. A pending session holds none of the provider's capacity (the
     * slot is taken at accept), so a withdrawal costs the provider at most the gas of an
     * acceptSession that races it and reverts with {EscrowInvalidStatus}.
     * Requirements: status Pending; caller is the session's client, or the accept deadline passed.
     */
    function cancelSession(uint256 sessionId) external nonReentrant {
        Session storage s = _session(sessionId);
        if (s.status != SessionStatus.Pending) revert EscrowInvalidStatus(sessionId, s.status);
        if (msg.sender != s.client && block.timestamp <= s.deadline) {
            revert EscrowAcceptDeadlineNotReached(sessionId, s.deadline);
        }
        uint96 refund = s.deposit;
        address provider = providerOf[s.providerId];
        s.status = SessionStatus.Closed;
        s.deadline = 0;
        emit SessionCancelled(sessionId, provider, refund);
        _refund(s.client, refund);
    }

    /**
     * @notice Pays the provider for usage up to a voucher, minus the protocol fee.
     * Requirements: caller is the session's provider; status Active, or Closing before the
     * settlement deadline; the voucher is signed by the session signer and is not below the
     * last claimed totals in either field, and above them in at least one.
     */
    function claim(uint256 sessionId, uint64 bytes_, uint64 seconds_, bytes calldata signature) external nonReentrant {
        (Session storage s, Session memory m) = _claimable(sessionId);
        _claim(s, m, sessionId, bytes_, seconds_, signature);
    }

    /**
     * @notice Closes a session.
     * - By the provider (status Active or Closing): settles at once; the rest of the deposit
     *   returns to the client.
     * - By the client (status Active): opens the settlement window for the provider's last
     *   claim; afterwards anyone calls {finalize}.
     * Requirements: caller is the session's client or provider; status as above.
     */
    function closeSession(uint256 sessionId) external nonReentrant {
        Session storage s = _session(sessionId);
        SessionStatus status = s.status;
        // The client is in the slot just read and its path needs the provider's address anyway;
        // a provider closing a session it opened itself takes the provider's path, as always.
        address provider = msg.sender == s.client ? providerOf[s.providerId] : address(0);
        if (msg.sender == provider || (provider == address(0) && providerIdOf[msg.sender] == s.providerId)) {
            if (status != SessionStatus.Active && status != SessionStatus.Closing) {
                revert EscrowInvalidStatus(sessionId, status);
            }
            _closeByProvider(s, sessionId, status);
        } else if (msg.sender == s.client) {
            if (status != SessionStatus.Active) revert EscrowInvalidStatus(sessionId, status);
            uint40 deadline = uint40(block.timestamp) + settlementWindow;
            s.status = SessionStatus.Closing;
            s.deadline = deadline;
            emit SessionClosed(sessionId, provider, msg.sender, deadline);
            registry.releaseSession(provider);
        } else {
            revert EscrowUnauthorized(msg.sender);
        }
    }

    /**
     * @notice The provider claims a final voucher and closes at once (see {claim} and
     * {closeSession}).
     * Requirements: caller is the session's provider; status Active, or Closing before the
     * settlement deadline; the voucher passes the checks of {claim}.
     */
    function closeWithVoucher(
        uint256 sessionId,
        uint64 bytes_,
        uint64 seconds_,
        bytes calldata signature
    ) external nonReentrant {
        (Session storage s, Session memory m) = _claimable(sessionId);
        _claim(s, m, sessionId, bytes_, seconds_, signature);
        _closeByProvider(s, sessionId, m.status);
    }

    /**
     * @notice Settles a session the client closed, once the settlement window is over: the
     * rest of the deposit returns to the client. Anyone may call it.
     * Requirements: status Closing; settlement deadline passed.
     */
    function finalize(uint256 sessionId) external nonReentrant {
        Session storage s = _session(sessionId);
        if (s.status != SessionStatus.Closing) revert EscrowInvalidStatus(sessionId, s.status);
        if (block.timestamp <= s.deadline) revert EscrowSettlementWindowOpen(sessionId, s.deadline);
        _settle(s, sessionId, providerOf[s.providerId]);
    }

    /**
     * @notice Pays the caller's credited refunds (see {refundCredit}) to `to`, which may differ
     * from the caller (a blocklisted client names another address).
     * Requirements: something credited; `to` not zero.
     */
    function withdrawRefund(address to) external nonReentrant {
        uint256 amount = refundCredit[msg.sender];
        if (amount == 0) revert EscrowNothingToWithdraw(msg.sender);
        if (to == address(0)) revert EscrowInvalidRecipient();
        refundCredit[msg.sender] = 0;
        emit RefundWithdrawn(msg.sender, to, amount);
        paymentToken.safeTransfer(to, amount);
    }

    /**
     * @notice Sends the accrued protocol fees to the treasury. Anyone may call it.
     * Requirements: fees accrued.
     */
    function sweepFees() external nonReentrant {
        uint256 amount = accruedFees;
        if (amount == 0) revert EscrowNothingToWithdraw(treasury);
        accruedFees = 0;
        address to = treasury;
        emit FeesSwept(to, amount);
        paymentToken.safeTransfer(to, amount);
    }

    // ───────────────────────────── reads ──────────────────────────────

    /// @notice The public record of a session (`paid` is the gross amount claimed so far).
    function getSession(uint256 sessionId) external view returns (SessionInfo memory info) {
        Session storage s = _sessions[sessionId];
        info = SessionInfo({
            client: s.client,
            provider: providerOf[s.providerId],
            signer: s.signer,
            status: s.status,
            deadline: s.deadline,
            feeBps: s.feeBps,
            deposit: s.deposit,
            pricePerGiB: s.pricePerGiB,
            pricePerMinute: s.pricePerMinute,
            claimedBytes: s.claimedBytes,
            claimedSeconds: s.claimedSeconds,
            paid: _costOf(s, s.claimedBytes, s.claimedSeconds)
        });
    }

    /// @notice What a voucher for (`bytes_`, `seconds_`) is worth in `sessionId`, capped at its deposit.
    function priceOf(uint256 sessionId, uint64 bytes_, uint64 seconds_) external view returns (uint256) {
        return _costOf(_sessions[sessionId], bytes_, seconds_);
    }

    /// @notice The EIP-712 digest a session signer signs for a voucher (bound to {termsOf}).
    function usageDigest(uint256 sessionId, uint64 bytes_, uint64 seconds_) public view returns (bytes32) {
        Session storage s = _sessions[sessionId];
        return _usageDigest(sessionId, _terms(providerOf[s.providerId], s), bytes_, seconds_);
    }

    /// @notice The terms a voucher of `sessionId` is bound to: keccak256(abi.encode(provider,
    /// deposit, pricePerGiB, pricePerMinute)).
    function termsOf(uint256 sessionId) external view returns (bytes32) {
        Session storage s = _sessions[sessionId];
        return _terms(providerOf[s.providerId], s);
    }

    /// @notice The EIP-712 domain separator of this escrow.
    // solhint-disable-next-line func-name-mixedcase
    function DOMAIN_SEPARATOR() external view returns (bytes32) {
        return _domainSeparatorV4();
    }

    // ─────────────────────────── governance ───────────────────────────

    /// @notice Sets {protocolFeeBps} for sessions opened from now on. Requirements: governance; value ≤ 1000.
    function setProtocolFeeBps(uint256 value) external onlyGovernance {
        _setProtocolFeeBps(value);
    }

    /// @notice Sets {acceptTimeout}. Requirements: governance; 1 minute ≤ value ≤ 1 day.
    function setAcceptTimeout(uint256 value) external onlyGovernance {
        _setAcceptTimeout(value);
    }

    /// @notice Sets {settlementWindow}. Requirements: governance; 10 minutes ≤ value ≤ 7 days.
    function setSettlementWindow(uint256 value) external onlyGovernance {
        _setSettlementWindow(value);
    }

    /// @notice Sets {treasury}. Requirements: governance; not zero.
    function setTreasury(address value) external {
        // The check of {onlyGovernance}, written out: as a modifier here, Hardhat 3.18's EDR fails to
        // trace this function's revert in the via-IR build (the call answers "invalid parameters"
        // instead of the revert data).
        if (msg.sender != governance) revert EscrowUnauthorized(msg.sender);
        _setTreasury(value);
    }

    // ──────────────────────────── internals ───────────────────────────

    function _session(uint256 sessionId) private view returns (Session storage s) {
        s = _sessions[sessionId];
        if (s.status == SessionStatus.None) revert EscrowUnknownSession(sessionId);
    }

    /// @dev The caller must be the session's provider (after this, `msg.sender` is its address).
    function _onlyProvider(Session storage s) private view {
        if (providerIdOf[msg.sender] != s.providerId) revert EscrowUnauthorized(msg.sender);
    }

    /// @dev The provider's id, assigned the first time anyone opens a session with it.
    function _providerId(address provider) private returns (uint32 id) {
        id = providerIdOf[provider];
        if (id != 0) return id;
        id = ++providerCount;
        providerIdOf[provider] = id;
        providerOf[id] = provider;
    }

    function _open(
        address provider,
        bytes32 wgPublicKey,
        address signer,
        uint256 deposit,
        uint96 maxPricePerGiB,
        uint96 maxPricePerMinute
    ) private returns (uint256 sessionId) {
        if (wgPublicKey == bytes32(0)) revert EscrowInvalidWgKey();
        if (deposit == 0 || deposit > type(uint96).max) revert EscrowInvalidDeposit(deposit);
        (uint96 pricePerGiB, uint96 pricePerMinute) = registry.quoteSession(provider);
        if (pricePerGiB > maxPricePerGiB) revert EscrowPriceAboveMaximum(pricePerGiB, maxPricePerGiB);
        if (pricePerMinute > maxPricePerMinute) revert EscrowPriceAboveMaximum(pricePerMinute, maxPricePerMinute);
        if (pricePerGiB > MAX_PRICE) revert EscrowPriceAboveMaximum(pricePerGiB, MAX_PRICE);
        if (pricePerMinute > MAX_PRICE) revert EscrowPriceAboveMaximum(pricePerMinute, MAX_PRICE);
        if (signer == address(0)) signer = msg.sender;
        uint16 feeBps = protocolFeeBps;
        uint40 acceptDeadline = uint40(block.timestamp) + acceptTimeout;
        sessionId = ++sessionCount;
        // The three slots of {Session}, each written once (a struct assignment would read and
        // rewrite a slot once per field). Bit offsets follow the declaration order.
        uint256 slot0 =
            uint256(uint160(msg.sender)) |
                (uint256(_providerId(provider)) << 160) |
                (uint256(uint8(SessionStatus.Pending)) << 192) |
                (uint256(feeBps) << 200) |
                (uint256(acceptDeadline) << 216);
        uint256 slot1 = uint256(uint160(signer)) | (deposit << 160);
        uint256 slot2 = uint256(pricePerGiB) | (uint256(pricePerMinute) << 64);
        Session storage s = _sessions[sessionId];
        // solhint-disable-next-line no-inline-assembly
        assembly ("memory-safe") {
            sstore(s.slot, slot0)
            sstore(add(s.slot, 1), slot1)
            sstore(add(s.slot, 2), slot2)
        }
        emit SessionOpened(
            sessionId,
            provider,
            msg.sender,
            wgPublicKey,
            signer,
            uint96(deposit),
            pricePerGiB,
            pricePerMinute,
            feeBps,
            acceptDeadline
        );
        paymentToken.safeTransferFrom(msg.sender, address(this), deposit);
    }

    /// @dev The session, read once, after the checks of every claim: it exists, the caller is its
    /// provider, and it is Active, or Closing before its settlement deadline.
    function _claimable(uint256 sessionId) private view returns (Session storage s, Session memory m) {
        s = _sessions[sessionId];
        m = s;
        if (m.status == SessionStatus.None) revert EscrowUnknownSession(sessionId);
        if (providerIdOf[msg.sender] != m.providerId) revert EscrowUnauthorized(msg.sender);
        if (m.status == SessionStatus.Closing) {
            if (block.timestamp > m.deadline) revert EscrowSettlementWindowOver(sessionId, m.deadline);
        } else if (m.status != SessionStatus.Active) {
            revert EscrowInvalidStatus(sessionId, m.status);
        }
    }

    /// @dev `m` is `s` as {_claimable} read it; `msg.sender` is the session's provider.
    function _claim(
        Session storage s,
        Session memory m,
        uint256 sessionId,
        uint64 bytes_,
        uint64 seconds_,
        bytes calldata signature
    ) private {
        if (
            bytes_ < m.claimedBytes ||
            seconds_ < m.claimedSeconds ||
            (bytes_ == m.claimedBytes && seconds_ == m.claimedSeconds)
        ) {
            revert EscrowStaleVoucher(sessionId, bytes_, seconds_, m.claimedBytes, m.claimedSeconds);
        }
        bytes32 terms = _termsHash(msg.sender, m.deposit, m.pricePerGiB, m.pricePerMinute);
        if (!_isValidVoucherSignature(m.signer, _usageDigest(sessionId, terms, bytes_, seconds_), signature)) {
            revert EscrowInvalidSignature(sessionId);
        }
        uint256 total = _cost(m.pricePerGiB, m.pricePerMinute, m.deposit, bytes_, seconds_);
        uint256 before = _cost(m.pricePerGiB, m.pricePerMinute, m.deposit, m.claimedBytes, m.claimedSeconds);
        uint256 amount = total - before;
        uint256 fee = _fee(total, m.feeBps) - _fee(before, m.feeBps);
        // Slot 2 of {Session} (prices, then the claimed totals) in one write.
        uint256 slot2 =
            uint256(m.pricePerGiB) |
                (uint256(m.pricePerMinute) << 64) |
                (uint256(bytes_) << 128) |
                (uint256(seconds_) << 192);
        // solhint-disable-next-line no-inline-assembly
        assembly ("memory-safe") {
            sstore(add(s.slot, 2), slot2)
        }
        emit UsageClaimed(sessionId, msg.sender, bytes_, seconds_, amount, fee, total);
        if (amount - fee != 0) paymentToken.safeTransfer(msg.sender, amount - fee);
    }

    function _usageDigest(
        uint256 sessionId,
        bytes32 terms,
        uint64 bytes_,
        uint64 seconds_
    ) private view returns (bytes32) {
        return _hashTypedDataV4(keccak256(abi.encode(USAGE_TYPEHASH, sessionId, terms, bytes_, seconds_)));
    }

    function _terms(address provider, Session storage s) private view returns (bytes32) {
        return _termsHash(provider, s.deposit, s.pricePerGiB, s.pricePerMinute);
    }

    /// @dev keccak256(abi.encode(provider, deposit, pricePerGiB, pricePerMinute)), each a 32-byte word.
    function _termsHash(
        address provider,
        uint256 deposit,
        uint256 pricePerGiB,
        uint256 pricePerMinute
    ) private pure returns (bytes32) {
        return keccak256(abi.encode(provider, deposit, pricePerGiB, pricePerMinute));
    }

    /// @dev ECDSA by the signer's key first, whatever code the account has (EIP-7702); ERC-1271
    /// only when that does not match.
    function _isValidVoucherSignature(
        address signer,
        bytes32 digest,
        bytes calldata signature
    ) private view returns (bool) {
        (address recovered, ECDSA.RecoverError err, ) = ECDSA.tryRecover(digest, signature);
        if (err == ECDSA.RecoverError.NoError && recovered == signer) return true;
        return SignatureChecker.isValidERC1271SignatureNow(signer, digest, signature);
    }

    /// @dev Sends `amount` to `to`, or credits it to {refundCredit} when the token refuses, fails
    /// or takes more than {REFUND_TRANSFER_GAS}: settling never depends on the recipient.
    function _refund(address to, uint256 amount) private {
        if (amount == 0) return;
        address token = address(paymentToken);
        bytes memory data = abi.encodeCall(IERC20.transfer, (to, amount));
        uint256 gasLimit = REFUND_TRANSFER_GAS;
        bool ok;
        // Like SafeERC20: success with no return data from a contract, or exactly `true`; at most
        // one word of return data is copied, so a token cannot burn gas with a huge answer.
        // solhint-disable-next-line no-inline-assembly
        assembly ("memory-safe") {
            mstore(0, 0)
            ok := call(gasLimit, token, 0, add(data, 0x20), mload(data), 0, 0x20)
            if ok {
                ok := or(
                    and(iszero(returndatasize()), gt(extcodesize(token), 0)),
                    and(gt(returndatasize(), 31), eq(mload(0), 1))
                )
            }
        }
        if (ok) return;
        // Every caller is nonReentrant and has settled the session before this call.
        // solhint-disable-next-line reentrancy
        refundCredit[to] += amount;
        emit RefundCredited(to, amount);
    }

    /// @dev Called with `msg.sender` checked to be the session's provider.
    function _closeByProvider(Session storage s, uint256 sessionId, SessionStatus status) private {
        emit SessionClosed(sessionId, msg.sender, msg.sender, 0);
        if (status == SessionStatus.Active) registry.releaseSession(msg.sender);
        _settle(s, sessionId, msg.sender);
    }

    function _settle(Session storage s, uint256 sessionId, address provider) private {
        uint256 paid = _costOf(s, s.claimedBytes, s.claimedSeconds);
        uint256 fee = _fee(paid, s.feeBps);
        if (fee != 0) accruedFees += uint160(fee);
        uint256 refund = s.deposit - paid;
        s.status = SessionStatus.Closed;
        s.deadline = 0;
        emit SessionSettled(sessionId, provider, paid, refund);
        _refund(s.client, refund);
    }

    /// @dev The protocol fee of a session that has paid `paid` in all (rounded down once, on the total).
    function _fee(uint256 paid, uint256 feeBps) private pure returns (uint256) {
        return (paid * feeBps) / 10_000;
    }

    function _costOf(Session storage s, uint64 bytes_, uint64 seconds_) private view returns (uint256) {
        return _cost(s.pricePerGiB, s.pricePerMinute, s.deposit, bytes_, seconds_);
    }

    /// @dev cost = bytes × pricePerGiB / 2^30 + seconds × pricePerMinute / 60, capped at the deposit.
    function _cost(
        uint256 pricePerGiB,
        uint256 pricePerMinute,
        uint256 deposit,
        uint64 bytes_,
        uint64 seconds_
    ) private pure returns (uint256) {
        uint256 cost = (uint256(bytes_) * pricePerGiB) / (1 << 30) + (uint256(seconds_) * pricePerMinute) / 60;
        return cost < deposit ? cost : deposit;
    }

    function _setProtocolFeeBps(uint256 value) private {
        _checkBounds(PROTOCOL_FEE_BPS, value, 0, PROTOCOL_FEE_BPS_UPPER);
        uint256 old = protocolFeeBps;
        protocolFeeBps = uint16(value);
        emit ParameterUpdated(PROTOCOL_FEE_BPS, old, value);
    }

    function _setAcceptTimeout(uint256 value) private {
        _checkBounds(ACCEPT_TIMEOUT, value, ACCEPT_TIMEOUT_LOWER, ACCEPT_TIMEOUT_UPPER);
        uint256 old = acceptTimeout;
        acceptTimeout = uint40(value);
        emit ParameterUpdated(ACCEPT_TIMEOUT, old, value);
    }

    function _setSettlementWindow(uint256 value) private {
        _checkBounds(SETTLEMENT_WINDOW, value, SETTLEMENT_WINDOW_LOWER, SETTLEMENT_WINDOW_UPPER);
        uint256 old = settlementWindow;
        settlementWindow = uint40(value);
        emit ParameterUpdated(SETTLEMENT_WINDOW, old, value);
    }

    function _setTreasury(address value) private {
        if (value == address(0)) revert EscrowInvalidTreasury();
        address old = treasury;
        treasury = value;
        emit ParameterUpdated(TREASURY, uint256(uint160(old)), uint256(uint160(value)));
    }

    function _checkBounds(bytes32 name, uint256 value, uint256 min, uint256 max) private pure {
        if (value < min || value > max) revert EscrowParameterOutOfBounds(name, value, min, max);
    }
}
