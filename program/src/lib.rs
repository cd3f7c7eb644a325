//! The fault-proof program as a RISC-V guest (issue 23 turns it into the VM's program). Today it
//! holds what proves the pure core is `no_std`: it is built for `riscv64imac-unknown-none-elf`
//! (`scripts/check-no-std.sh`) against the protocol, derivation, execution and proof crates
//! without their `std` features, and it names the paths the program needs — channel
//! decompression, batch decoding, the pipeline and its driver, the block builder, `run`.

#![no_std]

extern crate alloc;

use alloc::vec::Vec;

use lamina_protocol::{
    batch::Batch,
    channel::{ChannelReader, compression::decompress},
    frame::parse_batcher_data,
};

/// The derivation pipeline and driver the program runs (generic over its ports).
pub type Pipeline<L1, B, L2> = lamina_derive::Pipeline<L1, B, L2>;

/// The program's entry: boot from the oracle, derive, execute, judge the claim.
pub use lamina_proof::program::run;

/// The block builder the program executes with (revm's pure-Rust precompiles).
pub type BlockBuilder = lamina_evm::OpBlockBuilder;

/// The batches a batcher tx's calldata carries in one complete channel, decompressed with at
/// most `limit` bytes.
pub fn batches_of(calldata: &[u8], limit: u64) -> Vec<Batch> {
    let Ok(frames) = parse_batcher_data(calldata) else { return Vec::new() };
    let Some(frame) = frames.first() else { return Vec::new() };
    let _ = decompress(&frame.data, true, limit);
    let Ok(mut reader) = ChannelReader::new(&frame.data, true, limit) else { return Vec::new() };
    let mut out = Vec::new();
    while let Some(Ok(batch)) = reader.next_batch() {
        out.push(batch);
    }
    out
}
