//! The dev L1's beacon API: the few read endpoints a rollup node uses to fetch blobs, served on
//! the JSON-RPC port (as anvil does) by a tower layer in front of the JSON-RPC server.
//!
//! - `GET /eth/v1/beacon/genesis`, `/eth/v1/config/spec`, `/eth/v1/node/version`;
//! - `GET /eth/v1/beacon/blob_sidecars/{block_id}[?indices=…]` (Deneb);
//! - `GET /eth/v1/beacon/blobs/{block_id}[?versioned_hashes=…]` (Fulu).
//!
//! Slots are seconds since the L1 genesis ([`SECONDS_PER_SLOT`] is 1): the dev L1 never mines
//! two blocks in one second, so each block has its own slot and a slot without a block is an
//! empty slot (404). A block id is a slot, `head`, `finalized`, `justified` (the safe block)
//! or `genesis`. There is no beacon chain behind it: a sidecar's signed header carries the
//! slot and the block's parent beacon root, but its other roots, signature and inclusion
//! proof are zeros. Clients check blobs against the txs' versioned hashes, which is what holds.

use std::{
    future::Future,
    pin::Pin,
    task::{Context, Poll},
};

use alloy_primitives::{B256, hex};
use jsonrpsee::{
    core::BoxError,
    server::{HttpBody, HttpRequest, HttpResponse},
};
use serde_json::{Value, json};
use tower::{Layer, Service};

use super::{DevL1, DevL1Error, StoredBlob};

/// Seconds per beacon slot on the dev L1.
pub const SECONDS_PER_SLOT: u64 = 1;

/// A beacon-API answer: status and JSON body.
type Answer = (http::StatusCode, Value);

fn error(status: http::StatusCode, message: impl std::fmt::Display) -> Answer {
    (status, json!({ "code": status.as_u16(), "message": message.to_string() }))
}

fn internal(e: DevL1Error) -> Answer {
    error(http::StatusCode::INTERNAL_SERVER_ERROR, e)
}

/// A block the beacon endpoint found: its number, slot, and whether it is finalized.
struct Found {
    hash: B256,
    slot: u64,
    finalized: bool,
    parent_beacon_root: B256,
}

impl DevL1 {
    /// The beacon genesis time: the L1 genesis block's timestamp.
    pub fn beacon_genesis_time(&self) -> Result<u64, DevL1Error> {
        Ok(self.store().header(0)?.ok_or(lamina_engine::StoreError::NoGenesis)?.timestamp)
    }

    /// The canonical block number at `slot`, if a block was mined in it.
    pub fn block_at_slot(&self, slot: u64) -> Result<Option<u64>, DevL1Error> {
        let store = self.store();
        let Some(time) = self.beacon_genesis_time()?.checked_add(slot * SECONDS_PER_SLOT) else {
            return Ok(None);
        };
        let head = self.forkchoice()?.head.number;
        let stamp = |n: u64| -> Result<u64, DevL1Error> {
            Ok(store.header(n)?.ok_or(lamina_engine::StoreError::UnknownBlock(n))?.timestamp)
        };
        // Timestamps rise strictly with the number: a binary search.
        let (mut lo, mut hi) = (0, head);
        while lo <= hi {
            let mid = lo + (hi - lo) / 2;
            match stamp(mid)?.cmp(&time) {
                std::cmp::Ordering::Equal => return Ok(Some(mid)),
                std::cmp::Ordering::Less => lo = mid + 1,
                std::cmp::Ordering::Greater if mid == 0 => break,
                std::cmp::Ordering::Greater => hi = mid - 1,
            }
        }
        Ok(None)
    }

