//! Channel compression (digest §4.5): zlib since Bedrock; from Fjord a version byte may precede
//! the stream, and `0x01` means Brotli. Decompression is bounded: at most `limit` bytes come
//! out, so a small hostile channel cannot expand without end.

use alloc::{string::String, vec::Vec};
#[cfg(feature = "std")]
use std::io::{Read, Write};

#[cfg(feature = "std")]
use super::inflate::read_bounded;
use crate::constants::CHANNEL_VERSION_BROTLI;

/// How a channel is compressed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Compression {
    /// RFC 1950 zlib, no version byte.
    Zlib,
    /// `0x01 ++` RFC 7932 Brotli (Fjord).
    Brotli,
}

/// Compression settings for [`compress`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CompressionConfig {
    /// Algorithm.
    pub algo: Compression,
    /// Level: zlib 0–9, Brotli 0–11.
    pub level: u32,
}

impl CompressionConfig {
    /// Brotli at level 10: the batcher default.
    pub const BROTLI_10: Self = Self { algo: Compression::Brotli, level: 10 };
    /// zlib at its best level.
    pub const ZLIB_BEST: Self = Self { algo: Compression::Zlib, level: 9 };
}

/// Why channel bytes could not be decompressed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CompressionError {
    /// The channel is empty.
    #[error("channel is empty")]
    Empty,
    /// The first byte is neither a zlib header nor a known version.
    #[error("unknown channel version byte {0:#04x}")]
    UnknownVersion(u8),
    /// Brotli before Fjord.
    #[error("brotli channel before fjord")]
    BrotliNotActive,
}

/// Detects the compression from the first byte. `brotli_allowed` is the Fjord flag of the
/// current L1 origin.
pub fn detect(data: &[u8], brotli_allowed: bool) -> Result<Compression, CompressionError> {
    let first = *data.first().ok_or(CompressionError::Empty)?;
    match first {
        b if b & 0x0f == 8 || b & 0x0f == 15 => Ok(Compression::Zlib),
        CHANNEL_VERSION_BROTLI if brotli_allowed => Ok(Compression::Brotli),
        CHANNEL_VERSION_BROTLI => Err(CompressionError::BrotliNotActive),
        b => Err(CompressionError::UnknownVersion(b)),
    }
}

/// The result of bounded decompression.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decompressed {
    /// The detected compression.
    pub compression: Compression,
    /// Up to `limit` decompressed bytes.
    pub data: Vec<u8>,
    /// Why output stopped early, if it did: a corrupt stream (the bytes before the fault are
    /// still returned, as a streaming reader would have produced them) or the size limit.
    pub stopped: Option<StopReason>,
}

/// Why decompression stopped before the end of the stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StopReason {
    /// The stream is corrupt or truncated.
    Corrupt(String),
    /// `limit` bytes were produced and more remained.
    Limit,
}

/// Decompresses at most `limit` bytes of a channel (without std: the same, through
/// [`super::inflate::decompress_core`]).
#[cfg(not(feature = "std"))]
pub fn decompress(
    data: &[u8],
    brotli_allowed: bool,
    limit: u64,
) -> Result<Decompressed, CompressionError> {
    super::inflate::decompress_core(data, brotli_allowed, limit)
}

/// Decompresses at most `limit` bytes of a channel.
#[cfg(feature = "std")]
pub fn decompress(
    data: &[u8],
    brotli_allowed: bool,
    limit: u64,
) -> Result<Decompressed, CompressionError> {
    let compression = detect(data, brotli_allowed)?;
    let (out, stopped) = match compression {
        Compression::Zlib => read_bounded(&mut IoRead(flate2::read::ZlibDecoder::new(data)), limit),
        Compression::Brotli => {
            read_bounded(&mut IoRead(brotli::Decompressor::new(&data[1..], 4096)), limit)
        }
    };
    Ok(Decompressed { compression, data: out, stopped })
}

/// A `std::io` reader as the bounded reading loop's source (the same loop the no_std path
/// runs, so the two differ only in their readers).
#[cfg(feature = "std")]
struct IoRead<R>(R);

#[cfg(feature = "std")]
impl<R: Read> super::inflate::ReadSome for IoRead<R> {
    fn read_some(&mut self, buf: &mut [u8]) -> Result<usize, String> {
        loop {
            match self.0.read(buf) {
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                r => return r.map_err(|e| e.to_string()),
            }
        }
    }
}

/// Compresses `data` into channel bytes (with the version byte for Brotli).
#[cfg(feature = "std")]
pub fn compress(data: &[u8], cfg: CompressionConfig) -> Vec<u8> {
    match cfg.algo {
        Compression::Zlib => {
            let mut enc = flate2::write::ZlibEncoder::new(
                Vec::new(),
                flate2::Compression::new(cfg.level.min(9)),
            );
            // Writing to a Vec cannot fail.
            let _ = enc.write_all(data);
            enc.finish().unwrap_or_default()
        }
        Compression::Brotli => {
            let mut out = vec![CHANNEL_VERSION_BROTLI];
            let params = brotli::enc::BrotliEncoderParams {
                quality: cfg.level.min(11) as i32,
                lgwin: 22,
                ..Default::default()
            };
            let _ = brotli::BrotliCompress(&mut &data[..], &mut out, &params);
            out
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detection_follows_the_spec_table() {
        assert_eq!(detect(&[0x78], false), Ok(Compression::Zlib));
        assert_eq!(detect(&[0x0f], false), Ok(Compression::Zlib));
        assert_eq!(detect(&[0x01], true), Ok(Compression::Brotli));
        assert_eq!(detect(&[0x01], false), Err(CompressionError::BrotliNotActive));
        assert_eq!(detect(&[0x02], true), Err(CompressionError::UnknownVersion(2)));
        assert_eq!(detect(&[], true), Err(CompressionError::Empty));
    }

    #[test]
    fn both_algorithms_round_trip_and_respect_the_limit() {
        let data: Vec<u8> = (0..100_000u32).flat_map(|i| (i % 251).to_be_bytes()).collect();
        for cfg in [CompressionConfig::ZLIB_BEST, CompressionConfig::BROTLI_10] {
            let c = compress(&data, cfg);
            let d = decompress(&c, true, u64::MAX).unwrap();
            assert_eq!((d.compression, d.stopped, d.data.len()), (cfg.algo, None, data.len()));
            assert_eq!(d.data, data);
            let capped = decompress(&c, true, 1000).unwrap();
            assert_eq!((capped.data.len(), capped.stopped), (1000, Some(StopReason::Limit)));
            let exact = decompress(&c, true, data.len() as u64).unwrap();
            assert_eq!(exact.stopped, None);
        }
    }

    #[test]
    fn truncated_stream_keeps_its_prefix() {
        let data = vec![7u8; 50_000];
        let c = compress(&data, CompressionConfig::ZLIB_BEST);
        let d = decompress(&c[..c.len() - 4], false, u64::MAX).unwrap();
        assert!(matches!(d.stopped, Some(StopReason::Corrupt(_))) || d.data.len() == data.len());
    }
}
