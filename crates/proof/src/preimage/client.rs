//! The program's side of the wire protocol ([`super::wire`]): an [`Oracle`] that asks a host
//! over two byte streams — one for hints, one for preimages — as the guest does over its file
//! descriptors 3–6. The streams are a [`Stream`] so the same client runs over the guest's
//! syscalls, pipes or sockets.

use alloc::{format, string::ToString, vec, vec::Vec};

use spin::Mutex;

use super::{
    Hint, Oracle, OracleError, PreimageKey,
    wire::{encode_hint, encode_request},
};

/// The largest preimage the client accepts (a block's tx list is the largest thing it reads).
pub const MAX_PREIMAGE: u64 = 256 << 20;

/// A bidirectional byte stream to the host.
pub trait Stream: Send {
    /// Writes all of `buf`.
    fn write_all(&mut self, buf: &[u8]) -> Result<(), OracleError>;

    /// Fills all of `buf`.
    fn read_exact(&mut self, buf: &mut [u8]) -> Result<(), OracleError>;
}

/// An oracle served by a host over two streams.
pub struct WireOracle<H, P> {
    hints: Mutex<H>,
    preimages: Mutex<P>,
}

impl<H, P> core::fmt::Debug for WireOracle<H, P> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("WireOracle")
    }
}

impl<H: Stream, P: Stream> WireOracle<H, P> {
    /// A client over the hint stream `hints` and the preimage stream `preimages`.
    pub fn new(hints: H, preimages: P) -> Self {
        Self { hints: Mutex::new(hints), preimages: Mutex::new(preimages) }
    }
}

impl<H: Stream, P: Stream> Oracle for WireOracle<H, P> {
    fn get(&self, key: PreimageKey) -> Result<alloy_primitives::Bytes, OracleError> {
        let mut s = self.preimages.lock();
        s.write_all(&encode_request(&key))?;
        let mut len = [0u8; 8];
        s.read_exact(&mut len)?;
        let len = u64::from_be_bytes(len);
        if len > MAX_PREIMAGE {
            return Err(OracleError::Host(format!("preimage of {len} bytes for {key}")));
        }
        // The length is bounded above: this allocation is at most MAX_PREIMAGE.
        let mut data: Vec<u8> = vec![0; len as usize];
        s.read_exact(&mut data)?;
        Ok(data.into())
    }

    fn hint(&self, hint: &Hint) -> Result<(), OracleError> {
        let mut s = self.hints.lock();
        s.write_all(&encode_hint(&hint.to_string()))?;
        let mut ack = [0u8; 1];
        s.read_exact(&mut ack)
    }
}
