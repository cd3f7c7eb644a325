//! Per-method latency of a JSON-RPC server, through the `metrics` facade (a no-op until the
//! binary installs a recorder): `<ns>_rpc_request_duration_seconds{method}` and
//! `<ns>_rpc_requests_total{method}`. Only the served module's own methods become labels; any
//! other name counts as `other`, so no client can grow the label set (and the memory behind
//! it). A batch is timed as a whole, as `batch`.

use std::{collections::HashSet, sync::Arc, time::Instant};

use jsonrpsee::{
    core::middleware::{Batch, Notification, RpcServiceT},
    types::Request,
};
use metrics::SharedString;

/// The label of a method the module does not serve.
const OTHER: SharedString = SharedString::const_str("other");
/// The label of a batch.
const BATCH: SharedString = SharedString::const_str("batch");

/// Times the calls of a server whose module serves `methods`, under namespace `ns`. The
/// metric names and method labels are made once here: a request only clones them.
#[derive(Debug, Clone)]
pub struct TimingLayer {
    duration: SharedString,
    requests: SharedString,
    methods: Arc<HashSet<Arc<str>>>,
}

impl TimingLayer {
    /// A layer for a module serving `methods`, its metrics named `<ns>_rpc_…`.
    pub fn new<'a>(ns: &str, methods: impl IntoIterator<Item = &'a str>) -> Self {
        Self {
            duration: SharedString::from_owned(format!("{ns}_rpc_request_duration_seconds")),
            requests: SharedString::from_owned(format!("{ns}_rpc_requests_total")),
            methods: Arc::new(methods.into_iter().map(Arc::from).collect()),
        }
    }

    /// `method`'s label: itself when the module serves it, else `other`.
    fn label(&self, method: &str) -> SharedString {
        self.methods.get(method).map_or(OTHER, |m| SharedString::from_shared(m.clone()))
    }

    /// Records one call of `method` that started at `started`, as the layer does when a call
    /// ends (what `lamina bench rpc` times to measure the cost of metrics per request).
    pub fn record(&self, method: &str, started: Instant) {
        self.observe(self.label(method), started);
    }

    fn observe(&self, label: SharedString, started: Instant) {
        let secs = started.elapsed().as_secs_f64();
        metrics::histogram!(self.duration.clone(), "method" => label.clone()).record(secs);
        metrics::counter!(self.requests.clone(), "method" => label).increment(1);
    }
}

impl<S> tower::Layer<S> for TimingLayer {
    type Service = WithTiming<S>;

    fn layer(&self, service: S) -> Self::Service {
        WithTiming { service, timing: self.clone() }
    }
}

/// [`TimingLayer`]'s service.
#[derive(Debug, Clone)]
pub struct WithTiming<S> {
    service: S,
    timing: TimingLayer,
}

impl<S> RpcServiceT for WithTiming<S>
where
    S: RpcServiceT + Send + Sync + Clone + 'static,
    S::MethodResponse: Send,
    S::BatchResponse: Send,
{
    type MethodResponse = S::MethodResponse;
    type NotificationResponse = S::NotificationResponse;
    type BatchResponse = S::BatchResponse;

    fn call<'a>(
        &self,
        request: Request<'a>,
    ) -> impl Future<Output = Self::MethodResponse> + Send + 'a {
        let label = self.timing.label(request.method_name());
        let timing = self.timing.clone();
        let started = Instant::now();
        let response = self.service.call(request);
        async move {
            let out = response.await;
            timing.observe(label, started);
            out
        }
    }

    fn batch<'a>(&self, batch: Batch<'a>) -> impl Future<Output = Self::BatchResponse> + Send + 'a {
        let timing = self.timing.clone();
        let started = Instant::now();
        let response = self.service.batch(batch);
        async move {
            let out = response.await;
            timing.observe(BATCH, started);
            out
        }
    }

    fn notification<'a>(
        &self,
        n: Notification<'a>,
    ) -> impl Future<Output = Self::NotificationResponse> + Send + 'a {
        self.service.notification(n)
    }
}
