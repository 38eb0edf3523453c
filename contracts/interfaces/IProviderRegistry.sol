// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/**
 * @title IProviderRegistry
 * @notice Staking, pricing and availability of dvpn providers. Every state change emits an
 * event; the indexer and the gateway agent are built on them.
 */
interface IProviderRegistry {
    /// @notice A provider's public record, as returned by {getProvider}.
    struct ProviderInfo {
        bool registered;
        bool paused;
        uint128 stake;
        uint128 unbonding;
        uint40 unbondingEnd;
        uint40 lastHeartbeat;
        uint32 activeSessions;
        uint32 maxSessions;
        uint96 pricePerGiB;
        uint96 pricePerMinute;
        bytes2 region;
        bytes32 wgPublicKey;
        string endpoint;
    }

    // ───────────────────────────── events ─────────────────────────────

    /// @notice A provider registered with its first stake.
    event ProviderRegistered(
        address indexed provider,
        string endpoint,
        bytes32 wgPublicKey,
        bytes2 region,
        uint96 pricePerGiB,
        uint96 pricePerMinute,
        uint32 maxSessions,
        uint128 stake
    );
    /// @notice A provider changed its endpoint, WireGuard key, region or capacity.
    event ProviderUpdated(
        address indexed provider,
        string endpoint,
        bytes32 wgPublicKey,
        bytes2 region,
        uint32 maxSessions
    );
    /// @notice A provider changed its prices (open sessions keep the prices they opened with).
    event PricesUpdated(address indexed provider, uint96 pricePerGiB, uint96 pricePerMinute);
    /// @notice A provider published where its clients may go through it (see {ExitPolicy}); the
    /// empty string means "no restriction".
    event ExitPolicyUpdated(address indexed provider, string policy);
    /// @notice A provider published (or, with `kind` 0, withdrew) an obfuscated transport that
    /// carries its WireGuard: the kind (1: V2Ray VLESS over WebSocket and TLS), the TCP port on
    /// the endpoint's host, the SHA-256 of the server's TLS certificate (DER) for clients to pin,
    /// and the transport's client id (VLESS user id; not a secret, see the README).
    event TransportUpdated(address indexed provider, uint8 kind, uint16 port, bytes32 certSha256, bytes16 clientId);
    /// @notice A provider stopped taking new sessions.
    event ProviderPaused(address indexed provider);
    /// @notice A provider takes new sessions again.
    event ProviderUnpaused(address indexed provider);
    /// @notice A provider's agent reported it is alive.
    event Heartbeat(address indexed provider, uint40 timestamp);
    /// @notice Stake was added to a provider.
    event StakeAdded(address indexed provider, uint128 amount, uint128 stake);
    /// @notice Stake moved into unbonding; it can be withdrawn at `releaseTime`.
    event UnstakeRequested(address indexed provider, uint128 amount, uint128 unbonding, uint40 releaseTime);
    /// @notice Unbonded stake was paid out.
    event StakeWithdrawn(address indexed provider, uint128 amount);
    /// @notice A provider unstaked everything and left the registry.
    event ProviderDeregistered(address indexed provider);
    /// @notice Governance slashed a provider (active stake first, then unbonding stake).
    event ProviderSlashed(
        address indexed provider,
        uint128 amount,
        address indexed beneficiary,
        uint128 stake,
        uint128 unbonding
    );
    /// @notice The escrow's session accounting changed a provider's open session count.
    event ActiveSessionsChanged(address indexed provider, uint32 activeSessions);
    /// @notice Governance changed a parameter.
    event ParameterUpdated(bytes32 indexed name, uint256 oldValue, uint256 newValue);
    /// @notice The session escrow was bound to this registry (once, at deployment).
    event EscrowBound(address escrow);

    // ───────────────────────────── errors ─────────────────────────────

    error RegistryUnauthorized(address caller);
    error RegistryAlreadyRegistered(address provider);
    error RegistryNotRegistered(address provider);
    error RegistryInvalidEndpoint(string endpoint);
    error RegistryInvalidWgKey();
    error RegistryInvalidRegion(bytes2 region);
    error RegistryInvalidCapacity(uint32 maxSessions);
    error RegistryPriceTooHigh(uint256 price, uint256 maxPrice);
    error RegistryInvalidAmount(uint256 amount);
    error RegistryStakeBelowMinimum(uint256 stake, uint256 minStake);
    error RegistryInsufficientStake(uint256 requested, uint256 stake);
    error RegistryOpenSessions(address provider, uint32 activeSessions);
    error RegistryUnbondingNotOver(uint40 releaseTime, uint40 now_);
    error RegistryNothingToWithdraw(address provider);
    error RegistrySlashTooLarge(uint256 amount, uint256 maxAmount);
    error RegistryInvalidBeneficiary();
    error RegistryProviderUnavailable(address provider);
    error RegistryAlreadyPaused(address provider);
    error RegistryNotPaused(address provider);
    error RegistryParameterOutOfBounds(bytes32 name, uint256 value, uint256 min, uint256 max);
    error RegistryEscrowAlreadyBound();
    error RegistryInvalidEscrow();
    error RegistryAtCapacity(address provider, uint32 activeSessions, uint32 maxSessions);
    error RegistryExitPolicyTooLong(uint256 length, uint256 maxLength);
    /// @notice `policy` breaks the exit-policy grammar at byte `offset`.
    error RegistryInvalidExitPolicy(string policy, uint256 offset);
    /// @notice A transport offer is malformed: an unknown kind, port 0, or a zero certificate
    /// hash or client id (all four are zero to withdraw the offer).
    error RegistryInvalidTransport(uint8 kind, uint16 port, bytes32 certSha256, bytes16 clientId);

    // ───────────────────────────── reads ──────────────────────────────

    /// @notice Whether `provider` can be opened right now: registered, not paused, stake at
    /// least `minStake`, heartbeat within `heartbeatTimeout` and below its session capacity.
    function isAvailable(address provider) external view returns (bool);

    /// @notice The public record of `provider`.
    function getProvider(address provider) external view returns (ProviderInfo memory);

    /// @notice The exit policy `provider` published (empty: none, or no restriction).
    function exitPolicyOf(address provider) external view returns (string memory);

    /// @notice The obfuscated transport `provider` offers (kind 0: none), see {TransportUpdated}.
    function transportOf(
        address provider
    ) external view returns (uint8 kind, uint16 port, bytes32 certSha256, bytes16 clientId);

    // ───────────────────────── escrow hooks ───────────────────────────

    /// @notice The prices a session opened with `provider` now gets.
    /// Requirements: `provider` is available.
    function quoteSession(address provider) external view returns (uint96 pricePerGiB, uint96 pricePerMinute);

    /// @notice Takes a session slot on `provider` (when it accepts a session).
    /// Requirements: caller is the bound escrow; `provider` registered and below its capacity.
    function reserveSession(address provider) external;

    /// @notice Frees a session slot reserved with {reserveSession}. Caller is the bound escrow.
    function releaseSession(address provider) external;
}
