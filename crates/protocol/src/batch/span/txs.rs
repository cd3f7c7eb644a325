//! The transaction columns of a span batch and their conversion to and from full signed txs.
//!
//! `txs = contract_creation_bits ++ y_parity_bits ++ tx_sigs ++ tx_tos ++ tx_datas ++ tx_nonces
//! ++ tx_gases ++ protected_bits` (digest §4.7). Full txs need the L2 chain id, which the batch
//! does not carry.

use alloc::{
    string::{String, ToString},
    vec::Vec,
};
use alloy_consensus::{
    SignableTransaction, TxEip1559, TxEip2930, TxEip7702, TxEnvelope, TxLegacy,
    transaction::RlpEcdsaEncodableTx,
};
use alloy_eips::eip2718::{Decodable2718, Encodable2718};
use alloy_primitives::{Address, Bytes, Signature, TxKind, U256};

use super::{
    bits::{decode_bits, encode_bits},
    tx_data::{Eip1559Data, Eip2930Data, Eip7702Data, LegacyData, SpanTxData},
};
use crate::{
    codec::{Cursor, DecodeError, DecodeErrorKind, put_uvarint},
    constants::DEPOSIT_TX_TYPE,
};

/// The transaction columns, in wire order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SpanBatchTxs {
    /// Per tx: is it a contract creation (no `to`)?
    pub contract_creation_bits: Vec<bool>,
    /// Per tx: signature y parity.
    pub y_parity_bits: Vec<bool>,
    /// Per tx: signature `(r, s)`.
    pub sigs: Vec<(U256, U256)>,
    /// `to` of each tx that is not a creation, in order.
    pub tos: Vec<Address>,
    /// Per tx: the remaining fields.
    pub datas: Vec<SpanTxData>,
    /// Per tx: nonce.
    pub nonces: Vec<u64>,
    /// Per tx: gas limit.
    pub gases: Vec<u64>,
    /// Per legacy tx, in order: is it EIP-155 protected?
    pub protected_bits: Vec<bool>,
}

/// Why a tx could not enter or leave span-batch form.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SpanTxError {
    /// The tx bytes are not a valid signed EIP-2718 tx.
    #[error("tx {index}: {reason}")]
    InvalidTx {
        /// Position of the tx in the batch.
        index: usize,
        /// What failed.
        reason: String,
    },
    /// Deposits, blob txs and unknown types cannot be batched.
    #[error("tx {index}: type {tx_type:#04x} cannot appear in a batch")]
    UnsupportedType {
        /// Position of the tx in the batch.
        index: usize,
        /// Its type byte.
        tx_type: u8,
    },
    /// The tx is signed for another chain.
    #[error("tx {index}: chain id {found} is not the batch's chain id {expected}")]
    ChainIdMismatch {
        /// Position of the tx in the batch.
        index: usize,
        /// The L2 chain id.
        expected: u64,
        /// The tx's chain id.
        found: u64,
    },
    /// A type-4 tx is marked as a contract creation, which 7702 forbids.
    #[error("tx {index}: set-code tx cannot create a contract")]
    SetCodeCreation {
        /// Position of the tx in the batch.
        index: usize,
    },
    /// The columns disagree in length.
    #[error("span batch columns are inconsistent: {0}")]
    Inconsistent(&'static str),
}

impl SpanBatchTxs {
    /// Number of txs.
    pub fn len(&self) -> usize {
        self.datas.len()
    }

    /// True if there are no txs.
    pub fn is_empty(&self) -> bool {
        self.datas.is_empty()
    }

    /// Appends the wire form.
    pub fn encode_into(&self, out: &mut Vec<u8>) {
        encode_bits(&self.contract_creation_bits, out);
        encode_bits(&self.y_parity_bits, out);
        for (r, s) in &self.sigs {
            out.extend_from_slice(&r.to_be_bytes::<32>());
            out.extend_from_slice(&s.to_be_bytes::<32>());
        }
        for to in &self.tos {
            out.extend_from_slice(to.as_slice());
        }
        for d in &self.datas {
            d.encode_into(out);
        }
        for n in &self.nonces {
            put_uvarint(out, *n);
        }
        for g in &self.gases {
            put_uvarint(out, *g);
        }
        encode_bits(&self.protected_bits, out);
    }

