//! The host's preimages: a map in memory, optionally backed by an append-only file in a cache
//! directory so a run can be repeated offline. Each record is the 32-byte key, a `u32`
//! big-endian length and the bytes; a record cut short by a crash is dropped (and the file
//! truncated to the last whole record) when the cache is opened again.

use std::{
    collections::HashMap,
    fs::{File, OpenOptions},
    io::{BufWriter, Read, Write},
    path::{Path, PathBuf},
    sync::{Mutex, MutexGuard, PoisonError},
};

use alloy_primitives::{B256, Bytes};
use lamina_proof::preimage::PreimageKey;

/// The log file's name in the cache directory.
const LOG: &str = "preimages.bin";

/// The largest record accepted from the file (a preimage is never near this).
const MAX_RECORD: usize = 64 << 20;

/// Why the cache failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// Reading or writing the cache directory.
    #[error("preimage cache {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The failure.
        #[source]
        source: std::io::Error,
    },
}

#[derive(Debug, Default)]
struct Inner {
    map: HashMap<PreimageKey, Bytes>,
    log: Option<BufWriter<File>>,
    bytes: u64,
}

/// Preimages by key.
#[derive(Debug, Default)]
pub struct PreimageStore {
    inner: Mutex<Inner>,
    path: Option<PathBuf>,
}

impl PreimageStore {
    /// A store in memory only.
    pub fn memory() -> Self {
        Self::default()
    }

    /// The store of cache directory `dir` (created if missing), with every preimage it holds.
    pub fn open(dir: &Path) -> Result<Self, StoreError> {
        let path = dir.join(LOG);
        let io = |source| StoreError::Io { path: path.clone(), source };
        std::fs::create_dir_all(dir).map_err(io)?;
        let mut file =
            OpenOptions::new().read(true).append(true).create(true).open(&path).map_err(io)?;
        let mut data = Vec::new();
        file.read_to_end(&mut data).map_err(io)?;
        let (map, whole) = parse(&data);
        if whole < data.len() {
            tracing::warn!(
                target: "lamina::proof",
                path = %path.display(),
                dropped = data.len() - whole,
                "preimage cache ends in a cut record: dropped"
            );
            file.set_len(whole as u64).map_err(io)?;
        }
        let bytes = map.values().map(|v| v.len() as u64).sum();
        let inner = Inner { map, log: Some(BufWriter::new(file)), bytes };
        Ok(Self { inner: Mutex::new(inner), path: Some(path) })
    }

    fn inner(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The preimage of `key`.
    pub fn get(&self, key: &PreimageKey) -> Option<Bytes> {
        self.inner().map.get(key).cloned()
    }

    /// Whether `key` is known.
    pub fn contains(&self, key: &PreimageKey) -> bool {
        self.inner().map.contains_key(key)
    }

    /// Adds a preimage (a key already there is left as it is).
    pub fn insert(&self, key: PreimageKey, data: Bytes) -> Result<(), StoreError> {
        let mut inner = self.inner();
        if inner.map.contains_key(&key) {
            return Ok(());
        }
        if let Some(log) = inner.log.as_mut() {
            let len = u32::try_from(data.len()).unwrap_or(u32::MAX);
            let write = log
                .write_all(key.0.as_slice())
                .and_then(|()| log.write_all(&len.to_be_bytes()))
                .and_then(|()| log.write_all(&data));
            write.map_err(|source| StoreError::Io {
                path: self.path.clone().unwrap_or_default(),
                source,
            })?;
        }
        inner.bytes += data.len() as u64;
        inner.map.insert(key, data);
        Ok(())
    }

    /// Writes what is buffered to the file.
    pub fn flush(&self) -> Result<(), StoreError> {
        if let Some(log) = self.inner().log.as_mut() {
            log.flush().map_err(|source| StoreError::Io {
                path: self.path.clone().unwrap_or_default(),
                source,
            })?;
        }
        Ok(())
    }

    /// Preimages held, and their bytes.
    pub fn size(&self) -> (usize, u64) {
        let inner = self.inner();
        (inner.map.len(), inner.bytes)
    }
}

impl Drop for PreimageStore {
    fn drop(&mut self) {
        if let Err(e) = self.flush() {
            tracing::warn!(target: "lamina::proof", error = %e, "preimage cache not flushed");
        }
    }
}

/// The records of a log and the length of its whole records.
fn parse(data: &[u8]) -> (HashMap<PreimageKey, Bytes>, usize) {
    let mut map = HashMap::new();
    let mut at = 0;
    while let Some(head) = data.get(at..at + 36) {
        let mut len = [0u8; 4];
        len.copy_from_slice(&head[32..]);
        let len = u32::from_be_bytes(len) as usize;
        if len > MAX_RECORD {
            break;
        }
        let Some(body) = data.get(at + 36..at + 36 + len) else { break };
        map.insert(PreimageKey(B256::from_slice(&head[..32])), Bytes::copy_from_slice(body));
        at += 36 + len;
    }
    (map, at)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cache_survives_a_reopen_and_a_cut_record() {
        let dir = tempfile::tempdir().unwrap();
        let a = PreimageKey::keccak(B256::repeat_byte(1));
        let b = PreimageKey::local(4);
        {
            let store = PreimageStore::open(dir.path()).unwrap();
            store.insert(a, Bytes::from_static(b"alpha")).unwrap();
            store.insert(b, Bytes::from_static(&[0, 0, 0, 0, 0, 0, 0, 9])).unwrap();
        }
        // A crash in the middle of a third record.
        let path = dir.path().join(LOG);
        let mut f = OpenOptions::new().append(true).open(&path).unwrap();
        f.write_all(&[2; 33]).unwrap();
        drop(f);
        let store = PreimageStore::open(dir.path()).unwrap();
        assert_eq!(store.get(&a).unwrap().as_ref(), b"alpha");
        assert_eq!(store.get(&b).unwrap().len(), 8);
        assert_eq!(store.size(), (2, 13));
        let c = PreimageKey::keccak(B256::repeat_byte(3));
        store.insert(c, Bytes::from_static(b"gamma")).unwrap();
        drop(store);
        let store = PreimageStore::open(dir.path()).unwrap();
        assert_eq!(store.get(&c).unwrap().as_ref(), b"gamma");
        assert_eq!(store.size().0, 3);
    }
}
