// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import { OptimismPortal } from "./OptimismPortal.sol";
import { L2OutputOracle } from "./L2OutputOracle.sol";
import { ResourceConfig, IResourceConfigSource, checkResourceConfig } from "../libraries/ResourceMetering.sol";

/// @title SystemConfig
/// @notice The rollup's L1-governed parameters. Every change is announced with `ConfigUpdate`,
///         whose payloads are exactly what derivation decodes (batcher, fee scalars, gas limit,
///         unsafe block signer, EIP-1559 parameters, operator fee). Only the owner changes them.
///         It also holds the deposit market's `ResourceConfig`, which the portal reads on every
///         deposit, and it creates that portal: the two refer to each other, and without proxies
///         or an initializer (which anyone could call first) creating one from the other is the
///         way both can hold the other's address from birth. The portal's address is this
///         contract's first CREATE address (nonce 1).
contract SystemConfig is IResourceConfigSource {
    /// @notice The kinds of update, numbered as derivation reads them from topic 2.
    enum UpdateType {
        BATCHER,
        FEE_SCALARS,
        GAS_LIMIT,
        UNSAFE_BLOCK_SIGNER,
        EIP_1559_PARAMS,
        OPERATOR_FEE_PARAMS
    }

    /// @notice Version of the `ConfigUpdate` payload encoding.
    uint256 public constant VERSION = 0;
    /// @notice Where the unsafe block signer lives: a fixed slot the rollup node reads directly.
    bytes32 public constant UNSAFE_BLOCK_SIGNER_SLOT = keccak256("systemconfig.unsafeblocksigner");
    /// @notice The largest L2 gas limit the owner may set.
    uint64 internal constant MAXIMUM_GAS_LIMIT = 200_000_000;

    address public owner;
    bytes32 public batcherHash;
    uint64 public gasLimit;
    /// @notice The fee scalar word as last announced (Ecotone: version byte 1, blob and base
    ///         scalars packed).
    uint256 public scalar;
    uint256 public overhead;
    uint32 public basefeeScalar;
    uint32 public blobbasefeeScalar;
    uint32 public eip1559Denominator;
    uint32 public eip1559Elasticity;
    uint32 public operatorFeeScalar;
    uint64 public operatorFeeConstant;
    /// @notice The deposit market's parameters (`resourceConfig()`).
    ResourceConfig internal _resourceConfig;

    /// @notice The address batches must be sent to.
    address public immutable batchInbox;
    /// @notice The portal deposits go through.
    address public immutable optimismPortal;
    /// @notice The oracle outputs are proposed to.
    address public immutable l2OutputOracle;
    /// @notice The L1 block this contract was deployed in; derivation need not look earlier.
    uint256 public immutable startBlock;

    event ConfigUpdate(uint256 indexed version, UpdateType indexed updateType, bytes data);
    event OwnershipTransferred(address indexed previousOwner, address indexed newOwner);

    modifier onlyOwner() {
        require(msg.sender == owner, "SystemConfig: caller is not the owner");
        _;
    }

    constructor(
        address _owner,
        uint32 _basefeeScalar,
        uint32 _blobbasefeeScalar,
        bytes32 _batcherHash,
        uint64 _gasLimit,
        address _unsafeBlockSigner,
        ResourceConfig memory _config,
        address _batchInbox,
        address _l2OutputOracle
    ) {
        owner = _owner;
        emit OwnershipTransferred(address(0), _owner);
        batchInbox = _batchInbox;
        l2OutputOracle = _l2OutputOracle;
        startBlock = block.number;
        // The portal only stores this address; it reads the config on its first deposit, once
        // this constructor has finished.
        optimismPortal = address(new OptimismPortal(L2OutputOracle(_l2OutputOracle), this));
        _setBatcherHash(_batcherHash);
        _setGasConfigEcotone(_basefeeScalar, _blobbasefeeScalar);
        // The market's config first: the gas limit is checked against it.
        checkResourceConfig(_config);
        _resourceConfig = _config;
        _setGasLimit(_gasLimit);
        _setUnsafeBlockSigner(_unsafeBlockSigner);
    }

    function version() external pure returns (string memory) {
        return "2.3.0";
    }

    function transferOwnership(address _newOwner) external onlyOwner {
        require(_newOwner != address(0), "SystemConfig: new owner is the zero address");
        emit OwnershipTransferred(owner, _newOwner);
        owner = _newOwner;
    }

    /// @notice Deposit gas one L1 block may buy plus the L1-info tx's gas: an L2 block must
    ///         hold at least that much, so an epoch's deposits always fit its first block.
    function minimumGasLimit() public view returns (uint64) {
        return uint64(_resourceConfig.maxResourceLimit) + uint64(_resourceConfig.systemTxMaxGas);
    }

    function maximumGasLimit() external pure returns (uint64) {
        return MAXIMUM_GAS_LIMIT;
    }

    function unsafeBlockSigner() external view returns (address signer) {
        bytes32 slot = UNSAFE_BLOCK_SIGNER_SLOT;
        assembly ("memory-safe") {
            signer := sload(slot)
        }
    }

    function resourceConfig() external view returns (ResourceConfig memory) {
        return _resourceConfig;
    }

    /// @notice Changes the deposit market's parameters; the L2 gas limit must still hold a
    ///         block's worth of deposits.
    function setResourceConfig(ResourceConfig memory _config) external onlyOwner {
        checkResourceConfig(_config);
        require(
            uint256(_config.maxResourceLimit) + _config.systemTxMaxGas <= gasLimit, "SystemConfig: gas limit too low"
        );
        _resourceConfig = _config;
    }

    function setBatcherHash(bytes32 _batcherHash) external onlyOwner {
        _setBatcherHash(_batcherHash);
    }

    /// @notice Pre-Ecotone fee parameters: an overhead and a plain scalar.
    function setGasConfig(uint256 _overhead, uint256 _scalar) external onlyOwner {
        require(_scalar >> 248 == 0, "SystemConfig: scalar exceeds max.");
        overhead = _overhead;
        scalar = _scalar;
        emit ConfigUpdate(VERSION, UpdateType.FEE_SCALARS, abi.encode(_overhead, _scalar));
    }

    function setGasConfigEcotone(uint32 _basefeeScalar, uint32 _blobbasefeeScalar) external onlyOwner {
        _setGasConfigEcotone(_basefeeScalar, _blobbasefeeScalar);
    }

    function setGasLimit(uint64 _gasLimit) external onlyOwner {
        _setGasLimit(_gasLimit);
    }

    function setUnsafeBlockSigner(address _unsafeBlockSigner) external onlyOwner {
        _setUnsafeBlockSigner(_unsafeBlockSigner);
    }

    /// @notice Holocene's EIP-1559 parameters for L2; both must be at least 1.
    function setEIP1559Params(uint32 _denominator, uint32 _elasticity) external onlyOwner {
        require(_denominator >= 1, "SystemConfig: denominator must be >= 1");
        require(_elasticity >= 1, "SystemConfig: elasticity must be >= 1");
        eip1559Denominator = _denominator;
        eip1559Elasticity = _elasticity;
        emit ConfigUpdate(
            VERSION, UpdateType.EIP_1559_PARAMS, abi.encode((uint256(_denominator) << 32) | _elasticity)
        );
    }

    /// @notice Isthmus's operator fee: `gasUsed * scalar / 1e6 + constant` per tx.
    function setOperatorFeeScalars(uint32 _operatorFeeScalar, uint64 _operatorFeeConstant) external onlyOwner {
        operatorFeeScalar = _operatorFeeScalar;
        operatorFeeConstant = _operatorFeeConstant;
        emit ConfigUpdate(
            VERSION,
            UpdateType.OPERATOR_FEE_PARAMS,
            abi.encode((uint256(_operatorFeeScalar) << 64) | _operatorFeeConstant)
        );
    }

    function _setBatcherHash(bytes32 _batcherHash) internal {
        batcherHash = _batcherHash;
        emit ConfigUpdate(VERSION, UpdateType.BATCHER, abi.encode(_batcherHash));
    }

    function _setGasConfigEcotone(uint32 _basefeeScalar, uint32 _blobbasefeeScalar) internal {
        basefeeScalar = _basefeeScalar;
        blobbasefeeScalar = _blobbasefeeScalar;
        // Version 1 of the scalar word: 0x01, zero padding, blob scalar, base scalar.
        scalar = (uint256(0x01) << 248) | (uint256(_blobbasefeeScalar) << 32) | _basefeeScalar;
        emit ConfigUpdate(VERSION, UpdateType.FEE_SCALARS, abi.encode(overhead, scalar));
    }

    function _setGasLimit(uint64 _gasLimit) internal {
        require(_gasLimit >= minimumGasLimit(), "SystemConfig: gas limit too low");
        require(_gasLimit <= MAXIMUM_GAS_LIMIT, "SystemConfig: gas limit too high");
        gasLimit = _gasLimit;
        emit ConfigUpdate(VERSION, UpdateType.GAS_LIMIT, abi.encode(_gasLimit));
    }

    function _setUnsafeBlockSigner(address _unsafeBlockSigner) internal {
        bytes32 slot = UNSAFE_BLOCK_SIGNER_SLOT;
        assembly ("memory-safe") {
            sstore(slot, _unsafeBlockSigner)
        }
        emit ConfigUpdate(VERSION, UpdateType.UNSAFE_BLOCK_SIGNER, abi.encode(_unsafeBlockSigner));
    }
}