    /// Reads `n` txs. Counts are checked against the bytes present before anything is
    /// allocated, so a hostile count cannot exhaust memory.
    pub fn decode(c: &mut Cursor<'_>, n: usize) -> Result<Self, DecodeError> {
        let contract_creation_bits = decode_bits(c, n, "contract_creation_bits")?;
        let y_parity_bits = decode_bits(c, n, "y_parity_bits")?;
        let sig_bytes = c.take(n.saturating_mul(64), "tx_sigs")?;
        let sigs = sig_bytes
            .chunks_exact(64)
            .map(|s| (U256::from_be_slice(&s[..32]), U256::from_be_slice(&s[32..])))
            .collect();
        let creations = contract_creation_bits.iter().filter(|b| **b).count();
        let to_bytes = c.take((n - creations) * 20, "tx_tos")?;
        let tos = to_bytes.chunks_exact(20).map(Address::from_slice).collect();
        let mut datas = Vec::with_capacity(n.min(c.remaining()));
        for _ in 0..n {
            datas.push(SpanTxData::decode(c)?);
        }
        let nonces = read_uvarints(c, n, "tx_nonces")?;
        let gases = read_uvarints(c, n, "tx_gases")?;
        let legacy = datas.iter().filter(|d| matches!(d, SpanTxData::Legacy(_))).count();
        let protected_bits = decode_bits(c, legacy, "protected_bits")?;
        Ok(Self {
            contract_creation_bits,
            y_parity_bits,
            sigs,
            tos,
            datas,
            nonces,
            gases,
            protected_bits,
        })
    }

    /// Adds a signed EIP-2718 tx for chain `chain_id`.
    pub fn push_tx(&mut self, raw: &[u8], chain_id: u64) -> Result<(), SpanTxError> {
        let index = self.len();
        match raw.first() {
            Some(&t) if t == DEPOSIT_TX_TYPE || t == 3 || (t > 4 && t < 0xc0) => {
                return Err(SpanTxError::UnsupportedType { index, tx_type: t });
            }
            _ => {}
        }
        let env = TxEnvelope::decode_2718_exact(raw)
            .map_err(|e| SpanTxError::InvalidTx { index, reason: e.to_string() })?;
        let check_chain = |found: u64| {
            if found == chain_id {
                Ok(())
            } else {
                Err(SpanTxError::ChainIdMismatch { index, expected: chain_id, found })
            }
        };
        let (sig, to, nonce, gas, data) = match &env {
            TxEnvelope::Legacy(s) => {
                let tx = s.tx();
                if let Some(id) = tx.chain_id {
                    check_chain(id)?;
                }
                self.protected_bits.push(tx.chain_id.is_some());
                let data = SpanTxData::Legacy(LegacyData {
                    value: tx.value,
                    gas_price: tx.gas_price,
                    data: tx.input.clone(),
                });
                (s.signature(), tx.to, tx.nonce, tx.gas_limit, data)
            }
            TxEnvelope::Eip2930(s) => {
                let tx = s.tx();
                check_chain(tx.chain_id)?;
                let data = SpanTxData::Eip2930(Eip2930Data {
                    value: tx.value,
                    gas_price: tx.gas_price,
                    data: tx.input.clone(),
                    access_list: tx.access_list.clone(),
                });
                (s.signature(), tx.to, tx.nonce, tx.gas_limit, data)
            }
            TxEnvelope::Eip1559(s) => {
                let tx = s.tx();
                check_chain(tx.chain_id)?;
                let data = SpanTxData::Eip1559(Eip1559Data {
                    value: tx.value,
                    max_priority_fee_per_gas: tx.max_priority_fee_per_gas,
                    max_fee_per_gas: tx.max_fee_per_gas,
                    data: tx.input.clone(),
                    access_list: tx.access_list.clone(),
                });
                (s.signature(), tx.to, tx.nonce, tx.gas_limit, data)
            }
            TxEnvelope::Eip7702(s) => {
                let tx = s.tx();
                check_chain(tx.chain_id)?;
                let data = SpanTxData::Eip7702(Eip7702Data {
                    value: tx.value,
                    max_priority_fee_per_gas: tx.max_priority_fee_per_gas,
                    max_fee_per_gas: tx.max_fee_per_gas,
                    data: tx.input.clone(),
                    access_list: tx.access_list.clone(),
                    authorization_list: tx.authorization_list.clone(),
                });
                (s.signature(), TxKind::Call(tx.to), tx.nonce, tx.gas_limit, data)
            }
            TxEnvelope::Eip4844(_) => {
                return Err(SpanTxError::UnsupportedType { index, tx_type: 3 });
            }
        };
        self.contract_creation_bits.push(to.is_create());
        if let TxKind::Call(addr) = to {
            self.tos.push(addr);
        }
        self.y_parity_bits.push(sig.v());
        self.sigs.push((sig.r(), sig.s()));
        self.nonces.push(nonce);
        self.gases.push(gas);
        self.datas.push(data);
        Ok(())
    }