    fn find(&self, id: &str) -> Result<Found, Answer> {
        let fc = self.forkchoice().map_err(internal)?;
        let number = match id {
            "head" => fc.head.number,
            "finalized" => fc.finalized.number,
            "justified" => fc.safe.number,
            "genesis" => 0,
            slot => {
                let slot: u64 = slot.parse().map_err(|_| {
                    error(
                        http::StatusCode::BAD_REQUEST,
                        format!("invalid block id {id}: the dev L1 takes slots and tags"),
                    )
                })?;
                self.block_at_slot(slot).map_err(internal)?.ok_or_else(|| {
                    error(http::StatusCode::NOT_FOUND, format!("no block at slot {slot}"))
                })?
            }
        };
        let genesis = self.beacon_genesis_time().map_err(internal)?;
        let header = self
            .store()
            .header(number)
            .map_err(|e| internal(e.into()))?
            .ok_or_else(|| error(http::StatusCode::NOT_FOUND, "block not found"))?;
        Ok(Found {
            hash: header.hash_slow(),
            slot: header.timestamp.saturating_sub(genesis) / SECONDS_PER_SLOT,
            finalized: number <= fc.finalized.number,
            parent_beacon_root: header.parent_beacon_block_root.unwrap_or_default(),
        })
    }

    /// Answers one beacon-API GET.
    fn beacon_answer(&self, path: &str, query: Option<&str>) -> Answer {
        match self.route(path, query) {
            Ok(answer) | Err(answer) => answer,
        }
    }

    fn route(&self, path: &str, query: Option<&str>) -> Result<Answer, Answer> {
        let ok = |data: Value| Ok((http::StatusCode::OK, json!({ "data": data })));
        let parts: Vec<&str> = path.trim_end_matches('/').split('/').collect();
        let (kind, id) = match parts.as_slice() {
            ["", "eth", "v1", "node", "version"] => {
                let version = format!("Lamina/v{}/dev-l1", env!("CARGO_PKG_VERSION"));
                return ok(json!({ "version": version }));
            }
            ["", "eth", "v1", "beacon", "genesis"] => {
                let time = self.beacon_genesis_time().map_err(internal)?;
                return ok(json!({
                    "genesis_time": time.to_string(),
                    "genesis_validators_root": B256::ZERO,
                    "genesis_fork_version": "0x00000000",
                }));
            }
            ["", "eth", "v1", "config", "spec"] => {
                return ok(json!({
                    "SECONDS_PER_SLOT": SECONDS_PER_SLOT.to_string(),
                    "SLOTS_PER_EPOCH": "32",
                    "DENEB_FORK_EPOCH": "0",
                    "ELECTRA_FORK_EPOCH": "0",
                }));
            }
            ["", "eth", "v1", "beacon", kind @ ("blob_sidecars" | "blobs"), id] => (*kind, *id),
            _ => return Err(error(http::StatusCode::NOT_FOUND, format!("no route {path}"))),
        };
        let found = self.find(id)?;
        let blobs = self.stored_blobs(found.hash).map_err(internal)?;
        let params = Query::parse(query);
        let data = if kind == "blobs" {
            blobs_json(&blobs, &params)?
        } else {
            sidecars_json(&found, &blobs, &params)?
        };
        Ok((
            http::StatusCode::OK,
            json!({ "execution_optimistic": false, "finalized": found.finalized, "data": data }),
        ))
    }
}

/// The Deneb `/blob_sidecars/` answer: the block's blobs with commitments and proofs, or those
/// at the asked indices.
fn sidecars_json(
    found: &Found,
    blobs: &[StoredBlob],
    params: &Query<'_>,
) -> Result<Vec<Value>, Answer> {
    let wanted: Vec<u64> = params
        .list("indices")
        .map(|s| s.parse::<u64>())
        .collect::<Result<_, _>>()
        .map_err(|e| error(http::StatusCode::BAD_REQUEST, format!("invalid indices: {e}")))?;
    let signed_header = json!({
        "message": {
            "slot": found.slot.to_string(),
            "proposer_index": "0",
            "parent_root": found.parent_beacon_root,
            "state_root": B256::ZERO,
            "body_root": B256::ZERO,
        },
        "signature": hex::encode_prefixed([0u8; 96]),
    });
    let inclusion_proof = vec![B256::ZERO; 17];
    Ok(blobs
        .iter()
        .enumerate()
        .filter(|(i, _)| wanted.is_empty() || wanted.contains(&(*i as u64)))
        .map(|(i, b)| {
            json!({
                "index": i.to_string(),
                "blob": hex::encode_prefixed(b.blob.as_slice()),
                "kzg_commitment": b.commitment,
                "kzg_proof": b.proof,
                "signed_block_header": signed_header,
                "kzg_commitment_inclusion_proof": inclusion_proof,
            })
        })
        .collect())
}

