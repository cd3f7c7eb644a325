//! How much a public caller may make the node execute: each `eth_call`/`eth_estimateGas` runs
//! with at most `gas_cap` gas and stops at a wall-clock deadline (geth's `--rpc.gascap` and
//! `--rpc.evmtimeout`, 50M gas and 5 s by default). The deadline is set when the request
//! arrives; all the calls of one JSON-RPC batch share one deadline, so a batch of a thousand
//! calls gets the time of one, not a thousand times that.

use std::time::{Duration, Instant};

use jsonrpsee::{
    core::middleware::{Batch, Notification, RpcServiceT},
    types::Request,
};

/// The limits of one request's execution.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CallLimits {
    /// Wall-clock time one request (or one batch) may execute for.
    pub timeout: Duration,
    /// Most gas one call may use (also capped by the block gas limit).
    pub gas_cap: u64,
}

impl Default for CallLimits {
    /// geth's defaults: 5 s, 50M gas.
    fn default() -> Self {
        Self { timeout: Duration::from_secs(5), gas_cap: 50_000_000 }
    }
}

/// The budget of the request being served, in its extensions.
#[derive(Debug, Clone, Copy)]
pub struct CallBudget {
    /// When execution must stop.
    pub deadline: Instant,
    /// Its limits.
    pub limits: CallLimits,
}

impl CallBudget {
    /// A budget starting now.
    pub fn starting_now(limits: CallLimits) -> Self {
        Self { deadline: Instant::now() + limits.timeout, limits }
    }

    /// The request's budget, or a fresh default one when it came through no budget layer
    /// (in-process calls).
    pub fn of(ext: &http::Extensions) -> Self {
        ext.get::<Self>().copied().unwrap_or_else(|| Self::starting_now(CallLimits::default()))
    }

    /// Whether the deadline has passed.
    pub fn expired(&self) -> bool {
        Instant::now() >= self.deadline
    }

    /// The message geth gives when a call is aborted at its timeout.
    pub fn timeout_message(&self) -> String {
        format!("execution aborted (timeout = {:?})", self.limits.timeout)
    }
}

/// The RPC middleware that gives each request (and each batch, shared) its budget.
#[derive(Debug, Clone, Copy)]
pub struct CallBudgetLayer(pub CallLimits);

impl<S> tower::Layer<S> for CallBudgetLayer {
    type Service = WithBudget<S>;

    fn layer(&self, service: S) -> Self::Service {
        WithBudget { service, limits: self.0 }
    }
}

/// [`CallBudgetLayer`]'s service.
#[derive(Debug, Clone)]
pub struct WithBudget<S> {
    service: S,
    limits: CallLimits,
}

impl<S> RpcServiceT for WithBudget<S>
where
    S: RpcServiceT + Send + Sync + Clone + 'static,
{
    type MethodResponse = S::MethodResponse;
    type NotificationResponse = S::NotificationResponse;
    type BatchResponse = S::BatchResponse;

    fn call<'a>(
        &self,
        mut request: Request<'a>,
    ) -> impl Future<Output = Self::MethodResponse> + Send + 'a {
        request.extensions_mut().insert(CallBudget::starting_now(self.limits));
        self.service.call(request)
    }

    fn batch<'a>(
        &self,
        mut batch: Batch<'a>,
    ) -> impl Future<Output = Self::BatchResponse> + Send + 'a {
        let shared = CallBudget::starting_now(self.limits);
        for entry in batch.iter_mut().flatten() {
            entry.extensions_mut().insert(shared);
        }
        self.service.batch(batch)
    }

    fn notification<'a>(
        &self,
        n: Notification<'a>,
    ) -> impl Future<Output = Self::NotificationResponse> + Send + 'a {
        self.service.notification(n)
    }
}
