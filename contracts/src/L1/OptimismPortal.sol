// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import { Types, Hashing } from "../libraries/Types.sol";
import { SecureMerkleTrie } from "../libraries/MerkleTrie.sol";
import { L2OutputOracle } from "./L2OutputOracle.sol";
import { ResourceMetering, ResourceConfig, IResourceConfigSource } from "../libraries/ResourceMetering.sol";

/// @title OptimismPortal
/// @notice The rollup's door on L1. Deposits go in through `depositTransaction` (and plain ETH
///         transfers); the portal holds the ETH and announces each deposit with
///         `TransactionDeposited`, which derivation turns into a deposit tx on L2. Withdrawals
///         come out in two steps: `proveWithdrawalTransaction` shows, against an output root of
///         the L2OutputOracle, that the L2ToL1MessagePasser recorded the withdrawal; after the
///         finalization period `finalizeWithdrawalTransaction` executes it, once.
///         Deposits buy their L2 gas on the market of `ResourceMetering`, priced by the
///         parameters the SystemConfig's owner governs.
///         ABI-compatible with OP's legacy portal (`version()` 2.x: the L2OutputOracle path of
///         viem's op-stack actions).
contract OptimismPortal is ResourceMetering {
    /// @notice `l2Sender` outside a withdrawal's execution.
    address internal constant DEFAULT_L2_SENDER = 0x000000000000000000000000000000000000dEaD;
    /// @notice Version of the `TransactionDeposited` opaque data.
    uint256 internal constant DEPOSIT_VERSION = 0;
    /// @notice Gas limit of a deposit made by sending ETH to the portal.
    uint64 internal constant RECEIVE_DEFAULT_GAS_LIMIT = 100_000;
    /// @notice The largest deposit calldata; keeps a deposit within one L2 block's limits.
    uint256 internal constant MAX_DEPOSIT_DATA = 120_000;
    /// @notice Gas kept back when finalizing, for the bookkeeping after the withdrawal's call.
    uint256 internal constant FINALIZE_GAS_RESERVE = 40_000;
    /// @notice `address(this) + 0x1111…1111` is how L2 sees an L1 contract (address aliasing).
    uint160 internal constant ALIAS_OFFSET = uint160(0x1111000000000000000000000000000000001111);

    /// @notice The oracle whose outputs withdrawals are proven against.
    L2OutputOracle public immutable L2_ORACLE;
    /// @notice Where the deposit market's parameters live (the SystemConfig, which creates this
    ///         portal: see its constructor).
    IResourceConfigSource public immutable SYSTEM_CONFIG;

    /// @notice A withdrawal's proof: the output root it was proven against, when, and the index
    ///         of that output in the oracle.
    struct ProvenWithdrawal {
        bytes32 outputRoot;
        uint128 timestamp;
        uint128 l2OutputIndex;
    }

    /// @notice The L2 sender of the withdrawal being executed (`0x…dEaD` otherwise); the
    ///         L1 side of a bridge reads it to authenticate the message.
    address public l2Sender;
    mapping(bytes32 => bool) public finalizedWithdrawals;
    mapping(bytes32 => ProvenWithdrawal) public provenWithdrawals;

    event TransactionDeposited(address indexed from, address indexed to, uint256 indexed version, bytes opaqueData);
    event WithdrawalProven(bytes32 indexed withdrawalHash, address indexed from, address indexed to);
    event WithdrawalFinalized(bytes32 indexed withdrawalHash, bool success);

    constructor(L2OutputOracle _l2Oracle, IResourceConfigSource _systemConfig) {
        L2_ORACLE = _l2Oracle;
        SYSTEM_CONFIG = _systemConfig;
        l2Sender = DEFAULT_L2_SENDER;
    }

    function version() external pure returns (string memory) {
        return "2.8.0";
    }

    function l2Oracle() external view returns (L2OutputOracle) {
        return L2_ORACLE;
    }

    function systemConfig() external view returns (IResourceConfigSource) {
        return SYSTEM_CONFIG;
    }

    /// @notice Plain ETH sent to the portal is deposited to the sender's own L2 account.
    receive() external payable {
        depositTransaction(msg.sender, msg.value, RECEIVE_DEFAULT_GAS_LIMIT, false, bytes(""));
    }

    /// @notice Adds ETH to the portal without a deposit (e.g. to fund withdrawals in tests).
    function donateETH() external payable {}

    /// @notice The smallest gas limit a deposit with `_byteCount` bytes of data may ask for: it
    ///         must at least pay for its intrinsic gas on L2.
    function minimumGasLimit(uint64 _byteCount) public pure returns (uint64) {
        return _byteCount * 16 + 21_000;
    }

    /// @notice Deposits a transaction to L2: `msg.value` is minted to the sender on L2, then the
    ///         tx moves `_value` to `_to` (or creates a contract from `_data`) with `_gasLimit`.
    ///         A contract's address is aliased, since it has no key on L2. The L2 gas is
    ///         bought on the deposit market: the caller burns L1 gas worth its price.
    function depositTransaction(address _to, uint256 _value, uint64 _gasLimit, bool _isCreation, bytes memory _data)
        public
        payable
        metered(_gasLimit)
    {
        if (_isCreation) {
            require(_to == address(0), "OptimismPortal: must send to address(0) when creating a contract");
        }
        require(_gasLimit >= minimumGasLimit(uint64(_data.length)), "OptimismPortal: gas limit too small");
        require(_data.length <= MAX_DEPOSIT_DATA, "OptimismPortal: data too large");

        address from = msg.sender;
        if (msg.sender != tx.origin) {
            unchecked {
                from = address(uint160(msg.sender) + ALIAS_OFFSET);
            }
        }
        bytes memory opaqueData = abi.encodePacked(msg.value, _value, _gasLimit, _isCreation, _data);
        emit TransactionDeposited(from, _to, DEPOSIT_VERSION, opaqueData);
    }

    /// @notice Proves that withdrawal `_tx` was initiated on L2: `_outputRootProof` must hash to
    ///         output `_l2OutputIndex` of the oracle, and `_withdrawalProof` must show its
    ///         `sentMessages` slot set in the message passer's storage trie. A proof may be
    ///         replaced only when the output it was made against has since changed.
    function proveWithdrawalTransaction(
        Types.WithdrawalTransaction memory _tx,
        uint256 _l2OutputIndex,
        Types.OutputRootProof calldata _outputRootProof,
        bytes[] calldata _withdrawalProof
    ) external {
        require(_tx.target != address(this), "OptimismPortal: you cannot send messages to the portal contract");
        require(_outputRootProof.version == bytes32(0), "OptimismPortal: unknown output root version");
        bytes32 outputRoot = L2_ORACLE.getL2Output(_l2OutputIndex).outputRoot;
        require(Hashing.outputRoot(_outputRootProof) == outputRoot, "OptimismPortal: invalid output root proof");

        bytes32 withdrawalHash = Hashing.withdrawalHash(_tx);
        ProvenWithdrawal memory previous = provenWithdrawals[withdrawalHash];
        require(
            previous.timestamp == 0
                || L2_ORACLE.getL2Output(previous.l2OutputIndex).outputRoot != previous.outputRoot,
            "OptimismPortal: withdrawal hash has already been proven"
        );

        // The message passer keeps `sentMessages` at slot 0: the withdrawal's storage key is
        // keccak(hash ++ 0), holding `true` (RLP 0x01).
        bytes32 storageKey = keccak256(abi.encode(withdrawalHash, uint256(0)));
        require(
            SecureMerkleTrie.verifyInclusion(
                abi.encode(storageKey), hex"01", _withdrawalProof, _outputRootProof.messagePasserStorageRoot
            ),
            "OptimismPortal: invalid withdrawal inclusion proof"
        );

        provenWithdrawals[withdrawalHash] = ProvenWithdrawal({
            outputRoot: outputRoot,
            timestamp: uint128(block.timestamp),
            l2OutputIndex: uint128(_l2OutputIndex)
        });
        emit WithdrawalProven(withdrawalHash, _tx.sender, _tx.target);
    }

    /// @notice Executes a proven withdrawal once both its proof and its output are older than
    ///         the finalization period: calls `_tx.target` with `_tx.value` and `_tx.data`, with
    ///         at least `_tx.gasLimit` gas. A call that fails is not retried; it stays finalized.
    function finalizeWithdrawalTransaction(Types.WithdrawalTransaction memory _tx) external {
        require(
            l2Sender == DEFAULT_L2_SENDER, "OptimismPortal: can only trigger one withdrawal per transaction"
        );
        bytes32 withdrawalHash = Hashing.withdrawalHash(_tx);
        ProvenWithdrawal memory proven = provenWithdrawals[withdrawalHash];
        require(proven.timestamp != 0, "OptimismPortal: withdrawal has not been proven yet");
        require(
            proven.timestamp >= L2_ORACLE.startingTimestamp(),
            "OptimismPortal: withdrawal timestamp less than L2 Oracle starting timestamp"
        );
        require(
            _isFinalized(proven.timestamp), "OptimismPortal: proven withdrawal finalization period has not elapsed"
        );
        Types.OutputProposal memory output = L2_ORACLE.getL2Output(proven.l2OutputIndex);
        require(
            proven.outputRoot == output.outputRoot, "OptimismPortal: output root proven is not the same as current output root"
        );
        require(_isFinalized(output.timestamp), "OptimismPortal: output proposal finalization period has not elapsed");
        require(!finalizedWithdrawals[withdrawalHash], "OptimismPortal: withdrawal has already been finalized");

        // Effects before the call: a reentrant finalize of the same withdrawal finds it done,
        // and of any other finds `l2Sender` set.
        finalizedWithdrawals[withdrawalHash] = true;
        l2Sender = _tx.sender;
        bool success = _callWithMinGas(_tx.target, _tx.gasLimit, _tx.value, _tx.data);
        l2Sender = DEFAULT_L2_SENDER;
        emit WithdrawalFinalized(withdrawalHash, success);
    }

    /// @notice Whether output `_l2OutputIndex` is older than the finalization period.
    function isOutputFinalized(uint256 _l2OutputIndex) external view returns (bool) {
        return _isFinalized(L2_ORACLE.getL2Output(_l2OutputIndex).timestamp);
    }

    function _isFinalized(uint256 _timestamp) internal view returns (bool) {
        return block.timestamp > _timestamp + L2_ORACLE.FINALIZATION_PERIOD_SECONDS();
    }

    function _resourceConfig() internal view override returns (ResourceConfig memory) {
        return SYSTEM_CONFIG.resourceConfig();
    }

    /// @notice Calls `_target` so that it receives at least `_minGas`. A call with less would
    ///         let the finalizer make a withdrawal fail on purpose, so this reverts instead.
    function _callWithMinGas(address _target, uint256 _minGas, uint256 _value, bytes memory _data)
        internal
        returns (bool success)
    {
        // CALL forwards at most 63/64 of what is left after its own cost (value transfer and
        // account creation stay within the reserve).
        require(
            gasleft() * 63 / 64 >= _minGas + FINALIZE_GAS_RESERVE,
            "SafeCall: Not enough gas"
        );
        assembly ("memory-safe") {
            success := call(gas(), _target, _value, add(_data, 0x20), mload(_data), 0, 0)
        }
    }
}
