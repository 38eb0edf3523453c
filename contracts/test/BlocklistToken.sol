// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/**
 * @title BlocklistToken
 * @notice Attack-test ERC20 with a USDC-style blocklist: any transfer to or from a blocked
 * address reverts. Anyone may block anyone (a test stands in for the token's issuer).
 */
contract BlocklistToken is ERC20 {
    mapping(address account => bool) public blocked;

    /// @notice A transfer touched a blocked address.
    error BlocklistTokenBlocked(address account);

    constructor() ERC20("Blocklist USD", "BUSD") {}

    /// @notice Mints `amount` to `to`.
    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }

    /// @notice Blocks or unblocks `account`.
    function setBlocked(address account, bool value) external {
        blocked[account] = value;
    }

    /// @notice Six decimals, like a stablecoin.
    function decimals() public pure override returns (uint8) {
        return 6;
    }

    function _update(address from, address to, uint256 value) internal override {
        if (blocked[from]) revert BlocklistTokenBlocked(from);
        if (blocked[to]) revert BlocklistTokenBlocked(to);
        super._update(from, to, value);
    }
}
