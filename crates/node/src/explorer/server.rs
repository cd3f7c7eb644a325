//! The explorer's HTTP server (hyper, already in the tree under jsonrpsee): the compiled-in
//! page at `GET /`, the list of nodes at `GET /config.json`, and the read-only JSON-RPC
//! forwarding at `POST /rpc/l2` and `POST /rpc/node/<i>`.

use std::{net::SocketAddr, sync::Arc, time::Duration};

use http_body_util::{BodyExt, Full, Limited};
use hyper::{
    Method, Request, Response, StatusCode,
    body::{Bytes, Incoming},
    header::{CACHE_CONTROL, CONTENT_TYPE, HeaderValue},
};

use super::{ExplorerConfig, ExplorerError, assets, proxy};

/// An upstream that does not answer in this long is reported as down.
const UPSTREAM_TIMEOUT: Duration = Duration::from_secs(10);

struct Shared {
    config: ExplorerConfig,
    client: reqwest::Client,
    listing: Bytes,
}

/// Binds the explorer and serves it on the current runtime until the process ends; returns
/// the address bound.
pub async fn serve(config: ExplorerConfig) -> Result<SocketAddr, ExplorerError> {
    if config.nodes.is_empty() {
        return Err(ExplorerError::NoNode);
    }
    let listener = tokio::net::TcpListener::bind(config.listen).await?;
    let addr = listener.local_addr()?;
    let names: Vec<&str> = config.nodes.iter().map(|n| n.name.as_str()).collect();
    let listing = serde_json::json!({ "nodes": names, "version": env!("CARGO_PKG_VERSION") });
    let client = reqwest::Client::builder()
        .timeout(UPSTREAM_TIMEOUT)
        .build()
        .map_err(|e| ExplorerError::Client(e.to_string()))?;
    let shared = Arc::new(Shared { config, client, listing: Bytes::from(listing.to_string()) });
    tokio::spawn(crate::http::serve(listener, "explorer", move |req| {
        let shared = shared.clone();
        async move { answer(req, &shared).await }
    }));
    tracing::info!(target: "lamina::explorer", %addr, "explorer serving");
    Ok(addr)
}

fn respond(status: StatusCode, content_type: &'static str, body: Bytes) -> Response<Full<Bytes>> {
    let mut res = Response::new(Full::new(body));
    *res.status_mut() = status;
    let h = res.headers_mut();
    h.insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
    h.insert(CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    h.insert("x-content-type-options", HeaderValue::from_static("nosniff"));
    // The page loads nothing from elsewhere; say so, so a browser enforces it.
    h.insert(
        "content-security-policy",
        HeaderValue::from_static("default-src 'self'; img-src 'self' data:; style-src 'self'"),
    );
    res
}

fn rpc_error(status: StatusCode, message: &str) -> Response<Full<Bytes>> {
    let body = serde_json::json!({
        "jsonrpc": "2.0", "id": null, "error": { "code": -32601, "message": message }
    });
    respond(status, "application/json", Bytes::from(body.to_string()))
}

async fn answer(req: Request<Incoming>, shared: &Shared) -> Response<Full<Bytes>> {
    let path = req.uri().path().to_owned();
    match *req.method() {
        Method::GET | Method::HEAD => {
            if path == "/config.json" {
                return respond(StatusCode::OK, "application/json", shared.listing.clone());
            }
            match assets::get(&path) {
                Some(a) => {
                    respond(StatusCode::OK, a.content_type, Bytes::from_static(a.body.as_bytes()))
                }
                None => {
                    respond(StatusCode::NOT_FOUND, "text/plain", Bytes::from_static(b"not found\n"))
                }
            }
        }
        Method::POST => {
            let upstream = match path.as_str() {
                "/rpc/l2" => Some(shared.config.l2_rpc.as_str()),
                p => p
                    .strip_prefix("/rpc/node/")
                    .and_then(|i| i.parse::<usize>().ok())
                    .and_then(|i| shared.config.nodes.get(i))
                    .map(|n| n.rpc.as_str()),
            };
            let Some(upstream) = upstream else {
                return rpc_error(StatusCode::NOT_FOUND, "no such endpoint");
            };
            let body = match Limited::new(req.into_body(), proxy::MAX_BODY).collect().await {
                Ok(b) => b.to_bytes(),
                Err(_) => return rpc_error(StatusCode::PAYLOAD_TOO_LARGE, "request too large"),
            };
            if let Err(e) = proxy::check(&body) {
                return rpc_error(StatusCode::BAD_REQUEST, &e.to_string());
            }
            forward(&shared.client, upstream, body).await
        }
        _ => rpc_error(StatusCode::METHOD_NOT_ALLOWED, "GET or POST"),
    }
}

async fn forward(client: &reqwest::Client, url: &str, body: Bytes) -> Response<Full<Bytes>> {
    let sent = client
        .post(url)
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .body(body)
        .send()
        .await;
    let res = match sent {
        Ok(r) => r,
        Err(e) => {
            tracing::debug!(target: "lamina::explorer", %e, "upstream unreachable");
            return rpc_error(StatusCode::BAD_GATEWAY, "node unreachable");
        }
    };
    let status = StatusCode::from_u16(res.status().as_u16()).unwrap_or(StatusCode::BAD_GATEWAY);
    match res.bytes().await {
        Ok(b) => respond(status, "application/json", b),
        Err(_) => rpc_error(StatusCode::BAD_GATEWAY, "node answer cut short"),
    }
}
