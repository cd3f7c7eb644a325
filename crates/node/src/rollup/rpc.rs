//! The rollup node's JSON-RPC (op-node's `optimism_` namespace, and `admin_` when enabled):
//! sync status, output roots, safe heads by L1 block, the rollup config, the version, and the
//! sequencer and derivation switches, and unsafe blocks posted by an operator
//! (`admin_postUnsafePayload`, as op-conductor posts them). Shapes follow op-node so its clients (the proposer, dashboards, viem's
//! op-stack actions) read them unchanged.

use std::sync::{Arc, atomic::Ordering};

use alloy_primitives::{B256, U64};
use jsonrpsee::{
    RpcModule,
    types::{ErrorObject, ErrorObjectOwned},
};
use lamina_p2p::validate::payload_block_hash;
use lamina_protocol::{BlockId, output_root::OutputRootV0};
use op_alloy_rpc_types_engine::OpExecutionPayloadEnvelope;
use serde::Serialize;
use tokio::sync::watch;

use super::{
    EngineL2, RollupError,
    input::{Inbox, Input},
    port::{ExecutionEngine, Payload},
    safe_db::SafeDb,
    service::{Control, Mode, RollupNode},
    status::{L2Ref, SyncStatus},
};

/// `optimism_outputAtBlock`'s answer.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct OutputResponse {
    /// Output root version (zero).
    pub version: B256,
    /// The output root.
    pub output_root: B256,
    /// The block.
    pub block_ref: L2Ref,
    /// The L2ToL1MessagePasser's storage root.
    pub withdrawal_storage_root: B256,
    /// The block's state root.
    pub state_root: B256,
    /// The node's status when answering.
    pub sync_status: SyncStatus,
}

/// `optimism_safeHeadAtL1Block`'s answer.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SafeHeadResponse {
    /// The L1 block the safe head was derived up to.
    pub l1_block: BlockId,
    /// The safe head.
    pub safe_head: BlockId,
}

struct Ctx<E> {
    engine: E,
    safe_db: Option<Arc<SafeDb>>,
    status: watch::Receiver<SyncStatus>,
    control: Arc<Control>,
    inbox: Inbox,
}

fn error(code: i32, msg: impl Into<String>) -> ErrorObjectOwned {
    ErrorObject::owned(code, msg.into(), None::<()>)
}

/// The output root of canonical block `number` and the block.
pub async fn output_at<E: ExecutionEngine>(
    engine: &E,
    number: u64,
) -> Result<(OutputRootV0, L2Ref), RollupError> {
    let missing = || RollupError::MissingBlock(number);
    let (state_root, message_passer_storage_root, block_hash) =
        engine.output_parts(number).await?.ok_or_else(missing)?;
    let info = EngineL2::new(engine.clone()).info(number).await?.ok_or_else(missing)?;
    let output = OutputRootV0 { state_root, message_passer_storage_root, block_hash };
    Ok((output, info.into()))
}