    /// Rebuilds the full signed txs for chain `chain_id`, as canonical EIP-2718 bytes.
    pub fn full_txs(&self, chain_id: u64) -> Result<Vec<Bytes>, SpanTxError> {
        let n = self.len();
        if self.contract_creation_bits.len() != n
            || self.y_parity_bits.len() != n
            || self.sigs.len() != n
            || self.nonces.len() != n
            || self.gases.len() != n
        {
            return Err(SpanTxError::Inconsistent("per-tx columns differ in length"));
        }
        let mut tos = self.tos.iter();
        let mut protected = self.protected_bits.iter();
        let mut out = Vec::with_capacity(n);
        for (index, data) in self.datas.iter().enumerate() {
            let (r, s) = self.sigs[index];
            let sig = Signature::new(r, s, self.y_parity_bits[index]);
            let to = if self.contract_creation_bits[index] {
                TxKind::Create
            } else {
                TxKind::Call(*tos.next().ok_or(SpanTxError::Inconsistent("too few tx_tos"))?)
            };
            let nonce = self.nonces[index];
            let gas_limit = self.gases[index];
            let raw = match data {
                SpanTxData::Legacy(d) => {
                    let is_protected = *protected
                        .next()
                        .ok_or(SpanTxError::Inconsistent("too few protected bits"))?;
                    let tx = TxLegacy {
                        chain_id: is_protected.then_some(chain_id),
                        nonce,
                        gas_price: d.gas_price,
                        gas_limit,
                        to,
                        value: d.value,
                        input: d.data.clone(),
                    };
                    encode_signed(tx, sig)
                }
                SpanTxData::Eip2930(d) => encode_signed(
                    TxEip2930 {
                        chain_id,
                        nonce,
                        gas_price: d.gas_price,
                        gas_limit,
                        to,
                        value: d.value,
                        access_list: d.access_list.clone(),
                        input: d.data.clone(),
                    },
                    sig,
                ),
                SpanTxData::Eip1559(d) => encode_signed(
                    TxEip1559 {
                        chain_id,
                        nonce,
                        gas_limit,
                        max_fee_per_gas: d.max_fee_per_gas,
                        max_priority_fee_per_gas: d.max_priority_fee_per_gas,
                        to,
                        value: d.value,
                        access_list: d.access_list.clone(),
                        input: d.data.clone(),
                    },
                    sig,
                ),
                SpanTxData::Eip7702(d) => {
                    let TxKind::Call(to) = to else {
                        return Err(SpanTxError::SetCodeCreation { index });
                    };
                    encode_signed(
                        TxEip7702 {
                            chain_id,
                            nonce,
                            gas_limit,
                            max_fee_per_gas: d.max_fee_per_gas,
                            max_priority_fee_per_gas: d.max_priority_fee_per_gas,
                            to,
                            value: d.value,
                            access_list: d.access_list.clone(),
                            authorization_list: d.authorization_list.clone(),
                            input: d.data.clone(),
                        },
                        sig,
                    )
                }
            };
            out.push(raw);
        }
        Ok(out)
    }
}

fn encode_signed<T>(tx: T, sig: Signature) -> Bytes
where
    T: SignableTransaction<Signature> + RlpEcdsaEncodableTx,
    TxEnvelope: From<alloy_consensus::Signed<T>>,
{
    // `new_unhashed` skips the tx hash (a second encoding plus keccak): only the bytes are needed.
    TxEnvelope::from(alloy_consensus::Signed::new_unhashed(tx, sig)).encoded_2718().into()
}

fn read_uvarints(
    c: &mut Cursor<'_>,
    n: usize,
    field: &'static str,
) -> Result<Vec<u64>, DecodeError> {
    // Each varint takes at least one byte.
    if c.remaining() < n {
        return Err(
            c.err(field, DecodeErrorKind::UnexpectedEof { needed: n, available: c.remaining() })
        );
    }
    (0..n).map(|_| c.uvarint(field)).collect()
}
