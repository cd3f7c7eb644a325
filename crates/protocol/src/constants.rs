//! Protocol constants (digest appendix C), gathered so every crate names them the same way.

use alloy_primitives::{B256, b256};

/// EIP-2718 type of deposited transactions.
pub const DEPOSIT_TX_TYPE: u8 = 0x7e;
/// `keccak("TransactionDeposited(address,address,uint256,bytes)")`.
pub const DEPOSIT_EVENT_TOPIC: B256 =
    b256!("b3813568d9991fc951961fcb4c784893574240a28925604d09fc577c55bb7c32");
/// `keccak("ConfigUpdate(uint256,uint8,bytes)")`.
pub const CONFIG_UPDATE_TOPIC: B256 =
    b256!("1d2b0bda21d56b8bd12d4f94ebacffdfb35f5e226f84b461103bb8beab6353be");
/// `keccak("MessagePassed(uint256,address,address,uint256,uint256,bytes,bytes32)")`.
pub const MESSAGE_PASSED_TOPIC: B256 =
    b256!("02a52367d10742d8032712c1bb8e0144ff1ec5ffda1ed7d70bb05a2744955054");
/// SystemConfig storage slot of the unsafe block signer.
pub const UNSAFE_BLOCK_SIGNER_SLOT: B256 =
    b256!("65a7ed542fb37fe237fdfbdd70b31598523fe5b32879e307bae27a0bd9581c08");
/// Isthmus `requestsHash`: `sha256("")`.
pub const ISTHMUS_REQUESTS_HASH: B256 =
    b256!("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");

/// Version byte of batcher tx data and blob payloads carrying frames.
pub const DERIVATION_VERSION_0: u8 = 0x00;
/// Fixed bytes of a frame around its data: id 16 + number 2 + length 4 + is_last 1.
pub const FRAME_OVERHEAD_BYTES: usize = 23;
/// Per-frame overhead counted by the channel bank's size accounting.
pub const FRAME_BANK_OVERHEAD: u64 = 200;
/// Largest `frame_data_length` allowed.
pub const MAX_FRAME_LEN: u32 = 1_000_000;
/// Max decompressed channel bytes before Fjord.
pub const MAX_RLP_BYTES_PER_CHANNEL_BEDROCK: u64 = 10_000_000;
/// Max decompressed channel bytes from Fjord.
pub const MAX_RLP_BYTES_PER_CHANNEL_FJORD: u64 = 100_000_000;
/// Channel bank size limit before Fjord.
pub const MAX_CHANNEL_BANK_SIZE_BEDROCK: u64 = 100_000_000;
/// Channel bank size limit from Fjord (unused after Holocene).
pub const MAX_CHANNEL_BANK_SIZE_FJORD: u64 = 1_000_000_000;
/// Max blocks, txs per block and total txs in a span batch.
pub const MAX_SPAN_BATCH_ELEMENT_COUNT: u64 = 10_000_000;
/// Max sequencer drift from Fjord, in seconds.
pub const FJORD_MAX_SEQUENCER_DRIFT: u64 = 1800;
/// Channel timeout from Granite, in L1 blocks.
pub const GRANITE_CHANNEL_TIMEOUT: u64 = 50;
/// Channel version byte of a Brotli channel (Fjord).
pub const CHANNEL_VERSION_BROTLI: u8 = 0x01;
/// Batch type byte of a singular batch.
pub const SINGLE_BATCH_TYPE: u8 = 0x00;
/// Batch type byte of a span batch (Delta).
pub const SPAN_BATCH_TYPE: u8 = 0x01;

/// Gas of the L1-info deposit before Regolith (it is a system tx then).
pub const L1_INFO_GAS_BEDROCK: u64 = 150_000_000;
/// Gas of the L1-info deposit from Regolith.
pub const L1_INFO_GAS_REGOLITH: u64 = 1_000_000;

/// Bytes in an EIP-4844 blob.
pub const BYTES_PER_BLOB: usize = 131_072;
/// Field elements in a blob.
pub const FIELD_ELEMENTS_PER_BLOB: usize = 4096;
/// Largest payload the OP blob encoding (version 0) can carry.
pub const MAX_BLOB_DATA_SIZE: usize = (4 * 31 + 3) * 1024 - 4;
/// OP blob encoding version.
pub const BLOB_ENCODING_VERSION: u8 = 0;
