// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

interface IMessagePasser {
    function initiateWithdrawal(address _target, uint256 _gasLimit, bytes memory _data) external payable;
}

/// @title FeeVault
/// @notice Collects one kind of fee; anyone may sweep it to the recipient once it reaches the
///         minimum, either to L1 (through a withdrawal) or on L2. The configuration lives in
///         storage (slots 0-2) so that genesis can set it without running a constructor.
abstract contract FeeVault {
    /// @notice Where fees go.
    address public recipient;
    /// @notice The smallest balance worth sweeping.
    uint256 public minWithdrawalAmount;
    /// @notice 0: withdraw to L1, 1: send on L2.
    uint8 public withdrawalNetwork;
    /// @notice Wei swept so far.
    uint256 public totalProcessed;

    uint32 internal constant WITHDRAWAL_MIN_GAS = 400_000;
    address internal constant MESSAGE_PASSER = 0x4200000000000000000000000000000000000016;

    event Withdrawal(uint256 value, address to, address from, uint8 withdrawalNetwork);

    error BelowMinimum(uint256 balance, uint256 minimum);
    error TransferFailed();

    receive() external payable {}

    /// @notice Sweeps the whole balance to the recipient.
    function withdraw() external returns (uint256 value) {
        value = address(this).balance;
        if (value < minWithdrawalAmount) revert BelowMinimum(value, minWithdrawalAmount);
        totalProcessed += value;
        emit Withdrawal(value, recipient, msg.sender, withdrawalNetwork);
        if (withdrawalNetwork == 0) {
            IMessagePasser(MESSAGE_PASSER).initiateWithdrawal{ value: value }(recipient, WITHDRAWAL_MIN_GAS, bytes(""));
        } else {
            (bool ok,) = recipient.call{ value: value }("");
            if (!ok) revert TransferFailed();
        }
    }

    function version() external pure returns (string memory) {
        return "1.5.0";
    }
}

/// @notice Predeploy 0x4200000000000000000000000000000000000011: priority fees.
contract SequencerFeeVault is FeeVault {}

/// @notice Predeploy 0x4200000000000000000000000000000000000019: base fees.
contract BaseFeeVault is FeeVault {}

/// @notice Predeploy 0x420000000000000000000000000000000000001a: L1 data fees.
contract L1FeeVault is FeeVault {}

/// @notice Predeploy 0x420000000000000000000000000000000000001B: operator fees (Isthmus).
contract OperatorFeeVault is FeeVault {}
