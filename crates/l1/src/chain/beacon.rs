//! A beacon-API client for blobs: `RpcL1`'s source of the blob data batchers post. A block's
//! blobs are asked for by slot, computed from the node's genesis time and slot length
//! (`/eth/v1/beacon/genesis`, `/eth/v1/config/spec`); a node without the spec endpoint (anvil,
//! whose beacon endpoints take execution block numbers) is asked by block number. The Fulu
//! endpoint (`/eth/v1/beacon/blobs/{id}`) is tried first and the Deneb one
//! (`/eth/v1/beacon/blob_sidecars/{id}`) when the node lacks it. Every blob returned is checked
//! against the versioned hash it was asked for (KZG), so a wrong or lying node is caught here.

use std::sync::atomic::{AtomicBool, Ordering};

use alloy_eips::eip4844::{Bytes48, c_kzg, env_settings::EnvKzgSettings, kzg_to_versioned_hash};
use alloy_primitives::B256;
use serde::Deserialize;
use tokio::sync::OnceCell;

use super::blob::boxed_blob;
use super::{BoxedBlob, L1Error, L1Header};

/// How the node names the block of an L1 header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum BlockIds {
    /// By slot: `(timestamp - genesis) / seconds_per_slot`.
    Slots { genesis: u64, seconds_per_slot: u64 },
    /// By execution block number (anvil's beacon endpoints).
    Numbers,
}

/// A beacon node's blob endpoints.
#[derive(Debug)]
pub(crate) struct BeaconClient {
    http: reqwest::Client,
    base: url::Url,
    ids: OnceCell<BlockIds>,
    /// Set once the node turned out to lack the Fulu `/blobs/` endpoint.
    sidecars_only: AtomicBool,
}

#[derive(Deserialize)]
struct Data<T> {
    data: T,
}

#[derive(Deserialize)]
struct Genesis {
    /// Decimal, as the beacon API writes numbers.
    genesis_time: String,
}

#[derive(Deserialize)]
#[allow(non_snake_case)]
struct Spec {
    SECONDS_PER_SLOT: String,
}

#[derive(Deserialize)]
struct Sidecar {
    blob: alloy_primitives::Bytes,
    kzg_commitment: Bytes48,
    kzg_proof: Bytes48,
}

/// What one GET came back with.
enum Got {
    Json(Vec<u8>),
    /// 404/405/410/501: no such endpoint, or (404) no such block.
    Missing(String),
}

fn unavailable(e: impl std::fmt::Display) -> L1Error {
    L1Error::Unavailable(format!("beacon API: {e}"))
}

fn malformed(e: impl std::fmt::Display) -> L1Error {
    L1Error::Malformed(format!("beacon API: {e}"))
}

/// The largest beacon API response read: a block's blob sidecars in JSON are about 270 KB per
/// blob, so this holds a block with over a hundred blobs (Fulu's schedule allows 21 today).
pub(crate) const MAX_BEACON_RESPONSE: usize = 32 << 20;

impl BeaconClient {
    pub(crate) fn new(base: url::Url) -> Self {
        let http = reqwest::Client::builder()
            .timeout(std::time::Duration::from_secs(30))
            .build()
            .unwrap_or_default();
        Self { http, base, ids: OnceCell::new(), sidecars_only: AtomicBool::new(false) }
    }

    async fn get(&self, path: &str) -> Result<Got, L1Error> {
        let url = self.base.join(path).map_err(malformed)?;
        let mut response = self.http.get(url).send().await.map_err(unavailable)?;
        let status = response.status();
        // A response is read up to a bound, so a hostile or broken beacon node cannot make
        // the node buffer without limit.
        if response.content_length().is_some_and(|n| n > MAX_BEACON_RESPONSE as u64) {
            return Err(malformed(format!("response to {path} over {MAX_BEACON_RESPONSE} bytes")));
        }
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(unavailable)? {
            if body.len() + chunk.len() > MAX_BEACON_RESPONSE {
                return Err(malformed(format!(
                    "response to {path} over {MAX_BEACON_RESPONSE} bytes"
                )));
            }
            body.extend_from_slice(&chunk);
        }
        match status.as_u16() {
            200..=299 => Ok(Got::Json(body)),
            404 | 405 | 410 | 501 => Ok(Got::Missing(String::from_utf8_lossy(&body).into_owned())),
            // Busy, rate limited, or failing: another try later may do.
            429 | 500..=599 => Err(unavailable(format!("{status}"))),
            _ => Err(L1Error::Rpc {
                code: i64::from(status.as_u16()),
                message: String::from_utf8_lossy(&body).into_owned(),
            }),
        }
    }

    async fn json<T: for<'de> Deserialize<'de>>(&self, path: &str) -> Result<Option<T>, L1Error> {
        match self.get(path).await? {
            Got::Json(body) => serde_json::from_slice(&body).map(Some).map_err(malformed),
            Got::Missing(_) => Ok(None),
        }
    }

