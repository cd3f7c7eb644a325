//! JWT authentication of the Engine API port (digest §8.1): every HTTP request carries
//! `Authorization: Bearer <HS256 JWT>` signed with the shared 32-byte secret, whose `iat` is
//! within 60 s of now. Anything else is refused with 401 before it reaches a method.

use std::{
    future::Future,
    pin::Pin,
    task::{Context, Poll},
};

use alloy_rpc_types_engine::JwtSecret;
use jsonrpsee::{
    core::BoxError,
    server::{HttpBody, HttpRequest, HttpResponse},
};
use tower::{Layer, Service};

/// The tower layer that checks the token of each request.
#[derive(Debug, Clone)]
pub struct JwtLayer {
    secret: JwtSecret,
}

impl JwtLayer {
    /// Checks tokens against `secret`.
    pub const fn new(secret: JwtSecret) -> Self {
        Self { secret }
    }
}

impl<S> Layer<S> for JwtLayer {
    type Service = JwtAuth<S>;

    fn layer(&self, inner: S) -> Self::Service {
        JwtAuth { inner, secret: self.secret }
    }
}

/// The service [`JwtLayer`] wraps around the RPC server.
#[derive(Debug, Clone)]
pub struct JwtAuth<S> {
    inner: S,
    secret: JwtSecret,
}

type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send + 'static>>;

impl<S, B> Service<HttpRequest<B>> for JwtAuth<S>
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
        match check(&self.secret, request.headers()) {
            Ok(()) => {
                let fut = self.inner.call(request);
                Box::pin(async move { fut.await.map_err(Into::into) })
            }
            Err(reason) => {
                tracing::debug!(target: "lamina::rpc::auth", reason, "refused");
                Box::pin(async move { Ok(unauthorized(reason)) })
            }
        }
    }
}

/// Why a request's token is not accepted, if it isn't.
fn check(secret: &JwtSecret, headers: &http::HeaderMap) -> Result<(), String> {
    let header = headers
        .get(http::header::AUTHORIZATION)
        .ok_or("missing Authorization header")?
        .to_str()
        .map_err(|_| "Authorization header is not text")?;
    let token = header.strip_prefix("Bearer ").ok_or("Authorization is not a Bearer token")?;
    secret.validate(token.trim()).map_err(|e| e.to_string())
}

fn unauthorized(reason: String) -> HttpResponse {
    let mut response = HttpResponse::new(HttpBody::from(format!("{reason}\n")));
    *response.status_mut() = http::StatusCode::UNAUTHORIZED;
    response
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use alloy_rpc_types_engine::Claims;

    use super::*;

    fn headers(token: &str) -> http::HeaderMap {
        let mut h = http::HeaderMap::new();
        h.insert(http::header::AUTHORIZATION, format!("Bearer {token}").parse().unwrap());
        h
    }

    fn now() -> u64 {
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs()
    }

    #[test]
    fn accepts_a_fresh_token_and_refuses_the_rest() {
        let secret = JwtSecret::random();
        let fresh = secret.encode(&Claims { iat: now(), exp: None }).unwrap();
        assert_eq!(check(&secret, &headers(&fresh)), Ok(()));
        // Within the window either side.
        let early = secret.encode(&Claims { iat: now() + 50, exp: None }).unwrap();
        assert_eq!(check(&secret, &headers(&early)), Ok(()));

        let stale = secret.encode(&Claims { iat: now() - 120, exp: None }).unwrap();
        assert!(check(&secret, &headers(&stale)).is_err(), "iat more than 60 s old");
        let future = secret.encode(&Claims { iat: now() + 120, exp: None }).unwrap();
        assert!(check(&secret, &headers(&future)).is_err(), "iat more than 60 s ahead");
        let other = JwtSecret::random().encode(&Claims { iat: now(), exp: None }).unwrap();
        assert!(check(&secret, &headers(&other)).is_err(), "another secret");
        assert!(check(&secret, &http::HeaderMap::new()).is_err(), "no header");
        assert!(check(&secret, &headers("not.a.jwt")).is_err());
        let mut basic = http::HeaderMap::new();
        basic.insert(http::header::AUTHORIZATION, format!("Basic {fresh}").parse().unwrap());
        assert!(check(&secret, &basic).is_err(), "not a bearer token");
    }
}
