// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// @notice Receiver side of {MaliciousHookToken}'s transfer hook.
interface IMaliciousTokenReceiver {
    /// @notice Called by the token after `value` tokens moved from `from` to the receiver.
    function onTokenReceived(address from, uint256 value) external;
}

/**
 * @title MaliciousHookToken
 * @notice Attack-test ERC20 for the chaos suite. After every transfer to a contract it calls the
 * recipient's `onTokenReceived` (ignored where missing) (an ERC777/ERC1363-style hook), so a recipient can re-enter
 * the payer. Once armed, the token itself also calls `target` with `data` from inside the
 * next transfer and records the outcome instead of bubbling it, so a test can see that the
 * re-entry was tried and how it failed while the outer call goes on.
 */
contract MaliciousHookToken is ERC20 {
    address public target;
    bytes public data;
    /// @notice Re-entries tried by the token itself.
    uint256 public attempts;
    /// @notice Re-entries that succeeded (must stay 0 against a guarded contract).
    uint256 public successes;
    /// @notice Revert data of the last failed re-entry.
    bytes public lastRevert;

    constructor() ERC20("Malicious Hook", "MAL") {}

    /// @notice Mints `amount` to `to`.
    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }

    /// @notice Arms the token's own re-entry for the next transfer.
    function arm(address target_, bytes calldata data_) external {
        target = target_;
        data = data_;
    }

    /// @notice The ERC20's decimals, like a stablecoin.
    function decimals() public pure override returns (uint8) {
        return 6;
    }

    function _update(address from, address to, uint256 value) internal override {
        super._update(from, to, value);
        address t = target;
        if (t != address(0)) {
            target = address(0);
            ++attempts;
            // solhint-disable-next-line avoid-low-level-calls
            (bool ok, bytes memory ret) = t.call(data);
            if (ok) ++successes;
            else lastRevert = ret;
        }
        if (to.code.length > 0 && from != address(0)) {
            // Contracts without the hook (the escrow itself) just receive.
            try IMaliciousTokenReceiver(to).onTokenReceived(from, value) {} catch {}
        }
    }
}
