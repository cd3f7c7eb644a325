//! Which JSON-RPC requests the page may send through the explorer: reads only. The explorer
//! is public wherever it is bound, and the node RPC behind it may serve `admin_` (which halts
//! the chain) and the engine `eth_sendRawTransaction`; neither passes here.

use serde_json::Value;

/// Most requests in one batch.
pub(super) const MAX_BATCH: usize = 100;
/// Largest request body, bytes.
pub(super) const MAX_BODY: usize = 256 * 1024;

/// Why a request was refused.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub(super) enum Refused {
    /// Not JSON, or not JSON-RPC's shape.
    #[error("not a JSON-RPC request")]
    Malformed,
    /// A batch over [`MAX_BATCH`].
    #[error("batch of {0} requests (at most {MAX_BATCH})")]
    BatchTooLarge(usize),
    /// A method that is not a read.
    #[error("method {0} is not served by the explorer")]
    Method(String),
}

/// Whether `method` only reads.
pub(super) fn is_read(method: &str) -> bool {
    const PREFIXES: [&str; 5] = ["eth_", "optimism_", "lamina_", "net_", "web3_"];
    const WRITES: [&str; 7] = [
        "eth_sendRawTransaction",
        "eth_sendTransaction",
        "eth_sendRawTransactionSync",
        "eth_sign",
        "eth_signTransaction",
        "eth_subscribe",
        "eth_unsubscribe",
    ];
    PREFIXES.iter().any(|p| method.starts_with(p)) && !WRITES.contains(&method)
}

/// Checks a request body (one call or a batch).
pub(super) fn check(body: &[u8]) -> Result<(), Refused> {
    let v: Value = serde_json::from_slice(body).map_err(|_| Refused::Malformed)?;
    let calls = match &v {
        Value::Array(a) if a.len() > MAX_BATCH => return Err(Refused::BatchTooLarge(a.len())),
        Value::Array(a) if !a.is_empty() => a.iter().collect(),
        Value::Object(_) => vec![&v],
        _ => return Err(Refused::Malformed),
    };
    for call in calls {
        let method = call.get("method").and_then(Value::as_str).ok_or(Refused::Malformed)?;
        if !is_read(method) {
            return Err(Refused::Method(method.chars().take(64).collect()));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passes_reads_and_refuses_writes_admin_and_junk() {
        assert_eq!(check(br#"{"jsonrpc":"2.0","id":1,"method":"eth_blockNumber"}"#), Ok(()));
        let batch =
            br#"[{"id":1,"method":"optimism_syncStatus"},{"id":2,"method":"lamina_outputs"}]"#;
        assert_eq!(check(batch), Ok(()));
        for m in [
            "admin_stopSequencer",
            "eth_sendRawTransaction",
            "debug_executionWitness",
            "opp2p_blockPeer",
        ] {
            let body = format!(r#"{{"id":1,"method":"{m}"}}"#);
            assert_eq!(check(body.as_bytes()), Err(Refused::Method(m.into())), "{m}");
        }
        let mixed = br#"[{"id":1,"method":"eth_chainId"},{"id":2,"method":"admin_resetDerivationPipeline"}]"#;
        assert!(check(mixed).is_err(), "one write refuses the batch");
        for junk in [&b"not json"[..], b"[]", b"42", br#"{"id":1}"#, br#"[1,2]"#] {
            assert_eq!(check(junk), Err(Refused::Malformed));
        }
        let big = format!("[{}]", vec![r#"{"method":"eth_chainId"}"#; MAX_BATCH + 1].join(","));
        assert_eq!(check(big.as_bytes()), Err(Refused::BatchTooLarge(MAX_BATCH + 1)));
    }
}
