//! What a run is about, from a rollup node: the chain's config, the agreed output (of the block
//! before the one in dispute), the node's own output of that block (the default claim) and the
//! L1 head (the L1 block at which the block became safe, found with
//! `optimism_safeHeadAtL1Block`, as op-challenger bounds its claims). Saved beside the preimage
//! cache so the same run can be repeated offline.

use std::path::{Path, PathBuf};

use alloy_primitives::{B256, Bytes, U64};
use jsonrpsee::{core::client::ClientT, http_client::HttpClient, rpc_params};
use lamina_proof::{boot::BootInfo, preimage::PreimageKey};
use lamina_protocol::{RollupConfig, output_root::OutputRootV0};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::ProofError;

/// The inputs of a run about L2 block `l2_block`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunInputs {
    /// The block in dispute.
    pub l2_block: u64,
    /// The L1 head the run derives up to.
    pub l1_head: B256,
    /// The output of block `l2_block - 1`.
    pub agreed: OutputRootV0,
    /// The node's output of `l2_block`.
    pub node_output: B256,
    /// The chain's rollup config (JSON, as the program reads it).
    pub rollup_config: String,
}

impl RunInputs {
    /// Where the inputs of block `n` are saved in cache directory `dir`.
    pub fn path(dir: &Path, n: u64) -> PathBuf {
        dir.join(format!("run-{n}.json"))
    }

    /// Saves them in `dir`.
    pub fn save(&self, dir: &Path) -> Result<(), ProofError> {
        let path = Self::path(dir, self.l2_block);
        let json =
            serde_json::to_vec_pretty(self).map_err(|e| ProofError::Config(e.to_string()))?;
        std::fs::write(&path, json).map_err(|source| ProofError::Io { path, source })
    }

    /// The inputs of block `n` saved in `dir`.
    pub fn load(dir: &Path, n: u64) -> Result<Self, ProofError> {
        let path = Self::path(dir, n);
        let text =
            std::fs::read(&path).map_err(|source| ProofError::Io { path: path.clone(), source })?;
        serde_json::from_slice(&text)
            .map_err(|e| ProofError::Config(format!("{}: {e}", path.display())))
    }

    /// The chain's config.
    pub fn config(&self) -> Result<RollupConfig, ProofError> {
        RollupConfig::from_json(&self.rollup_config).map_err(|e| ProofError::Config(e.to_string()))
    }

    /// The preimages the program boots from, claiming `claim`: its local inputs and the
    /// keccak preimages of the config and the agreed output.
    pub fn preimages(&self, claim: B256) -> Result<Vec<(PreimageKey, Bytes)>, ProofError> {
        let cfg = self.config()?;
        let mut out = BootInfo::locals(
            self.l1_head,
            self.agreed.hash(),
            claim,
            self.l2_block,
            cfg.l2_chain_id,
            self.rollup_config.as_bytes(),
        );
        out.push((
            PreimageKey::keccak(self.agreed.hash()),
            Bytes::copy_from_slice(&self.agreed.preimage()),
        ));
        Ok(out)
    }
}

/// A number in JSON, as a number or a hex string.
fn num(v: &Value) -> Option<u64> {
    v.as_u64()
        .or_else(|| v.as_str().and_then(|s| u64::from_str_radix(s.strip_prefix("0x")?, 16).ok()))
}

fn field<'a>(v: &'a Value, path: &[&str]) -> Result<&'a Value, ProofError> {
    path.iter().try_fold(v, |v, k| v.get(k)).ok_or_else(|| {
        ProofError::Node(format!("the rollup node's answer lacks {}", path.join(".")))
    })
}

fn hash(v: &Value, path: &[&str]) -> Result<B256, ProofError> {
    serde_json::from_value(field(v, path)?.clone())
        .map_err(|e| ProofError::Node(format!("{}: {e}", path.join("."))))
}

async fn call(rollup: &HttpClient, method: &str, arg: Option<u64>) -> Result<Value, ProofError> {
    let out = match arg {
        Some(n) => rollup.request(method, rpc_params![U64::from(n)]).await,
        None => rollup.request(method, rpc_params![]).await,
    };
    out.map_err(|e| ProofError::Node(format!("{method}: {e}")))
}

/// The output of block `n` as the node computes it, checked to hash to the root it states.
async fn output(rollup: &HttpClient, n: u64) -> Result<(OutputRootV0, Value), ProofError> {
    let v = call(rollup, "optimism_outputAtBlock", Some(n)).await?;
    let out = OutputRootV0 {
        state_root: hash(&v, &["stateRoot"])?,
        message_passer_storage_root: hash(&v, &["withdrawalStorageRoot"])?,
        block_hash: hash(&v, &["blockRef", "hash"])?,
    };
    let root = hash(&v, &["outputRoot"])?;
    if out.hash() != root {
        return Err(ProofError::Node(format!("output of block {n} does not hash to {root}")));
    }
    Ok((out, v))
}

/// The inputs of a run about block `n`, from the rollup node `rollup`; `l1_head` overrides
/// the L1 block at which `n` became safe.
pub async fn prepare(
    rollup: &HttpClient,
    n: u64,
    l1_head: Option<B256>,
) -> Result<RunInputs, ProofError> {
    if n == 0 {
        return Err(ProofError::Config("block 0 is genesis: nothing to prove".into()));
    }
    let cfg_json = call(rollup, "optimism_rollupConfig", None).await?;
    let cfg = RollupConfig::from_json(&cfg_json.to_string())
        .map_err(|e| ProofError::Node(format!("rollup config: {e}")))?;
    let (agreed, _) = output(rollup, n - 1).await?;
    let (node, v) = output(rollup, n).await?;
    let l1_head = match l1_head {
        Some(h) => h,
        None => {
            let origin = num(field(&v, &["blockRef", "l1origin", "number"])?)
                .ok_or_else(|| ProofError::Node("blockRef.l1origin.number".into()))?;
            safe_at(rollup, n, origin).await?
        }
    };
    Ok(RunInputs {
        l2_block: n,
        l1_head,
        agreed,
        node_output: node.hash(),
        rollup_config: cfg.to_json(),
    })
}

/// The first L1 block at which the node's safe head reached `n` (searched from `from`, the
/// block's L1 origin, up to the L1 block derivation has read).
async fn safe_at(rollup: &HttpClient, n: u64, from: u64) -> Result<B256, ProofError> {
    let status = call(rollup, "optimism_syncStatus", None).await?;
    let to = num(field(&status, &["current_l1", "number"])?)
        .ok_or_else(|| ProofError::Node("current_l1.number".into()))?;
    // The safe head at L1 block `x`: (its L1 block, its number), if any is recorded.
    let at = |x: u64| async move {
        match call(rollup, "optimism_safeHeadAtL1Block", Some(x)).await {
            Ok(v) => {
                let l1 = hash(&v, &["l1Block", "hash"])?;
                let safe = num(field(&v, &["safeHead", "number"])?)
                    .ok_or_else(|| ProofError::Node("safeHead.number".into()))?;
                Ok::<_, ProofError>(Some((l1, safe)))
            }
            Err(_) => Ok(None),
        }
    };
    let reached = |r: &Option<(B256, u64)>| r.is_some_and(|(_, s)| s >= n);
    let top = at(to).await?;
    if !reached(&top) {
        return Err(ProofError::NotSafe(n));
    }
    let (mut lo, mut hi, mut best) = (from, to, top);
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        let r = at(mid).await?;
        if reached(&r) {
            hi = mid;
            best = r;
        } else {
            lo = mid + 1;
        }
    }
    best.map(|(l1, _)| l1).ok_or(ProofError::NotSafe(n))
}
