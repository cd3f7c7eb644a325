//! The loop the L1-posting roles (batcher, proposer, challenger) run: step again at once after posting,
//! wait `idle` when there was nothing to post. A failure is logged and retried (the roles
//! rebuild their state from L1 and the engine); a critical one waits ten times longer, so a
//! misconfigured role does not hammer its endpoints.

use std::{fmt::Display, future::Future, time::Duration};

use lamina_l1::chain::L1Chain;
use lamina_protocol::{Classify, Severity};

use crate::{
    batcher::Batcher,
    challenger::{Challenger, TrustedOutputs},
    proposer::Proposer,
    rollup::ExecutionEngine,
};

/// A role that posts to L1 one step at a time.
pub trait Poster: Send {
    /// What a failed step says.
    type Error: Display + Send + Classify;

    /// One step; `true` when something was posted.
    fn post(&mut self) -> impl Future<Output = Result<bool, Self::Error>> + Send;
}

impl<C: L1Chain, E: ExecutionEngine> Poster for Batcher<C, E> {
    type Error = crate::batcher::BatcherError;

    async fn post(&mut self) -> Result<bool, Self::Error> {
        Ok(self.step().await?.is_some())
    }
}

impl<C: L1Chain, T: TrustedOutputs> Poster for Challenger<C, T> {
    type Error = crate::challenger::ChallengerError;

    async fn post(&mut self) -> Result<bool, Self::Error> {
        Ok(self.step().await?.is_some())
    }
}

impl<C: L1Chain, E: ExecutionEngine> Poster for Proposer<C, E> {
    type Error = crate::proposer::ProposerError;

    async fn post(&mut self) -> Result<bool, Self::Error> {
        Ok(self.step().await?.is_some())
    }
}

/// Runs `poster` for ever (abort the task, or drop the future, to stop it).
pub async fn run<P: Poster>(poster: P, name: &'static str, idle: Duration) {
    // Its lines carry its role.
    let span = tracing::info_span!("lamina", role = name);
    tracing::Instrument::instrument(steps(poster, name, idle), span).await;
}

async fn steps<P: Poster>(mut poster: P, name: &'static str, idle: Duration) {
    loop {
        let pause = match poster.post().await {
            Ok(true) => continue,
            Ok(false) => idle,
            Err(e) if e.severity() == Severity::Critical => {
                tracing::error!(target: "lamina::poster", role = name, %e, "step failed");
                idle * 10
            }
            Err(e) => {
                tracing::warn!(target: "lamina::poster", role = name, %e, "step failed; retrying");
                idle
            }
        };
        tokio::time::sleep(pause).await;
    }
}
