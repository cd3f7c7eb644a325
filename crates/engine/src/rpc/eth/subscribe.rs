//! `eth_subscribe` over WebSocket: `newHeads` (each new canonical head) and `logs` (matching
//! logs of new blocks, and of reorged-out blocks with `removed: true`).

use alloy_rpc_types_eth::Filter;
use jsonrpsee::{PendingSubscriptionSink, RpcModule, core::server::SubscriptionMessage};
use tokio::sync::broadcast::error::RecvError;

use super::logs::logs_of;
use crate::{
    rpc::error::invalid_params,
    service::{ChainEvent, EngineHandle},
};

/// What a subscription follows.
enum Kind {
    NewHeads,
    Logs(Box<Filter>),
}

pub(super) fn register(
    m: &mut RpcModule<EngineHandle>,
) -> Result<(), jsonrpsee::core::RegisterMethodError> {
    m.register_subscription(
        "eth_subscribe",
        "eth_subscription",
        "eth_unsubscribe",
        |params, pending, h, _| async move {
            let mut seq = params.sequence();
            let kind = match seq.next::<String>() {
                Ok(k) if k == "newHeads" => Kind::NewHeads,
                Ok(k) if k == "logs" => match seq.optional_next::<Filter>() {
                    Ok(f) => Kind::Logs(Box::new(f.unwrap_or_default())),
                    Err(e) => return pending.reject(e).await,
                },
                Ok(other) => {
                    return pending
                        .reject(invalid_params(format!("unsupported subscription {other:?}")))
                        .await;
                }
                Err(e) => return pending.reject(e).await,
            };
            follow(pending, &h, kind).await;
        },
    )?;
    Ok(())
}

async fn follow(pending: PendingSubscriptionSink, h: &EngineHandle, kind: Kind) {
    let mut events = h.subscribe();
    let Ok(sink) = pending.accept().await else { return };
    loop {
        let event = tokio::select! {
            _ = sink.closed() => return,
            e = events.recv() => e,
        };
        let event = match event {
            Ok(e) => e,
            Err(RecvError::Lagged(n)) => {
                tracing::warn!(target: "lamina::rpc", skipped = n, "slow subscriber");
                continue;
            }
            Err(RecvError::Closed) => return,
        };
        for msg in messages(&event, &kind) {
            if sink.send(msg).await.is_err() {
                return;
            }
        }
    }
}

fn messages(event: &ChainEvent, kind: &Kind) -> Vec<SubscriptionMessage> {
    match (kind, event) {
        (Kind::NewHeads, ChainEvent::Added(b)) => {
            let header = alloy_rpc_types_eth::Header {
                hash: b.hash,
                inner: b.header.clone(),
                total_difficulty: Some(alloy_primitives::U256::ZERO),
                size: None,
            };
            to_message(&header).into_iter().collect()
        }
        (Kind::NewHeads, ChainEvent::Removed(_)) => Vec::new(),
        (Kind::Logs(filter), ChainEvent::Added(b) | ChainEvent::Removed(b)) => {
            let removed = matches!(event, ChainEvent::Removed(_));
            logs_of(&b.header, b.hash, &b.tx_hashes, &b.receipts, Some(filter), removed)
                .iter()
                .filter_map(to_message)
                .collect()
        }
    }
}

fn to_message<T: serde::Serialize>(v: &T) -> Option<SubscriptionMessage> {
    serde_json::value::to_raw_value(v).ok().map(SubscriptionMessage::from)
}
