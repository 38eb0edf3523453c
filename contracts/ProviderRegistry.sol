// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Permit.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {IProviderRegistry} from "./interfaces/IProviderRegistry.sol";
import {ExitPolicy} from "./ExitPolicy.sol";

/**
 * @title ProviderRegistry
 * @notice Providers stake the protocol token, publish their endpoint, WireGuard key, region and
 * prices, and prove liveness with heartbeats. Unstaking goes through an unbonding period during
 * which the stake stays slashable. Governance (the timelock) sets the parameters within hard
 * bounds and may slash, in all its calls and proposals together, at most `maxSlashBps` of what a
 * provider held (stake + unbonding) when its current {SLASH_PERIOD} began.
 */
contract ProviderRegistry is IProviderRegistry, ReentrancyGuardTransient {
    using SafeERC20 for IERC20;

    /// @dev Storage layout: the hot fields (read by availability checks and written by
    /// heartbeats and session accounting) share one slot.
    struct Provider {
        // slot 0
        uint128 stake;
        uint40 lastHeartbeat;
        uint32 activeSessions;
        uint32 maxSessions;
        bool registered;
        bool paused;
        // slot 1
        uint96 pricePerGiB;
        uint96 pricePerMinute;
        bytes2 region;
        // slot 2
        uint128 unbonding;
        uint40 unbondingEnd;
        // slot 3
        bytes32 wgPublicKey;
        // slot 4+
        string endpoint;
    }

    /// @dev An obfuscated transport a provider offers (two slots).
    struct TransportOffer {
        uint8 kind;
        uint16 port;
        bytes16 clientId;
        bytes32 certSha256;
    }

    /// @dev A provider's slashing budget for the current period.
    struct SlashWindow {
        uint40 start;
        uint128 base;
        uint128 slashed;
    }

    bytes32 public constant MIN_STAKE = "minStake";
    bytes32 public constant UNBONDING_PERIOD = "unbondingPeriod";
    bytes32 public constant HEARTBEAT_TIMEOUT = "heartbeatTimeout";
    bytes32 public constant MAX_SLASH_BPS = "maxSlashBps";

    uint256 public constant MIN_STAKE_LOWER = 1;
    uint256 public constant MIN_STAKE_UPPER = 10_000_000 ether;
    uint256 public constant UNBONDING_PERIOD_LOWER = 1 days;
    uint256 public constant UNBONDING_PERIOD_UPPER = 90 days;
    uint256 public constant HEARTBEAT_TIMEOUT_LOWER = 1 minutes;
    uint256 public constant HEARTBEAT_TIMEOUT_UPPER = 1 days;
    uint256 public constant MAX_SLASH_BPS_LOWER = 1;
    uint256 public constant MAX_SLASH_BPS_UPPER = 5_000;
    uint256 public constant MAX_ENDPOINT_LENGTH = 255;
    /// @notice Highest price per GiB or per minute (2^64 − 1 base units), the most a session in
    /// the escrow can carry: 18.4 whole tokens of an 18-decimal token, 1.8·10^13 of a 6-decimal one.
    uint256 public constant MAX_PRICE = type(uint64).max;
    /// @notice Highest transport kind known (1: V2Ray VLESS over WebSocket and TLS).
    uint8 public constant MAX_TRANSPORT_KIND = 1;
    /// @notice Length of the period over which a provider's slashes add up against {maxSlashBps}.
    uint256 public constant SLASH_PERIOD = 30 days;

    uint256 private constant HIGH_BITS = 0x8080808080808080808080808080808080808080808080808080808080808080;
    uint256 private constant PLUS_0X5F = 0x5f5f5f5f5f5f5f5f5f5f5f5f5f5f5f5f5f5f5f5f5f5f5f5f5f5f5f5f5f5f5f5f;
    uint256 private constant PLUS_0X01 = 0x0101010101010101010101010101010101010101010101010101010101010101;

    /// @notice The token providers stake.
    IERC20 public immutable stakingToken;
    /// @notice The only address allowed to change parameters and slash (the timelock).
    address public immutable governance;
    /// @notice The session escrow allowed to reserve and release session slots.
    address public escrow;

    /// @notice Stake a registered provider must keep to be available.
    uint128 public minStake;
    /// @notice Seconds between {requestUnstake} and {withdraw}.
    uint40 public unbondingPeriod;
    /// @notice A heartbeat older than this makes a provider unavailable.
    uint40 public heartbeatTimeout;
    /// @notice Largest share of a provider's stake + unbonding (in basis points) all slashes in one
    /// {SLASH_PERIOD} may take together.
    uint16 public maxSlashBps;

    address private _escrowBinder;
    mapping(address provider => Provider) private _providers;
    mapping(address provider => SlashWindow) private _slashWindows;
    mapping(address provider => string) private _exitPolicies;
    mapping(address provider => TransportOffer) private _transports;

    /// @param initialMinStake see {minStake}; the other arguments likewise. Each is checked
    /// against its bounds.
    constructor(
        IERC20 stakingToken_,
        address governance_,
        uint256 initialMinStake,
        uint256 initialUnbondingPeriod,
        uint256 initialHeartbeatTimeout,
        uint256 initialMaxSlashBps
    ) {
        stakingToken = stakingToken_;
        governance = governance_;
        _escrowBinder = msg.sender;
        _setMinStake(initialMinStake);
        _setUnbondingPeriod(initialUnbondingPeriod);
        _setHeartbeatTimeout(initialHeartbeatTimeout);
        _setMaxSlashBps(initialMaxSlashBps);
    }

    modifier onlyGovernance() {
        if (msg.sender != governance) revert RegistryUnauthorized(msg.sender);
        _;
    }

    modifier onlyEscrow() {
        if (msg.sender != escrow) revert RegistryUnauthorized(msg.sender);
        _;
    }

    modifier onlyRegistered() {
        if (!_providers[msg.sender].registered) revert RegistryNotRegistered(msg.sender);
        _;
    }

    // ─────────────────────────── deployment ───────────────────────────

    /**
     * @notice Binds the session escrow. Called once by the deployer right after the escrow is
     * deployed; afterwards nobody can change it.
     * Requirements: caller deployed this registry; not bound yet; `escrow_` is not zero.
     */
    function bindEscrow(address escrow_) external {
        if (msg.sender != _escrowBinder) revert RegistryUnauthorized(msg.sender);
        if (escrow_ == address(0)) revert RegistryInvalidEscrow();
        if (escrow != address(0)) revert RegistryEscrowAlreadyBound();
        escrow = escrow_;
        _escrowBinder = address(0);
        emit EscrowBound(escrow_);
    }

    // ──────────────────────────── providers ───────────────────────────

    /**
     * @notice Registers the caller as a provider and stakes `stake` tokens (approved before).
     * The registration counts as a first heartbeat.
     * Requirements: not registered; `endpoint` is "host:port" of 3–255 printable ASCII bytes
     * (no spaces) with a port from 1 to 65535; `wgPublicKey`
     * is not zero; `region` is two upper-case letters (ISO 3166-1 alpha-2); `maxSessions` > 0;
     * each price at most {MAX_PRICE}; `stake` ≥ {minStake}.
     */
    function register(
        string calldata endpoint,
        bytes32 wgPublicKey,
        bytes2 region,
        uint96 pricePerGiB,
        uint96 pricePerMinute,
        uint32 maxSessions,
        uint128 stake
    ) external nonReentrant {
        _register(endpoint, wgPublicKey, region, pricePerGiB, pricePerMinute, maxSessions, stake);
    }

    /**
     * @notice {register} with an EIP-2612 permit for the stake instead of a prior approval.
     * A permit that fails (for example because it was front-run) is ignored when the
     * allowance is already sufficient.
     * Requirements: those of {register}; a valid permit or an allowance of at least `stake`.
     */
    function registerWithPermit(
        string calldata endpoint,
        bytes32 wgPublicKey,
        bytes2 region,
        uint96 pricePerGiB,
        uint96 pricePerMinute,
        uint32 maxSessions,
        uint128 stake,
        uint256 deadline,
        uint8 v,
        bytes32 r,
        bytes32 s
    ) external nonReentrant {
        _permit(stake, deadline, v, r, s);
        _register(endpoint, wgPublicKey, region, pricePerGiB, pricePerMinute, maxSessions, stake);
    }

    /**
     * @notice Changes the caller's endpoint, WireGuard key, region and capacity.
     * Requirements: registered; the same checks on each value as {register}.
     */
    function update(
        string calldata endpoint,
        bytes32 wgPublicKey,
        bytes2 region,
        uint32 maxSessions
    ) external onlyRegistered {
        _checkProfile(endpoint, wgPublicKey, region, maxSessions);
        Provider storage p = _providers[msg.sender];
        p.endpoint = endpoint;
        p.wgPublicKey = wgPublicKey;
        p.region = region;
        p.maxSessions = maxSessions;
        emit ProviderUpdated(msg.sender, endpoint, wgPublicKey, region, maxSessions);
    }

    /**
     * @notice Sets the caller's prices for new sessions. Open sessions keep their prices.
     * Requirements: registered; each price at most {MAX_PRICE}.
     */
    function setPrices(uint96 pricePerGiB, uint96 pricePerMinute) external onlyRegistered {
        _checkPrices(pricePerGiB, pricePerMinute);
        Provider storage p = _providers[msg.sender];
        p.pricePerGiB = pricePerGiB;
        p.pricePerMinute = pricePerMinute;
        emit PricesUpdated(msg.sender, pricePerGiB, pricePerMinute);
    }

    /**
     * @notice Publishes where the caller's clients may go through it: the exit policy its agent
     * enforces, in the form {ExitPolicy} describes (e.g. `deny-ports=25;deny-ranges=10.0.0.0/8`);
     * the empty string clears it. It stays published across deregistration and is only informative
     * on chain: sessions and payments do not depend on it.
     * Requirements: registered; at most {ExitPolicy.MAX_LENGTH} bytes; well formed.
     */
    function setExitPolicy(string calldata policy) external onlyRegistered {
        uint256 len = bytes(policy).length;
        if (len > ExitPolicy.MAX_LENGTH) revert RegistryExitPolicyTooLong(len, ExitPolicy.MAX_LENGTH);
        uint256 bad = ExitPolicy.firstError(bytes(policy));
        if (bad != type(uint256).max) revert RegistryInvalidExitPolicy(policy, bad);
        _exitPolicies[msg.sender] = policy;
        emit ExitPolicyUpdated(msg.sender, policy);
    }

    /**
     * @notice Publishes the obfuscated transport that carries the caller's WireGuard, so clients
     * behind a censor can filter on it and connect: `kind` 1 is V2Ray VLESS over WebSocket and
     * TLS on TCP `port` of the endpoint's host, `certSha256` the SHA-256 of its TLS certificate
     * (DER) that clients pin, `clientId` its VLESS user id. All zero withdraws the offer. Like the
     * exit policy, it is informative on chain: sessions and payments do not depend on it.
     * Requirements: registered; kind 0 with everything zero, or kind {MAX_TRANSPORT_KIND} at most
     * with a port, a certificate hash and a client id.
     */
    function setTransport(uint8 kind, uint16 port, bytes32 certSha256, bytes16 clientId) external onlyRegistered {
        bool none = kind == 0 && port == 0 && certSha256 == 0 && clientId == 0;
        bool some = kind != 0 && kind <= MAX_TRANSPORT_KIND && port != 0 && certSha256 != 0 && clientId != 0;
        if (!none && !some) revert RegistryInvalidTransport(kind, port, certSha256, clientId);
        _transports[msg.sender] = TransportOffer(kind, port, clientId, certSha256);
        emit TransportUpdated(msg.sender, kind, port, certSha256, clientId);
    }

    /// @notice Stops new sessions to the caller. Requirements: registered, not paused.
    function pause() external onlyRegistered {
        Provider storage p = _providers[msg.sender];
        if (p.paused) revert RegistryAlreadyPaused(msg.sender);
        p.paused = true;
        emit ProviderPaused(msg.sender);
    }

    /// @notice Takes new sessions again. Requirements: registered, paused.
    function unpause() external onlyRegistered {
        Provider storage p = _providers[msg.sender];
        if (!p.paused) revert RegistryNotPaused(msg.sender);
        p.paused = false;
        emit ProviderUnpaused(msg.sender);
    }

    /// @notice Records that the caller's agent is alive. Requirements: registered.
    function heartbeat() external {
        Provider storage p = _providers[msg.sender];
        if (!p.registered) revert RegistryNotRegistered(msg.sender);
        uint40 nowTs = uint40(block.timestamp);
        p.lastHeartbeat = nowTs;
        emit Heartbeat(msg.sender, nowTs);
    }

    // ───────────────────────────── stake ──────────────────────────────

    /// @notice Adds `amount` (approved before) to the caller's stake. Requirements: registered, amount > 0.
    function addStake(uint128 amount) external nonReentrant onlyRegistered {
        if (amount == 0) revert RegistryInvalidAmount(amount);
        Provider storage p = _providers[msg.sender];
        uint128 newStake = p.stake + amount;
        p.stake = newStake;
        emit StakeAdded(msg.sender, amount, newStake);
        stakingToken.safeTransferFrom(msg.sender, address(this), amount);
    }

    /**
     * @notice Moves `amount` of the caller's stake into unbonding. Unstaking everything
     * deregisters the provider. Each request restarts the unbonding period of the whole
     * unbonding balance.
     * Requirements: registered; 0 < amount ≤ stake; what remains is 0 or ≥ {minStake}; a full
     * exit needs zero open sessions.
     */
    function requestUnstake(uint128 amount) external onlyRegistered {
        Provider storage p = _providers[msg.sender];
        uint128 stake = p.stake;
        if (amount == 0) revert RegistryInvalidAmount(amount);
        if (amount > stake) revert RegistryInsufficientStake(amount, stake);
        uint128 remaining = stake - amount;
        if (remaining == 0) {
            if (p.activeSessions != 0) revert RegistryOpenSessions(msg.sender, p.activeSessions);
        } else if (remaining < minStake) {
            revert RegistryStakeBelowMinimum(remaining, minStake);
        }
        uint40 releaseTime = uint40(block.timestamp) + unbondingPeriod;
        p.stake = remaining;
        p.unbonding += amount;
        p.unbondingEnd = releaseTime;
        emit UnstakeRequested(msg.sender, amount, p.unbonding, releaseTime);
        if (remaining == 0) {
            p.registered = false;
            p.paused = false;
            emit ProviderDeregistered(msg.sender);
        }
    }

    /// @notice Pays out the caller's unbonded stake. Requirements: something unbonding, period over.
    function withdraw() external nonReentrant {
        Provider storage p = _providers[msg.sender];
        uint128 amount = p.unbonding;
        if (amount == 0) revert RegistryNothingToWithdraw(msg.sender);
        if (block.timestamp < p.unbondingEnd) {
            revert RegistryUnbondingNotOver(p.unbondingEnd, uint40(block.timestamp));
        }
        p.unbonding = 0;
        p.unbondingEnd = 0;
        emit StakeWithdrawn(msg.sender, amount);
        stakingToken.safeTransfer(msg.sender, amount);
    }

    /**
     * @notice Slashes up to `amount` of `provider`'s stake (active first, then unbonding) to
     * `beneficiary`. The amount is clamped to what the provider's slashing budget has left: in
     * each {SLASH_PERIOD} (starting with its first slash), all slashes of a provider together
     * take at most {maxSlashBps} of its stake + unbonding at the period's start, whatever the
     * number of calls or proposals. A slash voted as a fixed amount therefore still executes
     * when the provider withdrew part of its stake during the vote.
     * Requirements: caller is governance; `beneficiary` is not zero; amount > 0; something is
     * left in the provider's budget.
     */
    function slash(address provider, uint128 amount, address beneficiary) external nonReentrant onlyGovernance {
        if (beneficiary == address(0)) revert RegistryInvalidBeneficiary();
        if (amount == 0) revert RegistryInvalidAmount(amount);
        Provider storage p = _providers[provider];
        uint256 held = uint256(p.stake) + p.unbonding;
        SlashWindow storage w = _slashWindows[provider];
        if (w.start == 0 || block.timestamp >= uint256(w.start) + SLASH_PERIOD) {
            w.start = uint40(block.timestamp);
            w.base = uint128(held);
            w.slashed = 0;
        }
        uint256 budget = (uint256(w.base) * maxSlashBps) / 10_000;
        uint256 left = budget > w.slashed ? budget - w.slashed : 0;
        if (left > held) left = held;
        if (left == 0) revert RegistrySlashTooLarge(amount, 0);
        uint128 taken = amount <= left ? amount : uint128(left);
        w.slashed += taken;
        uint128 fromStake = taken <= p.stake ? taken : p.stake;
        p.stake -= fromStake;
        p.unbonding -= taken - fromStake;
        emit ProviderSlashed(provider, taken, beneficiary, p.stake, p.unbonding);
        stakingToken.safeTransfer(beneficiary, taken);
    }

    /// @notice What governance may still slash from `provider` in its current slashing period.
    function slashableNow(address provider) external view returns (uint256) {
        Provider storage p = _providers[provider];
        uint256 held = uint256(p.stake) + p.unbonding;
        SlashWindow storage w = _slashWindows[provider];
        uint256 base = w.base;
        uint256 slashed = w.slashed;
        if (w.start == 0 || block.timestamp >= uint256(w.start) + SLASH_PERIOD) {
            base = held;
            slashed = 0;
        }
        uint256 budget = (base * maxSlashBps) / 10_000;
        uint256 left = budget > slashed ? budget - slashed : 0;
        return left > held ? held : left;
    }

    // ───────────────────────────── reads ──────────────────────────────

    /// @inheritdoc IProviderRegistry
    function isAvailable(address provider) public view returns (bool) {
        return _isAvailable(_providers[provider]);
    }

    /// @inheritdoc IProviderRegistry
    function getProvider(address provider) external view returns (ProviderInfo memory info) {
        Provider storage p = _providers[provider];
        info = ProviderInfo({
            registered: p.registered,
            paused: p.paused,
            stake: p.stake,
            unbonding: p.unbonding,
            unbondingEnd: p.unbondingEnd,
            lastHeartbeat: p.lastHeartbeat,
            activeSessions: p.activeSessions,
            maxSessions: p.maxSessions,
            pricePerGiB: p.pricePerGiB,
            pricePerMinute: p.pricePerMinute,
            region: p.region,
            wgPublicKey: p.wgPublicKey,
            endpoint: p.endpoint
        });
    }

    /// @inheritdoc IProviderRegistry
    function exitPolicyOf(address provider) external view returns (string memory) {
        return _exitPolicies[provider];
    }

    /// @inheritdoc IProviderRegistry
    function transportOf(
        address provider
    ) external view returns (uint8 kind, uint16 port, bytes32 certSha256, bytes16 clientId) {
        TransportOffer storage t = _transports[provider];
        return (t.kind, t.port, t.certSha256, t.clientId);
    }

    // ────────────────────────── escrow hooks ──────────────────────────

    /// @inheritdoc IProviderRegistry
    function quoteSession(address provider) external view returns (uint96 pricePerGiB, uint96 pricePerMinute) {
        Provider storage p = _providers[provider];
        if (!_isAvailable(p)) revert RegistryProviderUnavailable(provider);
        return (p.pricePerGiB, p.pricePerMinute);
    }

    /// @inheritdoc IProviderRegistry
    function reserveSession(address provider) external onlyEscrow {
        Provider storage p = _providers[provider];
        if (!p.registered) revert RegistryNotRegistered(provider);
        uint32 active = p.activeSessions;
        if (active >= p.maxSessions) revert RegistryAtCapacity(provider, active, p.maxSessions);
        ++active;
        p.activeSessions = active;
        emit ActiveSessionsChanged(provider, active);
    }

    /// @inheritdoc IProviderRegistry
    function releaseSession(address provider) external onlyEscrow {
        Provider storage p = _providers[provider];
        uint32 active = p.activeSessions - 1;
        p.activeSessions = active;
        emit ActiveSessionsChanged(provider, active);
    }

    // ─────────────────────────── governance ───────────────────────────

    /// @notice Sets {minStake}. Requirements: caller is governance; 1 ≤ value ≤ 10,000,000 tokens.
    function setMinStake(uint256 value) external onlyGovernance {
        _setMinStake(value);
    }

    /// @notice Sets {unbondingPeriod}. Requirements: caller is governance; 1 day ≤ value ≤ 90 days.
    function setUnbondingPeriod(uint256 value) external onlyGovernance {
        _setUnbondingPeriod(value);
    }

    /// @notice Sets {heartbeatTimeout}. Requirements: caller is governance; 1 minute ≤ value ≤ 1 day.
    function setHeartbeatTimeout(uint256 value) external onlyGovernance {
        _setHeartbeatTimeout(value);
    }

    /// @notice Sets {maxSlashBps}. Requirements: caller is governance; 1 ≤ value ≤ 5000.
    function setMaxSlashBps(uint256 value) external onlyGovernance {
        _setMaxSlashBps(value);
    }

    // ──────────────────────────── internals ───────────────────────────

    function _checkPrices(uint96 pricePerGiB, uint96 pricePerMinute) private pure {
        if (pricePerGiB > MAX_PRICE) revert RegistryPriceTooHigh(pricePerGiB, MAX_PRICE);
        if (pricePerMinute > MAX_PRICE) revert RegistryPriceTooHigh(pricePerMinute, MAX_PRICE);
    }

    function _register(
        string calldata endpoint,
        bytes32 wgPublicKey,
        bytes2 region,
        uint96 pricePerGiB,
        uint96 pricePerMinute,
        uint32 maxSessions,
        uint128 stake
    ) private {
        Provider storage p = _providers[msg.sender];
        if (p.registered) revert RegistryAlreadyRegistered(msg.sender);
        _checkProfile(endpoint, wgPublicKey, region, maxSessions);
        _checkPrices(pricePerGiB, pricePerMinute);
        if (stake < minStake) revert RegistryStakeBelowMinimum(stake, minStake);
        p.stake = stake;
        p.lastHeartbeat = uint40(block.timestamp);
        p.maxSessions = maxSessions;
        p.registered = true;
        p.pricePerGiB = pricePerGiB;
        p.pricePerMinute = pricePerMinute;
        p.region = region;
        p.wgPublicKey = wgPublicKey;
        p.endpoint = endpoint;
        emit ProviderRegistered(
            msg.sender,
            endpoint,
            wgPublicKey,
            region,
            pricePerGiB,
            pricePerMinute,
            maxSessions,
            stake
        );
        stakingToken.safeTransferFrom(msg.sender, address(this), stake);
    }

    function _permit(uint256 value, uint256 deadline, uint8 v, bytes32 r, bytes32 s) private {
        try IERC20Permit(address(stakingToken)).permit(msg.sender, address(this), value, deadline, v, r, s) {} catch {}
    }

    function _checkProfile(
        string calldata endpoint,
        bytes32 wgPublicKey,
        bytes2 region,
        uint32 maxSessions
    ) private pure {
        if (!_isHostPort(bytes(endpoint))) revert RegistryInvalidEndpoint(endpoint);
        if (wgPublicKey == bytes32(0)) revert RegistryInvalidWgKey();
        if (!_isUpper(region[0]) || !_isUpper(region[1])) revert RegistryInvalidRegion(region);
        if (maxSessions == 0) revert RegistryInvalidCapacity(maxSessions);
    }

    /// @dev "host:port": 3–255 printable ASCII bytes without spaces, a non-empty host and, after
    /// the last ':', a decimal port from 1 to 65535 ("[2001:db8::1]:51820" is fine). Clients
    /// write the endpoint into WireGuard configurations, so nothing else may pass. The bytes are
    /// checked a 32-byte word at a time; the port is read backwards from the end.
    function _isHostPort(bytes calldata e) private pure returns (bool) {
        uint256 len = e.length;
        if (len < 3 || len > MAX_ENDPOINT_LENGTH) return false;
        unchecked {
            for (uint256 i = 0; i < len; i += 32) {
                // Bytes past the end read as zero; `high` keeps only the top bit of real bytes.
                uint256 word = uint256(bytes32(e[i:]));
                uint256 n = len - i;
                uint256 high = n >= 32 ? HIGH_BITS : HIGH_BITS & ~(type(uint256).max >> (8 * n));
                if (word & high != 0) return false; // a byte ≥ 0x80
                // With every byte below 0x80 these sums carry into no neighbouring byte.
                if ((word + PLUS_0X5F) & high != high) return false; // a byte < 0x21
                if ((word + PLUS_0X01) & high != 0) return false; // 0x7F
            }
            uint256 port = 0;
            uint256 scale = 1;
            for (uint256 k = len - 1; k > 0 && len - k <= 6; --k) {
                uint256 c = uint8(e[k]);
                if (c == 0x3A) return k != len - 1 && port != 0 && port <= 65_535;
                if (c < 0x30 || c > 0x39) return false;
                port += (c - 0x30) * scale;
                scale *= 10;
            }
            return false;
        }
    }

    function _isUpper(bytes1 c) private pure returns (bool) {
        return c >= 0x41 && c <= 0x5A;
    }

    function _isAvailable(Provider storage p) private view returns (bool) {
        return
            p.registered &&
            !p.paused &&
            p.stake >= minStake &&
            block.timestamp <= uint256(p.lastHeartbeat) + heartbeatTimeout &&
            p.activeSessions < p.maxSessions;
    }

    function _setMinStake(uint256 value) private {
        _checkBounds(MIN_STAKE, value, MIN_STAKE_LOWER, MIN_STAKE_UPPER);
        uint256 old = minStake;
        minStake = uint128(value);
        emit ParameterUpdated(MIN_STAKE, old, value);
    }

    function _setUnbondingPeriod(uint256 value) private {
        _checkBounds(UNBONDING_PERIOD, value, UNBONDING_PERIOD_LOWER, UNBONDING_PERIOD_UPPER);
        uint256 old = unbondingPeriod;
        unbondingPeriod = uint40(value);
        emit ParameterUpdated(UNBONDING_PERIOD, old, value);
    }

    function _setHeartbeatTimeout(uint256 value) private {
        _checkBounds(HEARTBEAT_TIMEOUT, value, HEARTBEAT_TIMEOUT_LOWER, HEARTBEAT_TIMEOUT_UPPER);
        uint256 old = heartbeatTimeout;
        heartbeatTimeout = uint40(value);
        emit ParameterUpdated(HEARTBEAT_TIMEOUT, old, value);
    }

    function _setMaxSlashBps(uint256 value) private {
        _checkBounds(MAX_SLASH_BPS, value, MAX_SLASH_BPS_LOWER, MAX_SLASH_BPS_UPPER);
        uint256 old = maxSlashBps;
        maxSlashBps = uint16(value);
        emit ParameterUpdated(MAX_SLASH_BPS, old, value);
    }

    function _checkBounds(bytes32 name, uint256 value, uint256 min, uint256 max) private pure {
        if (value < min || value > max) revert RegistryParameterOutOfBounds(name, value, min, max);
    }
}