    async fn ids(&self) -> Result<BlockIds, L1Error> {
        self.ids
            .get_or_try_init(|| async {
                let genesis: Data<Genesis> = self
                    .json("eth/v1/beacon/genesis")
                    .await?
                    .ok_or_else(|| malformed("no /eth/v1/beacon/genesis"))?;
                let spec: Option<Data<Spec>> = self.json("eth/v1/config/spec").await?;
                let genesis =
                    genesis.data.genesis_time.parse().map_err(|_| malformed("genesis_time"))?;
                let ids = match spec {
                    Some(spec) => BlockIds::Slots {
                        genesis,
                        seconds_per_slot: spec
                            .data
                            .SECONDS_PER_SLOT
                            .parse()
                            .ok()
                            .filter(|s| *s > 0)
                            .ok_or_else(|| malformed("SECONDS_PER_SLOT"))?,
                    },
                    None => {
                        tracing::info!(
                            target: "l1::beacon",
                            "no /eth/v1/config/spec: asking for blobs by block number (anvil)"
                        );
                        BlockIds::Numbers
                    }
                };
                Ok(ids)
            })
            .await
            .copied()
    }

    /// The blobs of `block` with the versioned `hashes`, in that order.
    pub(crate) async fn blobs(
        &self,
        block: &L1Header,
        hashes: &[B256],
    ) -> Result<Vec<BoxedBlob>, L1Error> {
        if hashes.is_empty() {
            return Ok(Vec::new());
        }
        let id = match self.ids().await? {
            BlockIds::Slots { genesis, seconds_per_slot } => {
                let since = block.timestamp.checked_sub(genesis).ok_or_else(|| {
                    malformed(format!("block {} predates the beacon genesis", block.number))
                })?;
                since / seconds_per_slot
            }
            BlockIds::Numbers => block.number,
        };
        let mut found: Vec<(B256, BoxedBlob)> = Vec::with_capacity(hashes.len());
        let mut missing = None;
        if !self.sidecars_only.load(Ordering::Relaxed) {
            let list: Vec<String> = hashes.iter().map(ToString::to_string).collect();
            let path = format!("eth/v1/beacon/blobs/{id}?versioned_hashes={}", list.join(","));
            match self.get(&path).await? {
                Got::Json(body) => {
                    let blobs: Data<Vec<alloy_primitives::Bytes>> =
                        serde_json::from_slice(&body).map_err(malformed)?;
                    for raw in blobs.data {
                        let blob = to_blob(&raw)?;
                        found.push((versioned_hash(&blob)?, blob));
                    }
                    return pick(block, hashes, found);
                }
                Got::Missing(why) => missing = Some(why),
            }
        }
        match self.get(&format!("eth/v1/beacon/blob_sidecars/{id}")).await? {
            Got::Json(body) => {
                if missing.is_some() {
                    self.sidecars_only.store(true, Ordering::Relaxed);
                }
                let sidecars: Data<Vec<Sidecar>> =
                    serde_json::from_slice(&body).map_err(malformed)?;
                for s in sidecars.data {
                    let hash = kzg_to_versioned_hash(s.kzg_commitment.as_slice());
                    if !hashes.contains(&hash) {
                        continue;
                    }
                    let blob = to_blob(&s.blob)?;
                    verify(&blob, &s.kzg_commitment, &s.kzg_proof)?;
                    found.push((hash, blob));
                }
                pick(block, hashes, found)
            }
            // Neither endpoint knows the block: the node may not have it yet.
            Got::Missing(why) => {
                Err(L1Error::MissingBlobs { block: block.hash(), reason: missing.unwrap_or(why) })
            }
        }
    }
}

fn to_blob(raw: &[u8]) -> Result<BoxedBlob, L1Error> {
    boxed_blob(raw).ok_or_else(|| malformed(format!("a blob of {} bytes", raw.len())))
}

/// The versioned hash of the commitment to `blob` (which the node did not send).
fn versioned_hash(blob: &BoxedBlob) -> Result<B256, L1Error> {
    let kzg = EnvKzgSettings::Default.get();
    let blob = c_kzg_blob(blob);
    let commitment = kzg.blob_to_kzg_commitment(&blob).map_err(malformed)?;
    Ok(kzg_to_versioned_hash(commitment.to_bytes().as_slice()))
}

/// c-kzg's copy of a blob, on the heap.
fn c_kzg_blob(blob: &BoxedBlob) -> Box<c_kzg::Blob> {
    let mut out = Box::new(c_kzg::Blob::default());
    out.copy_from_slice(blob.as_slice());
    out
}

/// Checks the sidecar's proof that `commitment` commits to `blob`.
fn verify(blob: &BoxedBlob, commitment: &Bytes48, proof: &Bytes48) -> Result<(), L1Error> {
    let kzg = EnvKzgSettings::Default.get();
    let c_blob = c_kzg_blob(blob);
    let ok = kzg
        .verify_blob_kzg_proof(
            &c_blob,
            &c_kzg::Bytes48::new(commitment.0),
            &c_kzg::Bytes48::new(proof.0),
        )
        .map_err(malformed)?;
    if ok { Ok(()) } else { Err(malformed("a blob's KZG proof does not verify")) }
}

/// The blobs for `hashes` in order, from what the node sent.
/// (Two txs may carry the same blob, so a hash may be asked for twice.)
fn pick(
    block: &L1Header,
    hashes: &[B256],
    found: Vec<(B256, BoxedBlob)>,
) -> Result<Vec<BoxedBlob>, L1Error> {
    hashes
        .iter()
        .map(|h| {
            found.iter().find(|(have, _)| have == h).map(|(_, blob)| blob.clone()).ok_or_else(
                || L1Error::MissingBlobs {
                    block: block.hash(),
                    reason: format!("the node has no blob {h}"),
                },
            )
        })
        .collect()
}
