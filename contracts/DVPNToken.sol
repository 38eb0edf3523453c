// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {ERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Permit.sol";
import {ERC20Votes} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Votes.sol";
import {Nonces} from "@openzeppelin/contracts/utils/Nonces.sol";

/**
 * @title DVPNToken
 * @notice The protocol token: providers stake it, holders vote with it. Votes are
 * checkpointed by timestamp (ERC-6372 `mode=timestamp`), so every governance period is in
 * seconds. The whole supply is minted once, at deployment.
 */
contract DVPNToken is ERC20, ERC20Permit, ERC20Votes {
    /// @param recipient receives the whole `supply`.
    constructor(address recipient, uint256 supply) ERC20("dvpn", "DVPN") ERC20Permit("dvpn") {
        _mint(recipient, supply);
    }

    /// @notice ERC-6372 clock: votes are checkpointed by block timestamp.
    function clock() public view override returns (uint48) {
        return uint48(block.timestamp);
    }

    /// @notice ERC-6372 clock mode: "mode=timestamp".
    // solhint-disable-next-line func-name-mixedcase
    function CLOCK_MODE() public pure override returns (string memory) {
        return "mode=timestamp";
    }

    function _update(address from, address to, uint256 value) internal override(ERC20, ERC20Votes) {
        super._update(from, to, value);
    }

    /// @inheritdoc Nonces
    function nonces(address owner) public view override(ERC20Permit, Nonces) returns (uint256) {
        return super.nonces(owner);
    }
}
