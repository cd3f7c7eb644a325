//! The unsafe block signer as L1 says it is: the SystemConfig's `unsafeBlockSigner()`, read at
//! start and again every reload interval (op-node's runtime config reload), so a
//! `setUnsafeBlockSigner` on L1 moves gossip to the new key without a restart. Until the
//! first read succeeds the signer is zero, and every block is ignored, never accepted.

use std::time::Duration;

use alloy_primitives::Address;
use alloy_rpc_types_eth::TransactionRequest;
use alloy_sol_types::SolCall;
use lamina_l1::{
    chain::{L1Chain, L1Error},
    contracts::SystemConfig,
};
use lamina_p2p::Gossip;

/// The signer SystemConfig `at` names now.
pub async fn read_signer<C: L1Chain>(l1: &C, at: Address) -> Result<Address, L1Error> {
    let call = SystemConfig::unsafeBlockSignerCall {};
    let tx = TransactionRequest::default().to(at).input(call.abi_encode().into());
    let out = l1.call(tx).await?;
    SystemConfig::unsafeBlockSignerCall::abi_decode_returns(&out)
        .map_err(|e| L1Error::Malformed(format!("unsafeBlockSigner(): {e}")))
}

/// Keeps `gossip`'s signer at SystemConfig `at`'s, reading it every `every` (after a failed
/// read, again within a few seconds). Runs until its task is aborted (with the node's gossip).
pub async fn follow<C: L1Chain>(l1: C, at: Address, gossip: Gossip, every: Duration) {
    let retry = every.min(Duration::from_secs(5));
    loop {
        let wait = match read_signer(&l1, at).await {
            Ok(signer) => {
                if signer != gossip.signer() {
                    tracing::info!(target: "lamina::p2p", %signer, "unsafe block signer from L1");
                    gossip.set_signer(signer);
                }
                every
            }
            Err(e) => {
                tracing::warn!(target: "lamina::p2p", %e, "unsafe block signer not read from L1");
                retry
            }
        };
        tokio::time::sleep(wait).await;
    }
}
