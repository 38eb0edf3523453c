// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {TimelockController} from "@openzeppelin/contracts/governance/TimelockController.sol";

/**
 * @title DVPNTimelock
 * @notice The protocol's timelock: the only holder of parameter and slashing powers. Its
 * minimum delay is bounded (1 minute to 30 days): a vote can neither freeze governance nor
 * remove the window in which users see a passed proposal coming. Its roles are set at deployment
 * and a proposal cannot change them (revoking the governor's proposer role would freeze
 * governance; granting one would bypass the vote).
 */
contract DVPNTimelock is TimelockController {
    uint256 public constant MIN_MIN_DELAY = 1 minutes;
    uint256 public constant MAX_MIN_DELAY = 30 days;

    uint256 private _boundedMinDelay;

    /// @notice The minimum delay was set outside [{MIN_MIN_DELAY}, {MAX_MIN_DELAY}].
    error TimelockDelayOutOfBounds(uint256 value, uint256 min, uint256 max);
    /// @notice A proposal tried to change the timelock's roles.
    error TimelockRolesFixed();

    constructor(
        uint256 minDelay,
        address[] memory proposers,
        address[] memory executors,
        address admin
    ) TimelockController(minDelay, proposers, executors, admin) {
        _checkDelay(minDelay);
        _boundedMinDelay = minDelay;
    }

    /// @inheritdoc TimelockController
    function getMinDelay() public view override returns (uint256) {
        return _boundedMinDelay;
    }

    /**
     * @notice Changes the minimum delay of future operations.
     * Requirements: called by the timelock itself (through a proposal); 1 minute ≤ `newDelay` ≤ 30 days.
     */
    function updateDelay(uint256 newDelay) external override {
        if (msg.sender != address(this)) revert TimelockUnauthorizedCaller(msg.sender);
        _checkDelay(newDelay);
        uint256 oldDelay = _boundedMinDelay;
        _boundedMinDelay = newDelay;
        emit MinDelayChange(oldDelay, newDelay);
    }

    /**
     * @notice Grants a role; only the deployer's admin can, during deployment (a proposal cannot).
     * Requirements: caller has the role's admin role and is not the timelock itself.
     */
    function grantRole(bytes32 role, address account) public override {
        if (msg.sender == address(this)) revert TimelockRolesFixed();
        super.grantRole(role, account);
    }

    /**
     * @notice Revokes a role; a proposal cannot (see {grantRole}).
     * Requirements: caller has the role's admin role and is not the timelock itself.
     */
    function revokeRole(bytes32 role, address account) public override {
        if (msg.sender == address(this)) revert TimelockRolesFixed();
        super.revokeRole(role, account);
    }

    /**
     * @notice Renounces one of the caller's roles; the timelock cannot renounce its own.
     * Requirements: `callerConfirmation` is the caller; the caller is not the timelock itself.
     */
    function renounceRole(bytes32 role, address callerConfirmation) public override {
        if (msg.sender == address(this)) revert TimelockRolesFixed();
        super.renounceRole(role, callerConfirmation);
    }

    function _checkDelay(uint256 delay) private pure {
        if (delay < MIN_MIN_DELAY || delay > MAX_MIN_DELAY) {
            revert TimelockDelayOutOfBounds(delay, MIN_MIN_DELAY, MAX_MIN_DELAY);
        }
    }
}
