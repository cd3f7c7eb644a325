//! The host's side of the wire protocol (`lamina_proof::preimage::wire`): an oracle served
//! over two byte streams, hints on one (each acknowledged with a byte) and preimage requests on
//! the other (each answered with a length-prefixed preimage), as a guest's file descriptors
//! carry them. A key the oracle cannot answer closes the preimage stream: the protocol has no
//! "missing", and the program then fails rather than read a wrong preimage.
//! [`run_over_wire`] runs the program natively through this path, so the protocol the guest
//! will speak is exercised end to end.

use std::{
    io::{Read, Write},
    os::unix::net::UnixStream,
};

use lamina_proof::preimage::{
    Hint, Oracle, OracleError,
    client::{Stream, WireOracle},
    wire::{decode_request, encode_preimage},
};

/// The longest hint served (hints name hashes and, for payload witnesses, a block's
/// attributes).
const MAX_HINT: usize = 64 << 20;

/// A `std::io` stream as the client's [`Stream`].
#[derive(Debug)]
pub struct IoStream<T>(pub T);

impl<T: Read + Write + Send> Stream for IoStream<T> {
    fn write_all(&mut self, buf: &[u8]) -> Result<(), OracleError> {
        Write::write_all(&mut self.0, buf).map_err(|e| OracleError::Host(e.to_string()))
    }

    fn read_exact(&mut self, buf: &mut [u8]) -> Result<(), OracleError> {
        Read::read_exact(&mut self.0, buf).map_err(|e| OracleError::Host(e.to_string()))
    }
}

/// Reads exactly `buf`, or nothing at a clean end of stream (`Ok(false)`).
fn read_or_end(s: &mut impl Read, buf: &mut [u8]) -> std::io::Result<bool> {
    match s.read_exact(buf) {
        Ok(()) => Ok(true),
        Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => Ok(false),
        Err(e) => Err(e),
    }
}

/// Hands the hint in `body` to `oracle`. A hint that does not parse, or that the oracle cannot
/// act on, is logged and dropped: hints never decide anything.
pub fn deliver_hint(oracle: &impl Oracle, body: &[u8]) {
    match std::str::from_utf8(body).ok().map(Hint::parse) {
        Some(Ok(hint)) => {
            if let Err(e) = oracle.hint(&hint) {
                tracing::warn!(target: "lamina::proof", route = hint.route(), error = %e, "hint failed");
            }
        }
        _ => tracing::warn!(target: "lamina::proof", len = body.len(), "malformed hint ignored"),
    }
}

/// Serves hints from `s` until the client closes it. A hint that does not parse, or that the
/// oracle cannot act on, is logged and acknowledged: hints never decide anything.
pub fn serve_hints(mut s: impl Read + Write, oracle: &impl Oracle) -> std::io::Result<()> {
    let mut len = [0u8; 4];
    while read_or_end(&mut s, &mut len)? {
        let len = u32::from_be_bytes(len) as usize;
        if len > MAX_HINT {
            return Err(std::io::Error::other(format!("hint of {len} bytes")));
        }
        let mut body = vec![0u8; len];
        s.read_exact(&mut body)?;
        deliver_hint(oracle, &body);
        s.write_all(&[1])?;
    }
    Ok(())
}

/// Serves preimages from `s` until the client closes it, or until it asks for a key the oracle
/// cannot answer (the stream is then closed).
pub fn serve_preimages(mut s: impl Read + Write, oracle: &impl Oracle) -> std::io::Result<()> {
    let mut key = [0u8; 32];
    while read_or_end(&mut s, &mut key)? {
        // 32 bytes always decode.
        let Ok(key) = decode_request(&key) else { break };
        match oracle.get(key) {
            Ok(data) => s.write_all(&encode_preimage(&data))?,
            Err(e) => {
                tracing::warn!(target: "lamina::proof", %key, error = %e, "preimage unavailable: closing");
                break;
            }
        }
    }
    Ok(())
}

/// Runs `lamina_proof::program::run` with `oracle` behind the wire protocol: the program talks
/// to two socket pairs, two threads serve them from `oracle`.
pub fn run_over_wire<O: Oracle + 'static>(
    oracle: std::sync::Arc<O>,
) -> Result<lamina_proof::program::Verdict, lamina_proof::program::ProgramError> {
    let pairs = UnixStream::pair().and_then(|h| UnixStream::pair().map(|p| (h, p)));
    let ((hint_client, hint_host), (pre_client, pre_host)) =
        pairs.map_err(|e| OracleError::Host(e.to_string()))?;
    let (h, p) = (oracle.clone(), oracle);
    let hints = std::thread::spawn(move || serve_hints(hint_host, &*h));
    let preimages = std::thread::spawn(move || serve_preimages(pre_host, &*p));
    let client = std::sync::Arc::new(WireOracle::new(IoStream(hint_client), IoStream(pre_client)));
    let verdict = lamina_proof::program::run(client);
    // The client's streams are dropped with it: both servers see the end and return.
    for (name, t) in [("hints", hints), ("preimages", preimages)] {
        match t.join() {
            Ok(Err(e)) => tracing::warn!(target: "lamina::proof", name, error = %e, "wire server"),
            Err(_) => tracing::warn!(target: "lamina::proof", name, "wire server panicked"),
            Ok(Ok(())) => {}
        }
    }
    verdict
}

#[cfg(test)]
mod tests {
    use alloy_primitives::{B256, keccak256};
    use lamina_proof::preimage::{MemoryOracle, PreimageKey, wire::encode_hint};

    use super::*;

    #[test]
    fn the_client_reads_through_the_servers_and_a_missing_key_closes_the_stream() {
        let mut oracle = MemoryOracle::default();
        let hash = oracle.insert_keccak(b"hello".to_vec());
        let oracle = std::sync::Arc::new(oracle);
        let (hc, hh) = UnixStream::pair().unwrap();
        let (pc, ph) = UnixStream::pair().unwrap();
        let (a, b) = (oracle.clone(), oracle);
        let hints = std::thread::spawn(move || serve_hints(hh, &*a));
        let preimages = std::thread::spawn(move || serve_preimages(ph, &*b));
        let mut raw_hints = hc.try_clone().unwrap();
        let client = WireOracle::new(IoStream(hc), IoStream(pc));
        client.hint(&Hint::L1BlockHeader(hash)).unwrap();
        // A malformed hint is acknowledged too.
        raw_hints.write_all(&encode_hint("nonsense")).unwrap();
        let mut ack = [0u8; 1];
        raw_hints.read_exact(&mut ack).unwrap();
        assert_eq!(client.get(PreimageKey::keccak(hash)).unwrap().as_ref(), b"hello");
        let missing = PreimageKey::keccak(keccak256(b"missing"));
        assert!(matches!(client.get(missing), Err(OracleError::Host(_))));
        assert!(client.get(PreimageKey::keccak(B256::ZERO)).is_err(), "the stream is closed");
        drop(client);
        drop(raw_hints);
        hints.join().unwrap().unwrap();
        preimages.join().unwrap().unwrap();
    }
}