/// The node's RPC module; `admin` adds the `admin_` methods.
pub fn module<E: ExecutionEngine>(node: &RollupNode<E>, admin: bool) -> RpcModule<()> {
    let ctx = Arc::new(Ctx {
        engine: node.engine.clone(),
        safe_db: node.safe_db.clone(),
        status: node.status.clone(),
        control: node.control.clone(),
        inbox: node.inbox.clone(),
    });
    let mut m = RpcModule::new(());
    let c = ctx.clone();
    let r = m.register_method("optimism_syncStatus", move |_, _, _| {
        Ok::<_, ErrorObjectOwned>(c.status.borrow().clone())
    });
    log_err(r.map(|_| ()));
    let c = ctx.clone();
    let r = m.register_async_method("optimism_outputAtBlock", move |p, _, _| {
        let c = c.clone();
        async move {
            let (number,): (U64,) = p.parse()?;
            let (output, block_ref) = output_at(&c.engine, number.to())
                .await
                .map_err(|e| error(-32000, format!("output at block {number}: {e}")))?;
            Ok::<_, ErrorObjectOwned>(OutputResponse {
                version: OutputRootV0::VERSION,
                output_root: output.hash(),
                block_ref,
                withdrawal_storage_root: output.message_passer_storage_root,
                state_root: output.state_root,
                sync_status: c.status.borrow().clone(),
            })
        }
    });
    log_err(r.map(|_| ()));
    let c = ctx.clone();
    let r = m.register_blocking_method("optimism_safeHeadAtL1Block", move |p, _, _| {
        let (number,): (U64,) = p.parse()?;
        let db = c.safe_db.as_ref().ok_or_else(|| error(-32000, "safe head db not enabled"))?;
        let at = db
            .safe_head_at(number.to())
            .map_err(|e| error(-32000, e.to_string()))?
            .ok_or_else(|| error(-32000, format!("no safe head recorded at L1 block {number}")))?;
        Ok::<_, ErrorObjectOwned>(SafeHeadResponse { l1_block: at.l1, safe_head: at.safe })
    });
    log_err(r.map(|_| ()));
    let c = ctx.clone();
    let r = m.register_method("optimism_rollupConfig", move |_, _, _| {
        Ok::<_, ErrorObjectOwned>(c.engine.rollup().clone())
    });
    log_err(r.map(|_| ()));
    let r = m.register_method("optimism_version", |_, _, _| {
        format!("lamina/v{}", env!("CARGO_PKG_VERSION"))
    });
    log_err(r.map(|_| ()));
    if admin {
        admin_methods(&mut m, &ctx);
    }
    m
}

fn admin_methods<E: ExecutionEngine>(m: &mut RpcModule<()>, ctx: &Arc<Ctx<E>>) {
    let c = ctx.clone();
    let r = m.register_method("admin_sequencerActive", move |_, _, _| {
        c.control.sequencer_active.load(Ordering::SeqCst)
    });
    log_err(r.map(|_| ()));
    let c = ctx.clone();
    let r = m.register_method("admin_startSequencer", move |p, _, _| {
        if c.control.mode != Mode::Sequencer {
            return Err(error(-32000, "not a sequencer"));
        }
        let (hash,): (B256,) = p.parse()?;
        let head = c.status.borrow().unsafe_l2.hash;
        if hash != head {
            return Err(error(-32000, format!("block {hash} is not the unsafe head {head}")));
        }
        if c.control.sequencer_active.swap(true, Ordering::SeqCst) {
            return Err(error(-32000, "sequencer already running"));
        }
        // The switch is already on; waking the loop only saves it a poll interval.
        let _ = c.inbox.offer(Input::SequencerToggled);
        Ok(())
    });
    log_err(r.map(|_| ()));
    let c = ctx.clone();
    let r = m.register_method("admin_stopSequencer", move |_, _, _| {
        if !c.control.sequencer_active.swap(false, Ordering::SeqCst) {
            return Err(error(-32000, "sequencer not running"));
        }
        Ok(c.status.borrow().unsafe_l2.hash)
    });
    log_err(r.map(|_| ()));
    let c = ctx.clone();
    let r = m.register_method("admin_resetDerivationPipeline", move |_, _, _| {
        c.inbox.offer(Input::ResetDerivation).map_err(|e| error(-32000, e.to_string()))
    });
    log_err(r.map(|_| ()));
    let c = ctx.clone();
    let r = m.register_async_method("admin_postUnsafePayload", move |p, _, _| {
        let c = c.clone();
        async move {
            let (env,): (OpExecutionPayloadEnvelope,) = p.parse()?;
            let claimed = env.execution_payload.block_hash();
            let computed = payload_block_hash(&env.execution_payload, env.parent_beacon_block_root);
            if claimed != computed {
                return Err(error(
                    -32602,
                    format!("payload has bad block hash: {claimed}, computed {computed}"),
                ));
            }
            let payload =
                Payload::from_network(&env.execution_payload, env.parent_beacon_block_root);
            // Taken like a gossiped block: queued, inserted once it extends the head.
            c.inbox
                .send(Input::UnsafePayload(Arc::new(payload)))
                .await
                .map_err(|e| error(-32000, e.to_string()))
        }
    });
    log_err(r.map(|_| ()));
}

fn log_err(r: Result<(), jsonrpsee::core::RegisterMethodError>) {
    if let Err(e) = r {
        tracing::error!(target: "lamina::rpc", %e, "method not registered");
    }
}
