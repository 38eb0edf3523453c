// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {TimelockController} from "@openzeppelin/contracts/governance/TimelockController.sol";

/**
 * @title DVPNTimelock
 * @notice The protocol's timelock: the only holder of parameter and slashing powers. Its
 * minimum delay is bounded (at most 30 days) so a vote cannot freeze governance.
 */
contract DVPNTimelock is TimelockController {
    uint256 public constant MAX_MIN_DELAY = 30 days;

    uint256 private _boundedMinDelay;

    /// @notice The minimum delay was set above {MAX_MIN_DELAY}.
    error TimelockDelayOutOfBounds(uint256 value, uint256 max);

    constructor(
        uint256 minDelay,
        address[] memory proposers,
        address[] memory executors,
        address admin
    ) TimelockController(minDelay, proposers, executors, admin) {
        if (minDelay > MAX_MIN_DELAY) revert TimelockDelayOutOfBounds(minDelay, MAX_MIN_DELAY);
        _boundedMinDelay = minDelay;
    }

    /// @inheritdoc TimelockController
    function getMinDelay() public view override returns (uint256) {
        return _boundedMinDelay;
    }

    /**
     * @notice Changes the minimum delay of future operations.
     * Requirements: called by the timelock itself (through a proposal); `newDelay` ≤ 30 days.
     */
    function updateDelay(uint256 newDelay) external override {
        if (msg.sender != address(this)) revert TimelockUnauthorizedCaller(msg.sender);
        if (newDelay > MAX_MIN_DELAY) revert TimelockDelayOutOfBounds(newDelay, MAX_MIN_DELAY);
        uint256 oldDelay = _boundedMinDelay;
        _boundedMinDelay = newDelay;
        emit MinDelayChange(oldDelay, newDelay);
    }
}
