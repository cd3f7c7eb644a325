//! The derivation pipeline's ports over the preimage oracle: L1 headers, txs and receipts
//! ([`OracleL1`]), blobs ([`OracleBlobs`]) and the L2 chain ([`OracleL2`]: the blocks up to
//! the agreed one read by hash, the ones the run builds kept in memory). Everything read is
//! bound to the L1 head or the agreed block by hashes, so no host can feed the pipeline a
//! chain other than the one those commit to.

use alloc::{format, string::ToString, vec::Vec};
mod blobs;
mod l1;
mod l2;

use alloy_eips::eip2718::Decodable2718;
use alloy_primitives::{B256, Bytes};
use lamina_derive::SourceError;

pub use blobs::OracleBlobs;
pub use l1::OracleL1;
pub use l2::{L2Chain, OracleL2};

use crate::{
    list,
    preimage::{Hint, Oracle, OracleError, keccak},
};

/// An oracle failure as the pipeline sees it: the program cannot go on without the data, and
/// no retry will bring it.
fn source(e: OracleError) -> SourceError {
    SourceError::Unavailable(format!("preimage oracle: {e}"))
}

/// Sends `hint`, as a source error when the host refuses it.
fn hint(oracle: &impl Oracle, hint: Hint) -> Result<(), SourceError> {
    oracle.hint(&hint).map_err(source)
}

/// The list under `root` decoded item by item (`what` names an item in errors).
fn read_decoded<T: Decodable2718>(
    oracle: &impl Oracle,
    root: B256,
    what: impl core::fmt::Display,
) -> Result<Vec<T>, SourceError> {
    read_list(oracle, root)?
        .iter()
        .enumerate()
        .map(|(i, raw)| {
            T::decode_2718(&mut raw.as_ref())
                .map_err(|e| SourceError::Invalid(format!("{what} {i}: {e}")))
        })
        .collect()
}

/// The list under `root`, its nodes read through the oracle.
fn read_list(oracle: &impl Oracle, root: B256) -> Result<Vec<Bytes>, SourceError> {
    let mut failure = None;
    let out = list::read(root, &mut |h| match keccak(oracle, h) {
        Ok(node) => Some(node),
        Err(e) => {
            failure = Some(e);
            None
        }
    });
    match (out, failure) {
        (Ok(items), _) => Ok(items),
        // A node the oracle would not give: say why.
        (Err(_), Some(e)) => Err(source(e)),
        (Err(e), None) => Err(SourceError::Invalid(e.to_string())),
    }
}
