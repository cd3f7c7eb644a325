//! `--metrics.*`: op-node's flags (and defaults) for the Prometheus endpoint every long-running
//! command offers. The `metrics` crate's Prometheus recorder renders the text format; this
//! module serves it at `GET /metrics` with hyper (already in the tree under jsonrpsee), so the
//! exporter's own HTTP stack is not built, and a port of 0 can be reported once bound.

use std::{
    net::{IpAddr, Ipv4Addr, SocketAddr},
    time::Duration,
};

use eyre::WrapErr;
use http_body_util::Full;
use hyper::{Request, Response, StatusCode, body::Bytes};
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};

/// How often histograms and summaries drop what aged out of their windows.
const UPKEEP: Duration = Duration::from_secs(5);

/// The metrics endpoint's flags.
#[derive(Debug, Clone, clap::Args)]
pub(crate) struct MetricsFlags {
    /// Serve Prometheus metrics at http://ADDR:PORT/metrics.
    #[arg(id = "metrics.enabled", long = "metrics.enabled")]
    enabled: bool,
    /// The metrics listening address.
    #[arg(id = "metrics.addr", long = "metrics.addr", default_value_t = IpAddr::V4(Ipv4Addr::UNSPECIFIED))]
    addr: IpAddr,
    /// The metrics listening port (0: any free port; the address bound is printed).
    #[arg(id = "metrics.port", long = "metrics.port", default_value_t = 7300)]
    port: u16,
}

impl MetricsFlags {
    /// The same, listening on `host` (`lamina dev` keeps every server on its `--host`).
    pub(crate) fn on_host(&self, host: IpAddr) -> Self {
        Self { addr: host, ..self.clone() }
    }

    /// When enabled: installs the process's recorder, binds the endpoint and serves it on the
    /// current runtime; returns the address bound (for [`banner`]).
    pub(crate) async fn start(&self) -> eyre::Result<Option<SocketAddr>> {
        if !self.enabled {
            return Ok(None);
        }
        let handle = PrometheusBuilder::new()
            .install_recorder()
            .wrap_err("installing the metrics recorder")?;
        let listener = tokio::net::TcpListener::bind((self.addr, self.port))
            .await
            .wrap_err_with(|| format!("--metrics.port: binding {}:{}", self.addr, self.port))?;
        let addr = listener.local_addr()?;
        let upkeep = handle.clone();
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(UPKEEP).await;
                upkeep.run_upkeep();
            }
        });
        tokio::spawn(lamina_node::http::serve(listener, "metrics", move |req| {
            let out = answer(&req, &handle);
            async move { out }
        }));
        Ok(Some(addr))
    }
}

/// The banner line of an endpoint [`MetricsFlags::start`] bound, printed after a command's
/// other address lines (scripts read those first).
pub(crate) fn banner(addr: Option<SocketAddr>) {
    if let Some(addr) = addr {
        println!("metrics: http://{addr}/metrics");
    }
}

/// `GET /metrics`: the text format; anything else: 404.
fn answer<B>(req: &Request<B>, handle: &PrometheusHandle) -> Response<Full<Bytes>> {
    if req.method() != hyper::Method::GET || req.uri().path() != "/metrics" {
        let mut res = Response::new(Full::new(Bytes::from_static(b"not found: GET /metrics\n")));
        *res.status_mut() = StatusCode::NOT_FOUND;
        return res;
    }
    let mut res = Response::new(Full::new(Bytes::from(handle.render())));
    res.headers_mut().insert(
        hyper::header::CONTENT_TYPE,
        hyper::header::HeaderValue::from_static("text/plain; version=0.0.4"),
    );
    res
}
