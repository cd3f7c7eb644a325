//! One small HTTP/1 server loop (hyper, already in the tree under jsonrpsee) for the plain
//! endpoints a node serves beside its JSON-RPC: the metrics endpoint and the explorer. Each
//! connection gets its own task; a failed accept (out of descriptors, say) backs off instead of
//! spinning.

use std::{convert::Infallible, future::Future, time::Duration};

use http_body_util::Full;
use hyper::{
    Request, Response,
    body::{Bytes, Incoming},
    service::service_fn,
};
use hyper_util::rt::TokioIo;

/// How long to wait after a failed accept.
const ACCEPT_BACKOFF: Duration = Duration::from_millis(100);

/// Serves every connection of `listener` with `answer`, until the process ends; `name` goes in
/// the log lines.
pub async fn serve<F, Fut>(listener: tokio::net::TcpListener, name: &'static str, answer: F)
where
    F: Fn(Request<Incoming>) -> Fut + Clone + Send + Sync + 'static,
    Fut: Future<Output = Response<Full<Bytes>>> + Send + 'static,
{
    loop {
        let stream = match listener.accept().await {
            Ok((stream, _)) => stream,
            Err(e) => {
                tracing::warn!(target: "lamina::http", server = name, %e, "accept failed");
                tokio::time::sleep(ACCEPT_BACKOFF).await;
                continue;
            }
        };
        let answer = answer.clone();
        tokio::spawn(async move {
            let service = service_fn(move |req| {
                let out = answer(req);
                async move { Ok::<_, Infallible>(out.await) }
            });
            let conn = hyper::server::conn::http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service);
            if let Err(e) = conn.await {
                tracing::debug!(target: "lamina::http", server = name, %e, "connection");
            }
        });
    }
}
