// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/// @notice The deposit gas market's parameters, laid out as OP's `SystemConfig.resourceConfig()`
///         returns them.
/// @param maxResourceLimit            L2 gas all deposits of one L1 block may buy together.
/// @param elasticityMultiplier        The target is `maxResourceLimit / elasticityMultiplier`.
/// @param baseFeeMaxChangeDenominator The price moves by at most 1/denominator per L1 block.
/// @param minimumBaseFee              Floor of the price (wei per L2 gas).
/// @param systemTxMaxGas              Gas reserved in each L2 block for the L1-info deposit.
/// @param maximumBaseFee              Ceiling of the price (wei per L2 gas).
struct ResourceConfig {
    uint32 maxResourceLimit;
    uint8 elasticityMultiplier;
    uint8 baseFeeMaxChangeDenominator;
    uint32 minimumBaseFee;
    uint32 systemTxMaxGas;
    uint128 maximumBaseFee;
}

/// @notice Checks a configuration before it is used: the market's arithmetic needs a target of at
///         least 1 and a denominator above 1, and the bounds must be ordered.
function checkResourceConfig(ResourceConfig memory _config) pure {
    require(_config.elasticityMultiplier > 0, "SystemConfig: elasticity multiplier cannot be 0");
    require(_config.baseFeeMaxChangeDenominator > 1, "SystemConfig: denominator must be larger than 1");
    require(
        _config.maxResourceLimit % _config.elasticityMultiplier == 0,
        "SystemConfig: precision loss with target resource limit"
    );
    require(_config.maxResourceLimit / _config.elasticityMultiplier > 0, "SystemConfig: zero target resource limit");
    require(_config.minimumBaseFee <= _config.maximumBaseFee, "SystemConfig: min base fee must be less than max base");
}

/// @notice Where a metered contract reads its parameters (the SystemConfig, which its owner
///         governs).
interface IResourceConfigSource {
    function resourceConfig() external view returns (ResourceConfig memory);
}

/// @title ResourceMetering
/// @notice The guaranteed gas market for deposits. L2 gas bought by deposits is priced per L1
///         block like EIP-1559: the price (`prevBaseFee`, wei per L2 gas) rises when the previous
///         L1 block's deposits bought more than the target and falls when they bought less, and
///         one L1 block can never sell more than `maxResourceLimit`. The buyer pays by burning
///         L1 gas worth the price, so filling a block to censor other deposits costs the market
///         price, and doing it block after block costs exponentially more.
abstract contract ResourceMetering {
    /// @notice The market's state, as OP's portal serves it from `params()`.
    /// @param prevBaseFee   Price of one L2 gas (wei) in block `prevBlockNum`.
    /// @param prevBoughtGas L2 gas bought so far in block `prevBlockNum`.
    /// @param prevBlockNum  The last L1 block in which gas was bought.
    struct ResourceParams {
        uint128 prevBaseFee;
        uint64 prevBoughtGas;
        uint64 prevBlockNum;
    }

    /// @notice The price a new market starts at.
    uint128 internal constant INITIAL_BASE_FEE = 1 gwei;
    /// @notice The smallest L1 base fee the burn is priced at: a chain with a near-zero base fee
    ///         (a quiet L1, a dev chain) must not make L2 gas nearly free.
    uint256 internal constant MIN_L1_BASE_FEE = 1 gwei;

    ResourceParams public params;

    constructor() {
        params = ResourceParams({ prevBaseFee: INITIAL_BASE_FEE, prevBoughtGas: 0, prevBlockNum: uint64(block.number) });
    }

    /// @notice The market's current parameters.
    function _resourceConfig() internal view virtual returns (ResourceConfig memory);

    /// @notice Runs the function, then buys `_amount` L2 gas: the gas the function already used
    ///         counts towards the price, and the rest is burned.
    modifier metered(uint64 _amount) {
        uint256 startGas = gasleft();
        _;
        _buyGas(_amount, startGas);
    }

    function _buyGas(uint64 _amount, uint256 _startGas) internal {
        ResourceConfig memory config = _resourceConfig();
        ResourceParams memory p = params;
        if (p.prevBlockNum != block.number) {
            p.prevBaseFee = uint128(_nextBaseFee(config, p, block.number - p.prevBlockNum));
            p.prevBoughtGas = 0;
            p.prevBlockNum = uint64(block.number);
        }
        uint256 bought = uint256(p.prevBoughtGas) + _amount;
        require(bought <= config.maxResourceLimit, "ResourceMetering: cannot buy more gas than available gas limit");
        p.prevBoughtGas = uint64(bought);
        params = p;

        uint256 l1BaseFee = block.basefee > MIN_L1_BASE_FEE ? block.basefee : MIN_L1_BASE_FEE;
        uint256 gasToPay = uint256(_amount) * p.prevBaseFee / l1BaseFee;
        uint256 spent = _startGas - gasleft();
        if (gasToPay > spent) _burnGas(gasToPay - spent);
    }

    /// @notice The price of the first purchase in a new L1 block, `_blocks` after the last one:
    ///         one EIP-1559 step for what the last block bought, then one step down (nothing
    ///         bought) for each block in between, kept within the configured bounds.
    function _nextBaseFee(ResourceConfig memory _config, ResourceParams memory _p, uint256 _blocks)
        internal
        pure
        returns (uint256 fee)
    {
        int256 target = int256(uint256(_config.maxResourceLimit / _config.elasticityMultiplier));
        int256 denominator = int256(uint256(_config.baseFeeMaxChangeDenominator));
        int256 prev = int256(uint256(_p.prevBaseFee));
        int256 delta = prev * (int256(uint256(_p.prevBoughtGas)) - target) / (target * denominator);
        fee = _clamp(prev + delta, _config);
        // Empty blocks: each lowers the price by 1/denominator. The loop stops at the floor or
        // once a step rounds to nothing, so a long-idle market costs a bounded amount of gas.
        uint256 d = uint256(denominator);
        for (uint256 i = 1; i < _blocks; i++) {
            uint256 step = fee / d;
            if (step == 0 || fee <= _config.minimumBaseFee) break;
            fee -= step;
        }
        if (fee < _config.minimumBaseFee) fee = _config.minimumBaseFee;
    }

    function _clamp(int256 _fee, ResourceConfig memory _config) private pure returns (uint256) {
        if (_fee < int256(uint256(_config.minimumBaseFee))) return _config.minimumBaseFee;
        if (_fee > int256(uint256(_config.maximumBaseFee))) return _config.maximumBaseFee;
        return uint256(_fee);
    }

    /// @notice Spends `_amount` gas doing nothing: the L1 gas a deposit pays for its L2 gas.
    function _burnGas(uint256 _amount) private view {
        uint256 start = gasleft();
        uint256 rounds;
        while (start - gasleft() < _amount) {
            rounds++;
        }
    }
}
