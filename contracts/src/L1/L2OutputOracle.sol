// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import { Types } from "../libraries/Types.sol";

/// @title L2OutputOracle
/// @notice The L2 output roots the proposer commits to, one every `SUBMISSION_INTERVAL` L2
///         blocks. Withdrawals are proven against them; once an output is older than
///         `FINALIZATION_PERIOD_SECONDS` it is final. Until then the challenger may delete it and
///         every later one. ABI-compatible with OP's legacy (pre-fault-proof) oracle, so viem's
///         op-stack actions read it unchanged.
contract L2OutputOracle {
    /// @notice L2 blocks between two outputs.
    uint256 public immutable SUBMISSION_INTERVAL;
    /// @notice Seconds between two L2 blocks.
    uint256 public immutable L2_BLOCK_TIME;
    /// @notice Seconds after its proposal at which an output is final.
    uint256 public immutable FINALIZATION_PERIOD_SECONDS;
    /// @notice The only account that may propose outputs.
    address public immutable PROPOSER;
    /// @notice The only account that may delete outputs.
    address public immutable CHALLENGER;
    /// @notice The L2 block the first output counts from (usually genesis).
    uint256 public immutable startingBlockNumber;
    /// @notice The L2 timestamp of `startingBlockNumber`.
    uint256 public immutable startingTimestamp;

    Types.OutputProposal[] internal l2Outputs;

    event OutputProposed(
        bytes32 indexed outputRoot, uint256 indexed l2OutputIndex, uint256 indexed l2BlockNumber, uint256 l1Timestamp
    );
    event OutputsDeleted(uint256 indexed prevNextOutputIndex, uint256 indexed newNextOutputIndex);

    constructor(
        uint256 _submissionInterval,
        uint256 _l2BlockTime,
        uint256 _startingBlockNumber,
        uint256 _startingTimestamp,
        address _proposer,
        address _challenger,
        uint256 _finalizationPeriodSeconds
    ) {
        require(_submissionInterval > 0, "L2OutputOracle: submission interval must be greater than 0");
        require(_l2BlockTime > 0, "L2OutputOracle: L2 block time must be greater than 0");
        require(
            _startingTimestamp <= block.timestamp,
            "L2OutputOracle: starting L2 timestamp must be less than current time"
        );
        SUBMISSION_INTERVAL = _submissionInterval;
        L2_BLOCK_TIME = _l2BlockTime;
        startingBlockNumber = _startingBlockNumber;
        startingTimestamp = _startingTimestamp;
        PROPOSER = _proposer;
        CHALLENGER = _challenger;
        FINALIZATION_PERIOD_SECONDS = _finalizationPeriodSeconds;
    }

    function version() external pure returns (string memory) {
        return "1.8.0";
    }

    function submissionInterval() external view returns (uint256) {
        return SUBMISSION_INTERVAL;
    }

    function l2BlockTime() external view returns (uint256) {
        return L2_BLOCK_TIME;
    }

    function finalizationPeriodSeconds() external view returns (uint256) {
        return FINALIZATION_PERIOD_SECONDS;
    }

    function proposer() external view returns (address) {
        return PROPOSER;
    }

    function challenger() external view returns (address) {
        return CHALLENGER;
    }

    /// @notice Commits `_outputRoot` as the output of L2 block `_l2BlockNumber`, which must be
    ///         the next one due and already in the past. A non-zero `_l1BlockHash` must be the
    ///         hash of L1 block `_l1BlockNumber`: the proposal then fails if L1 reorged under it.
    function proposeL2Output(bytes32 _outputRoot, uint256 _l2BlockNumber, bytes32 _l1BlockHash, uint256 _l1BlockNumber)
        external
        payable
    {
        require(msg.sender == PROPOSER, "L2OutputOracle: only the proposer address can propose new outputs");
        require(
            _l2BlockNumber == nextBlockNumber(),
            "L2OutputOracle: block number must be equal to next expected block number"
        );
        require(
            computeL2Timestamp(_l2BlockNumber) < block.timestamp,
            "L2OutputOracle: cannot propose L2 output in the future"
        );
        require(_outputRoot != bytes32(0), "L2OutputOracle: L2 output proposal cannot be the zero hash");
        if (_l1BlockHash != bytes32(0)) {
            // blockhash() is zero beyond the last 256 blocks, so an old anchor fails too.
            require(
                blockhash(_l1BlockNumber) == _l1BlockHash,
                "L2OutputOracle: block hash does not match the hash at the expected height"
            );
        }
        emit OutputProposed(_outputRoot, nextOutputIndex(), _l2BlockNumber, block.timestamp);
        l2Outputs.push(
            Types.OutputProposal({
                outputRoot: _outputRoot,
                timestamp: uint128(block.timestamp),
                l2BlockNumber: uint128(_l2BlockNumber)
            })
        );
    }

    /// @notice Deletes output `_l2OutputIndex` and every later one, unless it is already final.
    function deleteL2Outputs(uint256 _l2OutputIndex) external {
        require(msg.sender == CHALLENGER, "L2OutputOracle: only the challenger address can delete outputs");
        require(
            _l2OutputIndex < l2Outputs.length, "L2OutputOracle: cannot delete outputs after the latest output index"
        );
        require(
            block.timestamp - l2Outputs[_l2OutputIndex].timestamp < FINALIZATION_PERIOD_SECONDS,
            "L2OutputOracle: cannot delete outputs that have already been finalized"
        );
        uint256 prevNextIndex = l2Outputs.length;
        assembly ("memory-safe") {
            // Truncating the length is enough: a later push overwrites every field.
            sstore(l2Outputs.slot, _l2OutputIndex)
        }
        emit OutputsDeleted(prevNextIndex, _l2OutputIndex);
    }

    function getL2Output(uint256 _l2OutputIndex) external view returns (Types.OutputProposal memory) {
        return l2Outputs[_l2OutputIndex];
    }

    /// @notice The index of the first output at or after L2 block `_l2BlockNumber`. Reverts with
    ///         the reason viem's `getWithdrawalStatus` matches (waiting to prove) when no output
    ///         covers the block yet, including when none was proposed at all.
    function getL2OutputIndexAfter(uint256 _l2BlockNumber) public view returns (uint256) {
        uint256 n = l2Outputs.length;
        require(
            n > 0 && l2Outputs[n - 1].l2BlockNumber >= _l2BlockNumber,
            "L2OutputOracle: cannot get output for a block that has not been proposed"
        );
        uint256 lo = 0;
        uint256 hi = n - 1;
        while (lo < hi) {
            uint256 mid = (lo + hi) / 2;
            if (l2Outputs[mid].l2BlockNumber < _l2BlockNumber) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo;
    }

    function getL2OutputAfter(uint256 _l2BlockNumber) external view returns (Types.OutputProposal memory) {
        return l2Outputs[getL2OutputIndexAfter(_l2BlockNumber)];
    }

    /// @notice Index of the last output; reverts (underflow) when there is none, as OP's does.
    function latestOutputIndex() external view returns (uint256) {
        return l2Outputs.length - 1;
    }

    function nextOutputIndex() public view returns (uint256) {
        return l2Outputs.length;
    }

    function latestBlockNumber() public view returns (uint256) {
        uint256 n = l2Outputs.length;
        return n == 0 ? startingBlockNumber : l2Outputs[n - 1].l2BlockNumber;
    }

    function nextBlockNumber() public view returns (uint256) {
        return latestBlockNumber() + SUBMISSION_INTERVAL;
    }

    function computeL2Timestamp(uint256 _l2BlockNumber) public view returns (uint256) {
        return startingTimestamp + (_l2BlockNumber - startingBlockNumber) * L2_BLOCK_TIME;
    }
}
