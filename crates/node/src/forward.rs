//! A node that builds no blocks (a verifier) passes the txs it is sent to the sequencer, as
//! op-geth's `--rollup.sequencerhttp` does, instead of pooling txs nobody will include: its
//! `eth_sendRawTransaction` checks that the bytes are a user tx, then forwards them and
//! answers with the sequencer's hash or the sequencer's own error.

use std::time::Duration;

use alloy_eips::eip2718::Decodable2718;
use alloy_primitives::{B256, Bytes};
use jsonrpsee::{
    RpcModule,
    core::client::{ClientT, Error as ClientError},
    http_client::{HttpClient, HttpClientBuilder},
    rpc_params,
    types::ErrorObjectOwned,
};
use lamina_engine::EngineHandle;
use op_alloy_consensus::OpTxEnvelope;

/// Why the forwarder could not be set up.
#[derive(Debug, thiserror::Error)]
#[error("--rollup.sequencer-http {url}: {reason}")]
pub struct ForwardError {
    url: String,
    reason: String,
}

/// Replaces `module`'s `eth_sendRawTransaction` with one that forwards to `sequencer`.
pub fn forward_txs(
    module: &mut RpcModule<EngineHandle>,
    sequencer: &str,
) -> Result<(), ForwardError> {
    let fail = |reason: String| ForwardError { url: sequencer.to_owned(), reason };
    let client: HttpClient = HttpClientBuilder::default()
        .request_timeout(Duration::from_secs(10))
        .build(sequencer)
        .map_err(|e| fail(e.to_string()))?;
    module.remove_method("eth_sendRawTransaction");
    module
        .register_async_method("eth_sendRawTransaction", move |p, _, _| {
            let client = client.clone();
            async move {
                let raw: Bytes = p.one()?;
                // Garbage and deposits stop here, not at the sequencer.
                match OpTxEnvelope::decode_2718_exact(&raw) {
                    Ok(OpTxEnvelope::Deposit(_)) => {
                        return Err(server("deposit transactions cannot be submitted"));
                    }
                    Ok(_) => {}
                    Err(e) => return Err(server(format!("transaction decoding failed: {e}"))),
                }
                let hash: B256 = client
                    .request("eth_sendRawTransaction", rpc_params![raw])
                    .await
                    .map_err(|e| match e {
                    // The sequencer's refusal ("nonce too low" …) is the user's answer.
                    ClientError::Call(obj) => obj,
                    other => {
                        tracing::warn!(target: "lamina::forward", %other, "sequencer unreachable");
                        server(format!("sequencer unreachable: {other}"))
                    }
                })?;
                Ok::<B256, ErrorObjectOwned>(hash)
            }
        })
        .map_err(|e| fail(e.to_string()))?;
    Ok(())
}

fn server(message: impl Into<String>) -> ErrorObjectOwned {
    ErrorObjectOwned::owned(-32000, message.into(), None::<()>)
}
