//! The fault-proof program: from the boot inputs alone, re-derive the L2 chain from the agreed
//! block up to the claimed one and say whether the claimed output root is right. It runs the
//! same pure driver as the node's verifier (`lamina_derive::driver`) over oracle-backed ports
//! and a stateless executor, so the program and the verifier cannot disagree on a rule.
//!
//! The verdict follows OP's program: an agreed output equal to the claim is valid at once;
//! a claimed block below the agreed one is invalid; otherwise derivation runs until the
//! claimed block is safe or L1 (up to the L1 head) is exhausted, and the output of the block
//! reached is compared with the claim.

use alloc::{
    borrow::ToOwned,
    format,
    string::{String, ToString},
};
mod executor;
mod verdict;

use alloc::sync::Arc;
use core::{
    future::Future,
    pin::pin,
    task::{Context, Poll, Waker},
};

use alloy_primitives::B256;
use lamina_derive::{
    Pipeline,
    driver::{self, DriverStep},
};
use lamina_evm::OpBlockBuilder;
use lamina_protocol::{
    BlockId,
    block::{Forkchoice, L2BlockInfo},
    output_root::OutputRootV0,
};

pub use executor::{ExecutorError, OraclePreimages, ProofExecutor};
pub use verdict::{Verdict, VerdictLineError};

use crate::{
    boot::{BootError, BootInfo},
    preimage::{Hint, Oracle, OracleError, keccak},
    sources::{L2Chain, OracleBlobs, OracleL1, OracleL2},
};

/// Why the program could not reach a verdict (a host that lacks data, inputs that do not fit
/// together). On chain any such end counts against the claim.
#[derive(Debug, thiserror::Error)]
pub enum ProgramError {
    /// The boot inputs.
    #[error("boot: {0}")]
    Boot(#[from] BootError),
    /// The oracle.
    #[error(transparent)]
    Oracle(#[from] OracleError),
    /// The agreed output's preimage is not an output root v0 of the agreed block.
    #[error("agreed output: {0}")]
    AgreedOutput(String),
    /// The agreed block cannot be read.
    #[error("agreed block: {0}")]
    AgreedBlock(lamina_derive::SourceError),
    /// Derivation or execution failed.
    #[error("driver: {0}")]
    Driver(String),
    /// The run awaited something that never completes (a port that does IO).
    #[error("the program awaited IO")]
    Blocked,
}

/// Runs the program on `oracle`.
pub fn run<O: Oracle + 'static>(oracle: Arc<O>) -> Result<Verdict, ProgramError> {
    let boot = BootInfo::load(&*oracle)?;
    block_on(run_boot(oracle, boot)).ok_or(ProgramError::Blocked)?
}

/// The output root preimage of `root`, decoded.
fn agreed_output(oracle: &impl Oracle, root: B256) -> Result<OutputRootV0, ProgramError> {
    oracle.hint(&Hint::L2Output(root))?;
    let data = keccak(oracle, root)?;
    let bad = |why: &str| ProgramError::AgreedOutput(why.to_owned());
    if data.len() != 128 {
        return Err(bad("not 128 bytes"));
    }
    if data[..32] != OutputRootV0::VERSION[..] {
        return Err(bad("not version 0"));
    }
    let word = |i: usize| B256::from_slice(&data[i * 32..(i + 1) * 32]);
    Ok(OutputRootV0 {
        state_root: word(1),
        message_passer_storage_root: word(2),
        block_hash: word(3),
    })
}

async fn run_boot<O: Oracle + 'static>(
    oracle: Arc<O>,
    boot: BootInfo,
) -> Result<Verdict, ProgramError> {
    let verdict = |output: &OutputRootV0, number, built| {
        let output_root = output.hash();
        Verdict {
            valid: output_root == boot.claimed_output,
            output_root,
            l2_block: number,
            blocks_built: built,
        }
    };
    let agreed = agreed_output(&*oracle, boot.agreed_output)?;
    if boot.agreed_output == boot.claimed_output {
        return Ok(Verdict {
            valid: true,
            output_root: boot.agreed_output,
            l2_block: boot.claimed_block,
            blocks_built: 0,
        });
    }
    let cfg = boot.config.clone();
    let chain = Arc::new(
        L2Chain::new(oracle.clone(), cfg.clone(), agreed.block_hash)
            .map_err(ProgramError::AgreedBlock)?,
    );
    let head = chain.tip();
    if head.state_root != agreed.state_root {
        return Err(ProgramError::AgreedOutput("state root is not the agreed block's".into()));
    }
    if boot.claimed_block <= head.number {
        // Nothing to derive: the claim is about the agreed block or one before it, and it is
        // not the agreed output (so this verdict is invalid).
        return Ok(verdict(&agreed, head.number, 0));
    }
    let info: L2BlockInfo =
        chain.block_info(head.number).map_err(ProgramError::AgreedBlock)?.unwrap_or_default();
    let mut exec =
        ProofExecutor::new(oracle.clone(), chain.clone(), OpBlockBuilder::new(cfg.clone()), agreed);
    let mut pipeline = Pipeline::new(
        cfg,
        OracleL1::new(oracle.clone(), boot.l1_head),
        OracleBlobs::new(oracle.clone()),
        OracleL2(chain.clone()),
    );
    let id = BlockId { number: info.number, hash: info.hash };
    let heads = Forkchoice { head: id, safe: id, finalized: id };
    driver::reset(&mut pipeline, &heads).await.map_err(|e| ProgramError::Driver(e.to_string()))?;
    let mut safe = info;
    let mut built = 0;
    while safe.number < boot.claimed_block {
        let step = driver::step(&mut pipeline, &safe, &mut exec)
            .await
            .map_err(|e| ProgramError::Driver(e.to_string()))?;
        match step {
            DriverStep::Safe(b) => {
                safe = b.info;
                built += 1;
            }
            DriverStep::Idle => break,
            DriverStep::Dropped { .. } | DriverStep::Progress | DriverStep::AdvancedOrigin(_) => {}
        }
    }
    let output = exec
        .output(safe.number)
        .copied()
        .ok_or_else(|| ProgramError::Driver(format!("no output for block {}", safe.number)))?;
    tracing::info!(
        target: "lamina::proof",
        block = safe.number,
        claimed_block = boot.claimed_block,
        built,
        output = %output.hash(),
        claim = %boot.claimed_output,
        "program done"
    );
    Ok(verdict(&output, safe.number, built))
}

/// Drives a future that never waits on IO to completion: the program's ports answer at once,
/// so one poll finishes it. `None` if it ever waits (it would wait forever).
pub fn block_on<F: Future>(future: F) -> Option<F::Output> {
    let mut future = pin!(future);
    let mut cx = Context::from_waker(Waker::noop());
    match future.as_mut().poll(&mut cx) {
        Poll::Ready(out) => Some(out),
        Poll::Pending => None,
    }
}