/// The `/blobs/` answer: the block's blobs, or those with the asked versioned hashes.
fn blobs_json(blobs: &[StoredBlob], params: &Query<'_>) -> Result<Vec<Value>, Answer> {
    let wanted: Vec<B256> = params
        .list("versioned_hashes")
        .map(|h| {
            h.parse().map_err(|e| {
                error(http::StatusCode::BAD_REQUEST, format!("invalid versioned hash {h}: {e}"))
            })
        })
        .collect::<Result<_, _>>()?;
    Ok(blobs
        .iter()
        .filter(|b| wanted.is_empty() || wanted.contains(&b.versioned_hash()))
        .map(|b| Value::String(hex::encode_prefixed(b.blob.as_slice())))
        .collect())
}

/// A query string's list parameters: `k=a,b` and `k=a&k=b` alike.
struct Query<'a> {
    pairs: Vec<(&'a str, &'a str)>,
}

impl<'a> Query<'a> {
    fn parse(query: Option<&'a str>) -> Self {
        let pairs =
            query.unwrap_or_default().split('&').filter_map(|kv| kv.split_once('=')).collect();
        Self { pairs }
    }

    fn list(&self, key: &'a str) -> impl Iterator<Item = &'a str> + '_ {
        self.pairs
            .iter()
            .filter(move |(k, _)| *k == key)
            .flat_map(|(_, v)| v.split(',').map(str::trim).filter(|v| !v.is_empty()))
    }
}

/// The tower layer that answers beacon-API GETs (`/eth/v1/…`) and passes everything else on
/// to the JSON-RPC server.
#[derive(Debug, Clone)]
pub struct BeaconLayer {
    l1: DevL1,
}

impl BeaconLayer {
    /// Serves `l1`'s beacon endpoints.
    pub const fn new(l1: DevL1) -> Self {
        Self { l1 }
    }
}

impl<S> Layer<S> for BeaconLayer {
    type Service = BeaconService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        BeaconService { inner, l1: self.l1.clone() }
    }
}

/// The service [`BeaconLayer`] puts in front of the JSON-RPC server.
#[derive(Debug, Clone)]
pub struct BeaconService<S> {
    inner: S,
    l1: DevL1,
}

type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send + 'static>>;

impl<S, B> Service<HttpRequest<B>> for BeaconService<S>
where
    S: Service<HttpRequest<B>, Response = HttpResponse>,
    S::Error: Into<BoxError> + 'static,
    S::Future: Send + 'static,
{
    type Response = HttpResponse;
    type Error = BoxError;
    type Future = BoxFuture<Result<HttpResponse, BoxError>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx).map_err(Into::into)
    }

    fn call(&mut self, request: HttpRequest<B>) -> Self::Future {
        let uri = request.uri();
        if request.method() != http::Method::GET || !uri.path().starts_with("/eth/v1/") {
            let fut = self.inner.call(request);
            return Box::pin(async move { fut.await.map_err(Into::into) });
        }
        let (path, query) = (uri.path().to_owned(), uri.query().map(str::to_owned));
        let l1 = self.l1.clone();
        Box::pin(async move {
            // Store reads and megabytes of hex: off the async workers.
            let (status, body) =
                tokio::task::spawn_blocking(move || l1.beacon_answer(&path, query.as_deref()))
                    .await?;
            tracing::debug!(target: "l1::dev::beacon", %status, "beacon API");
            let mut response = HttpResponse::new(HttpBody::from(body.to_string()));
            *response.status_mut() = status;
            response.headers_mut().insert(
                http::header::CONTENT_TYPE,
                http::HeaderValue::from_static("application/json"),
            );
            Ok(response)
        })
    }
}
