// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/**
 * @title ExitPolicy
 * @notice Checks the published form of a provider's exit policy: `;`-separated `key=list` pairs
 * with the keys `deny-ports`, `allow-ports`, `deny-ranges`, `allow-ranges`, each at most once and
 * in that order, e.g. `deny-ports=25,6881-6889;deny-ranges=10.0.0.0/8,fc00::/7`. A port list holds
 * ports (1-65535) or ranges `from-to` with from ≤ to; a range list holds `address/prefix` items
 * of the characters `0-9 a-f . :` with a prefix of 0-128. The empty string means "no
 * restriction". Whether an address is a well-formed IPv4/IPv6 address is left to readers (the
 * SDK's `parseExitPolicy`): the chain guarantees the shape, the length and the ports.
 */
library ExitPolicy {
    /// @notice Longest policy accepted, in bytes.
    uint256 internal constant MAX_LENGTH = 512;

    bytes32 private constant DENY_PORTS = keccak256("deny-ports");
    bytes32 private constant ALLOW_PORTS = keccak256("allow-ports");
    bytes32 private constant DENY_RANGES = keccak256("deny-ranges");
    bytes32 private constant ALLOW_RANGES = keccak256("allow-ranges");

    /**
     * @notice Where `p` first breaks the grammar, or `type(uint256).max` when it is well formed.
     * @dev Walks the bytes once; `p.length` ≤ {MAX_LENGTH} is the caller's check.
     */
    function firstError(bytes calldata p) internal pure returns (uint256) {
        uint256 n = p.length;
        if (n == 0) return type(uint256).max;
        uint256 i = 0;
        uint256 lastKey = 0;
        while (true) {
            uint256 start = i;
            while (i < n && p[i] != "=") ++i;
            if (i == n) return start;
            uint256 key = _key(keccak256(p[start:i]));
            if (key == 0 || key <= lastKey) return start;
            lastKey = key;
            ++i; // '='
            while (true) {
                i = key <= 2 ? _portItem(p, i) : _rangeItem(p, i);
                if (i >= n) return i == n ? type(uint256).max : i - n - 1;
                bytes1 c = p[i];
                ++i;
                if (c == ";") break;
                if (c != ",") return i - 1;
            }
        }
        return 0; // not reached
    }

    /// @dev 1..4 for the keys in their order, 0 for anything else.
    function _key(bytes32 h) private pure returns (uint256) {
        if (h == DENY_PORTS) return 1;
        if (h == ALLOW_PORTS) return 2;
        if (h == DENY_RANGES) return 3;
        if (h == ALLOW_RANGES) return 4;
        return 0;
    }

    /// @dev Reads `port` or `port-port` at `i`; returns the index after it, or `n + 1 + where`
    /// when it is malformed (`n` = p.length).
    function _portItem(bytes calldata p, uint256 i) private pure returns (uint256) {
        uint256 from;
        (from, i) = _number(p, i, 5);
        if (from == 0 || from > 65_535) return p.length + 1 + i;
        if (i < p.length && p[i] == "-") {
            uint256 to;
            (to, i) = _number(p, i + 1, 5);
            if (to < from || to > 65_535) return p.length + 1 + i;
        }
        return i;
    }

    /// @dev Reads `address/prefix` at `i` (same return convention as {_portItem}).
    function _rangeItem(bytes calldata p, uint256 i) private pure returns (uint256) {
        uint256 n = p.length;
        uint256 start = i;
        while (i < n && i - start < 40 && _isAddressChar(p[i])) ++i;
        if (i == start || i == n || p[i] != "/") return n + 1 + i;
        uint256 prefix;
        uint256 digitsAt = i + 1;
        (prefix, i) = _number(p, digitsAt, 3);
        if (i == digitsAt || prefix > 128) return n + 1 + i;
        return i;
    }

    /// @dev Up to `maxDigits` decimal digits at `i`; (0, i) when there are none.
    function _number(bytes calldata p, uint256 i, uint256 maxDigits) private pure returns (uint256 value, uint256) {
        uint256 end = i + maxDigits;
        while (i < p.length && i < end) {
            uint8 c = uint8(p[i]);
            if (c < 0x30 || c > 0x39) break;
            value = value * 10 + (c - 0x30);
            ++i;
        }
        return (value, i);
    }

    function _isAddressChar(bytes1 c) private pure returns (bool) {
        return (c >= "0" && c <= "9") || (c >= "a" && c <= "f") || c == "." || c == ":";
    }
}
