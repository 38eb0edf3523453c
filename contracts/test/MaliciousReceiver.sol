// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IMaliciousTokenReceiver} from "./MaliciousHookToken.sol";

/**
 * @title MaliciousReceiver
 * @notice Attack-test contract for the chaos suite: acts as a client, provider or treasury
 * through {exec}, and when {MaliciousHookToken} pays it, re-enters `target` with `data` (once
 * per arming). The outcome is recorded, not bubbled, so the paying call completes and a test
 * can check that the re-entry was tried and refused.
 */
contract MaliciousReceiver is IMaliciousTokenReceiver {
    address public target;
    bytes public data;
    /// @notice Re-entries tried from the hook.
    uint256 public attempts;
    /// @notice Re-entries that succeeded (must stay 0 against a guarded contract).
    uint256 public successes;
    /// @notice Revert data of the last failed re-entry.
    bytes public lastRevert;
    /// @notice Tokens received through the hook.
    uint256 public received;

    error MaliciousReceiverCallFailed(bytes revertData);

    /// @notice Arms the hook: the next payment re-enters `target_` with `data_`.
    function arm(address target_, bytes calldata data_) external {
        target = target_;
        data = data_;
    }

    /// @notice Calls `to` with `payload` as this contract, bubbling a failure.
    function exec(address to, bytes calldata payload) external returns (bytes memory) {
        // solhint-disable-next-line avoid-low-level-calls
        (bool ok, bytes memory ret) = to.call(payload);
        if (!ok) revert MaliciousReceiverCallFailed(ret);
        return ret;
    }

    /// @inheritdoc IMaliciousTokenReceiver
    function onTokenReceived(address, uint256 value) external {
        received += value;
        address t = target;
        if (t == address(0)) return;
        target = address(0);
        ++attempts;
        // solhint-disable-next-line avoid-low-level-calls
        (bool ok, bytes memory ret) = t.call(data);
        if (ok) ++successes;
        else lastRevert = ret;
    }
}
