// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {ERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Permit.sol";
import {ERC20Votes} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Votes.sol";
import {Nonces} from "@openzeppelin/contracts/utils/Nonces.sol";
import {Checkpoints} from "@openzeppelin/contracts/utils/structs/Checkpoints.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";

/**
 * @title DVPNToken
 * @notice The protocol token: providers stake it, holders vote with it. Votes are
 * checkpointed by timestamp (ERC-6372 `mode=timestamp`), so every governance period is in
 * seconds. The whole supply is minted once, at deployment, to the recipients of the initial
 * distribution (a deployment parameter: see docs/contracts.md); nobody can mint afterwards.
 *
 * It also checkpoints the delegated supply (the votes that exist: tokens whose holder has
 * delegated them), which the governor's quorum is a fraction of. Tokens that can never vote
 * (staked in the registry, held by a contract) are not part of it, so no quorum setting can
 * require more votes than exist.
 */
contract DVPNToken is ERC20, ERC20Permit, ERC20Votes {
    using Checkpoints for Checkpoints.Trace208;

    Checkpoints.Trace208 private _delegatedSupply;

    /// @notice The distribution lists differ in length or are empty.
    error TokenInvalidDistribution(uint256 recipients, uint256 amounts);
    /// @notice An allocation of the distribution is to the zero address or of zero tokens.
    error TokenInvalidAllocation(uint256 index, address recipient, uint256 amount);

    /// @param recipients receive the initial distribution, `amounts[i]` to `recipients[i]`; the
    /// supply is their sum.
    constructor(address[] memory recipients, uint256[] memory amounts) ERC20("dvpn", "DVPN") ERC20Permit("dvpn") {
        if (recipients.length == 0 || recipients.length != amounts.length) {
            revert TokenInvalidDistribution(recipients.length, amounts.length);
        }
        for (uint256 i = 0; i < recipients.length; ++i) {
            if (recipients[i] == address(0) || amounts[i] == 0) {
                revert TokenInvalidAllocation(i, recipients[i], amounts[i]);
            }
            _mint(recipients[i], amounts[i]);
        }
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

    /// @notice The votes that exist now: the sum of every delegate's voting power.
    function delegatedSupply() external view returns (uint256) {
        return _delegatedSupply.latest();
    }

    /// @notice The votes that existed at `timepoint` (a past timestamp).
    function getPastDelegatedSupply(uint256 timepoint) external view returns (uint256) {
        uint48 currentTimepoint = clock();
        if (timepoint >= currentTimepoint) revert ERC5805FutureLookup(timepoint, currentTimepoint);
        return _delegatedSupply.upperLookupRecent(SafeCast.toUint48(timepoint));
    }

    /// @dev Votes moving between "no delegate" and a delegate change the delegated supply.
    function _moveDelegateVotes(address from, address to, uint256 amount) internal override {
        super._moveDelegateVotes(from, to, amount);
        if (amount == 0 || (from == address(0)) == (to == address(0))) return;
        uint208 current = _delegatedSupply.latest();
        uint208 delta = SafeCast.toUint208(amount);
        _delegatedSupply.push(clock(), from == address(0) ? current + delta : current - delta);
    }

    function _update(address from, address to, uint256 value) internal override(ERC20, ERC20Votes) {
        super._update(from, to, value);
    }

    /// @inheritdoc Nonces
    function nonces(address owner) public view override(ERC20Permit, Nonces) returns (uint256) {
        return super.nonces(owner);
    }
}
