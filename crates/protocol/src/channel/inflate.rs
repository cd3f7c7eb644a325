//! Bounded channel decompression without `std::io`: the path the proof program takes where
//! there is no standard library. It must give what [`super::compression::decompress`] gives on
//! every input — the same bytes and the same stop reason, corrupt and truncated streams
//! included — because both sides of a dispute derive from the same channels. So each codec is
//! driven exactly as the std path's reader drives it:
//!
//! - zlib: miniz_oxide's streaming inflater fed as flate2's `ZlibDecoder` feeds it from a byte
//!   slice (32 KiB input windows, `Finish` once the input is exhausted, an error discarding
//!   the output of the read call it happened in, an unfinished stream an error);
//! - Brotli: brotli-decompressor's own reader (`DecompressorCustomIo`, the code under the std
//!   `Decompressor`) over a slice reader, with a 4 KiB input buffer and heap allocators.
//!
//! Differential tests hold the two paths together on random, truncated, corrupted and
//! over-limit streams and on the OP vectors.

use alloc::{boxed::Box, string::String, vec, vec::Vec};

use brotli_decompressor::{
    Allocator, CustomRead, DecompressorCustomIo, SliceWrapper, SliceWrapperMut,
};
use miniz_oxide::{
    DataFormat, MZError, MZFlush, MZStatus,
    inflate::stream::{InflateState, inflate},
};

use super::compression::{Compression, CompressionError, Decompressed, StopReason, detect};

/// flate2's input window over a slice (its `BufReader` capacity).
const ZLIB_WINDOW: usize = 32 * 1024;

/// The Brotli reader's input buffer (what the std path asks for).
const BROTLI_BUFFER: usize = 4096;

/// The output chunk each read asks for (the std path's read buffer).
const CHUNK: usize = 16 * 1024;

/// A source of decompressed bytes, read as `std::io::Read` would be.
pub(crate) trait ReadSome {
    /// Fills a prefix of `buf`; `Ok(0)` is the end of the stream.
    fn read_some(&mut self, buf: &mut [u8]) -> Result<usize, String>;
}

/// Decompresses at most `limit` bytes of a channel (see [`super::compression::decompress`]).
pub fn decompress_core(
    data: &[u8],
    brotli_allowed: bool,
    limit: u64,
) -> Result<Decompressed, CompressionError> {
    let compression = detect(data, brotli_allowed)?;
    let (out, stopped) = match compression {
        Compression::Zlib => read_bounded(&mut ZlibReader::new(data), limit),
        Compression::Brotli => read_bounded(&mut BrotliReader::new(&data[1..]), limit),
    };
    Ok(Decompressed { compression, data: out, stopped })
}

/// Reads up to `limit` bytes in 16 KiB chunks (both paths run this loop).
pub(crate) fn read_bounded(r: &mut impl ReadSome, limit: u64) -> (Vec<u8>, Option<StopReason>) {
    let mut out = Vec::new();
    let mut buf = vec![0u8; CHUNK];
    loop {
        let room = limit.saturating_sub(out.len() as u64);
        if room == 0 {
            // Probe for one more byte to tell "exactly at the limit" from "over it".
            return match r.read_some(&mut buf[..1]) {
                Ok(0) => (out, None),
                Ok(_) => (out, Some(StopReason::Limit)),
                Err(e) => (out, Some(StopReason::Corrupt(e))),
            };
        }
        let want = buf.len().min(usize::try_from(room).unwrap_or(usize::MAX));
        match r.read_some(&mut buf[..want]) {
            Ok(0) => return (out, None),
            Ok(n) => out.extend_from_slice(&buf[..n]),
            Err(e) => return (out, Some(StopReason::Corrupt(e))),
        }
    }
}

/// zlib, as flate2's `ZlibDecoder` reads a slice.
struct ZlibReader<'a> {
    data: &'a [u8],
    /// The next input byte.
    pos: usize,
    /// The end of the current input window.
    end: usize,
    state: Box<InflateState>,
}

impl<'a> ZlibReader<'a> {
    fn new(data: &'a [u8]) -> Self {
        Self { data, pos: 0, end: 0, state: InflateState::new_boxed(DataFormat::Zlib) }
    }
}

impl ReadSome for ZlibReader<'_> {
    fn read_some(&mut self, dst: &mut [u8]) -> Result<usize, String> {
        loop {
            if self.pos == self.end {
                // The window is used up: the next one.
                self.end = self.pos + ZLIB_WINDOW.min(self.data.len() - self.pos);
            }
            let input = &self.data[self.pos..self.end];
            let eof = input.is_empty();
            let flush = if eof { MZFlush::Finish } else { MZFlush::None };
            let res = inflate(&mut self.state, input, dst, flush);
            self.pos += res.bytes_consumed;
            let read = res.bytes_written;
            // flate2's reading of the inflater's answer: a full-buffer condition is no error.
            let ended = match res.status {
                Ok(MZStatus::Ok) | Err(MZError::Buf) => false,
                Ok(MZStatus::StreamEnd) => true,
                Ok(MZStatus::NeedDict) | Err(_) => return Err("corrupt deflate stream".into()),
            };
            if !ended && read == 0 && !dst.is_empty() {
                if eof {
                    return Err("incomplete deflate stream".into());
                }
                continue;
            }
            return Ok(read);
        }
    }
}

/// A slice as brotli-decompressor's reader input.
struct SliceInput<'a>(&'a [u8]);

impl CustomRead<String> for SliceInput<'_> {
    fn read(&mut self, data: &mut [u8]) -> Result<usize, String> {
        let n = data.len().min(self.0.len());
        data[..n].copy_from_slice(&self.0[..n]);
        self.0 = &self.0[n..];
        Ok(n)
    }
}

/// Heap memory for brotli-decompressor.
#[derive(Debug, Default)]
struct Cell<T>(Box<[T]>);

impl<T> SliceWrapper<T> for Cell<T> {
    fn slice(&self) -> &[T] {
        &self.0
    }
}

impl<T> SliceWrapperMut<T> for Cell<T> {
    fn slice_mut(&mut self) -> &mut [T] {
        &mut self.0
    }
}

/// brotli-decompressor's allocator, over the global heap.
#[derive(Debug, Default, Clone, Copy)]
struct Heap;

impl<T: Default + Clone> Allocator<T> for Heap {
    type AllocatedMemory = Cell<T>;

    fn alloc_cell(&mut self, len: usize) -> Cell<T> {
        Cell(vec![T::default(); len].into_boxed_slice())
    }

    fn free_cell(&mut self, _data: Cell<T>) {}
}

/// Brotli, through brotli-decompressor's reader.
struct BrotliReader<'a>(DecompressorCustomIo<String, SliceInput<'a>, Cell<u8>, Heap, Heap, Heap>);

impl<'a> BrotliReader<'a> {
    fn new(data: &'a [u8]) -> Self {
        let buffer = <Heap as Allocator<u8>>::alloc_cell(&mut Heap, BROTLI_BUFFER);
        Self(DecompressorCustomIo::new(
            SliceInput(data),
            buffer,
            Heap,
            Heap,
            Heap,
            "Invalid Data".into(),
        ))
    }
}

impl ReadSome for BrotliReader<'_> {
    fn read_some(&mut self, buf: &mut [u8]) -> Result<usize, String> {
        CustomRead::read(&mut self.0, buf)
    }
}
