//! Blobs on the heap. A blob is 128 KiB: passed by value through generic decoders it overflows
//! a 2 MiB thread stack in debug builds, so blobs travel boxed and are built from bytes
//! without passing through the stack.

use alloy_eips::eip4844::BYTES_PER_BLOB;

/// A blob on the heap.
pub type BoxedBlob = Box<[u8; BYTES_PER_BLOB]>;

/// A blob copied to the heap from `bytes`; `None` unless they are exactly one blob long.
pub fn boxed_blob(bytes: &[u8]) -> Option<BoxedBlob> {
    Box::<[u8]>::from(bytes).try_into().ok()
}
