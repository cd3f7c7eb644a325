// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/// @title L2ToL1MessagePasser
/// @notice Predeploy at 0x4200000000000000000000000000000000000016. A withdrawal starts here:
///         its hash is recorded in `sentMessages` (storage slot 0, which L1 proves against the
///         output root) and announced with `MessagePassed`. ETH sent along stays here until
///         `burn()`.
contract L2ToL1MessagePasser {
    /// @notice Version stamped into the top two bytes of every nonce.
    uint16 public constant MESSAGE_VERSION = 1;
    /// @notice Gas limit of withdrawals made by plain ETH transfers to this contract.
    uint256 internal constant RECEIVE_DEFAULT_GAS_LIMIT = 100_000;

    /// @notice Hashes of all withdrawals initiated. Slot 0: proofs depend on it.
    mapping(bytes32 => bool) public sentMessages;
    uint240 internal msgNonce;

    event MessagePassed(
        uint256 indexed nonce,
        address indexed sender,
        address indexed target,
        uint256 value,
        uint256 gasLimit,
        bytes data,
        bytes32 withdrawalHash
    );
    event WithdrawerBalanceBurnt(uint256 indexed amount);

    receive() external payable {
        initiateWithdrawal(msg.sender, RECEIVE_DEFAULT_GAS_LIMIT, bytes(""));
    }

    function version() external pure returns (string memory) {
        return "1.1.0";
    }

    /// @notice The next withdrawal's versioned nonce: `MESSAGE_VERSION << 240 | counter`.
    function messageNonce() public view returns (uint256) {
        return (uint256(MESSAGE_VERSION) << 240) | uint256(msgNonce);
    }

    /// @notice Starts a withdrawal of `msg.value` to `_target` on L1, to be called there with
    ///         `_data` and `_gasLimit`.
    function initiateWithdrawal(address _target, uint256 _gasLimit, bytes memory _data) public payable {
        uint256 nonce = messageNonce();
        bytes32 withdrawalHash = keccak256(abi.encode(nonce, msg.sender, _target, msg.value, _gasLimit, _data));
        sentMessages[withdrawalHash] = true;
        emit MessagePassed(nonce, msg.sender, _target, msg.value, _gasLimit, _data, withdrawalHash);
        unchecked {
            ++msgNonce;
        }
    }

    /// @notice Destroys the ETH held here (it was released on L1 by the withdrawals).
    function burn() external {
        uint256 amount = address(this).balance;
        new Incinerator{ value: amount }();
        emit WithdrawerBalanceBurnt(amount);
    }
}

/// @notice Destroys the ETH it is created with: a contract that self-destructs in its own
///         creation transaction, to itself, is removed with its balance (EIP-6780).
contract Incinerator {
    constructor() payable {
        selfdestruct(payable(address(this)));
    }
}
