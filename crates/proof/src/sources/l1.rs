//! L1 through the oracle. Headers come by hash; a number is resolved by walking parent hashes
//! back from the L1 head (the oracle knows nothing by number), and nothing past the head
//! exists. A block's txs and receipts are read from its header's tx and receipt tries.

use alloc::{collections::BTreeMap, sync::Arc};
use alloc::{format, vec::Vec};

use spin::{Mutex, MutexGuard};

use alloy_consensus::{Header, ReceiptEnvelope, Sealed, TxEnvelope};
use alloy_primitives::{B256, map::HashMap};
use alloy_rlp::Decodable;
use lamina_derive::{L1Source, SourceError, ports::L1Header};

use super::{hint, read_decoded, source};
use crate::preimage::{Hint, Oracle, keccak};

/// Headers read so far.
#[derive(Debug, Default)]
struct Headers {
    by_hash: HashMap<B256, L1Header>,
    /// The canonical chain below the head, down to the lowest header walked to.
    by_number: BTreeMap<u64, B256>,
}

/// L1 as the oracle sees it from `head`.
#[derive(Debug)]
pub struct OracleL1<O> {
    oracle: Arc<O>,
    head: B256,
    headers: Mutex<Headers>,
}

impl<O: Oracle> OracleL1<O> {
    /// L1 up to the block with hash `head`.
    pub fn new(oracle: Arc<O>, head: B256) -> Self {
        Self { oracle, head, headers: Mutex::default() }
    }

    fn headers(&self) -> MutexGuard<'_, Headers> {
        // The program is single-threaded: the lock is never contended.
        self.headers.lock()
    }

    /// The header with `hash`, read and checked.
    fn load(&self, hash: B256) -> Result<L1Header, SourceError> {
        if let Some(h) = self.headers().by_hash.get(&hash) {
            return Ok(h.clone());
        }
        hint(&*self.oracle, Hint::L1BlockHeader(hash))?;
        let rlp = keccak(&*self.oracle, hash).map_err(source)?;
        let header = Header::decode(&mut rlp.as_ref())
            .map_err(|e| SourceError::Invalid(format!("L1 header {hash}: {e}")))?;
        let sealed = Sealed::new_unchecked(header, hash);
        self.headers().by_hash.insert(hash, sealed.clone());
        Ok(sealed)
    }
}

impl<O: Oracle> L1Source for OracleL1<O> {
    async fn header_by_number(&self, number: u64) -> Result<Option<L1Header>, SourceError> {
        let known = self.headers().by_number.get(&number).copied();
        if let Some(hash) = known {
            return self.load(hash).map(Some);
        }
        // Walk down from the lowest header walked to so far (the head at first).
        let lowest = self.headers().by_number.first_key_value().map(|(n, h)| (*n, *h));
        let mut at = match lowest {
            Some((_, hash)) => self.load(hash)?,
            None => {
                let head = self.load(self.head)?;
                self.headers().by_number.insert(head.number, head.hash());
                head
            }
        };
        if number > at.number {
            // Above the lowest header: either known above or past the head.
            let found = self.headers().by_number.get(&number).copied();
            return match found {
                Some(hash) => self.load(hash).map(Some),
                None => Ok(None),
            };
        }
        while at.number > number {
            let parent = self.load(at.parent_hash)?;
            if parent.number + 1 != at.number {
                return Err(SourceError::Invalid(format!(
                    "L1 header {} has parent {} numbered {}",
                    at.number,
                    parent.hash(),
                    parent.number
                )));
            }
            self.headers().by_number.insert(parent.number, parent.hash());
            at = parent;
        }
        Ok(Some(at))
    }

    async fn header_by_hash(&self, hash: B256) -> Result<Option<L1Header>, SourceError> {
        self.load(hash).map(Some)
    }

    async fn transactions(&self, block: B256) -> Result<Vec<TxEnvelope>, SourceError> {
        let header = self.load(block)?;
        hint(&*self.oracle, Hint::L1Transactions(block))?;
        read_decoded(&*self.oracle, header.transactions_root, format_args!("L1 block {block} tx"))
    }

    async fn receipts(&self, block: B256) -> Result<Vec<ReceiptEnvelope>, SourceError> {
        let header = self.load(block)?;
        hint(&*self.oracle, Hint::L1Receipts(block))?;
        read_decoded(&*self.oracle, header.receipts_root, format_args!("L1 block {block} receipt"))
    }
}
