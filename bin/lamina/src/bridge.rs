//! `lamina deposit`, `lamina withdraw` and `lamina withdrawal status|prove|finalize`: moving
//! ETH (and calls) between L1 and L2 on any Lamina chain, given its two RPC URLs, its
//! addresses.json and a key.

use std::{path::PathBuf, time::Duration};

use alloy_primitives::{Address, B256, Bytes, U256, utils::parse_units};
use alloy_signer_local::PrivateKeySigner;
use clap::{Args, Subcommand};
use eyre::{WrapErr, eyre};
use lamina_l1::{
    bridge::{Bridge, Withdrawal, WithdrawalStatus},
    chain::RpcL1,
    txmgr::{TxManager, TxManagerConfig},
};

/// What every bridge command needs.
#[derive(Debug, Args)]
pub(crate) struct BridgeArgs {
    /// L1 JSON-RPC URL.
    #[arg(long = "l1-rpc")]
    l1_rpc: String,
    /// L2 JSON-RPC URL.
    #[arg(long = "l2-rpc")]
    l2_rpc: String,
    /// The chain's addresses.json (`lamina deploy` and `lamina dev` write it).
    #[arg(long)]
    addresses: PathBuf,
    /// The key that signs.
    #[command(flatten)]
    key: crate::key::KeyArgs,
}

/// Flags of `lamina deposit` and `lamina withdraw`.
#[derive(Debug, Args)]
pub(crate) struct TransferArgs {
    #[command(flatten)]
    bridge: BridgeArgs,
    /// Recipient on the other chain (default: the sender).
    #[arg(long)]
    to: Option<Address>,
    /// Amount: wei, or with a unit (`1.5ether`, `20gwei`).
    #[arg(long, default_value = "0", value_parser = amount)]
    value: U256,
    /// Calldata for the recipient (hex).
    #[arg(long, default_value = "0x")]
    data: Bytes,
    /// Gas for the call on the other chain.
    #[arg(long = "gas-limit", default_value_t = 100_000)]
    gas_limit: u64,
}

/// `lamina withdrawal …`.
#[derive(Debug, Subcommand)]
pub(crate) enum WithdrawalCommand {
    /// Where a withdrawal stands: waiting-to-prove, ready-to-prove, waiting-to-finalize,
    /// ready-to-finalize or finalized.
    Status(WithdrawalArgs),
    /// Prove it on L1 against the first output covering its block.
    Prove(WithdrawalArgs),
    /// Finalize it on L1 once the finalization period has passed.
    Finalize(WithdrawalArgs),
}

/// Flags of `lamina withdrawal …`.
#[derive(Debug, Args)]
pub(crate) struct WithdrawalArgs {
    #[command(flatten)]
    bridge: BridgeArgs,
    /// The L2 tx that started the withdrawal.
    tx: B256,
}

fn amount(s: &str) -> Result<U256, String> {
    let s = s.trim();
    let split = s.find(|c: char| c.is_ascii_alphabetic()).unwrap_or(s.len());
    let (number, unit) = s.split_at(split);
    let unit = match unit {
        "" | "wei" => "wei",
        "eth" | "ether" => "ether",
        "gwei" => "gwei",
        other => return Err(format!("unknown unit {other:?} (wei, gwei, ether)")),
    };
    parse_units(number, unit).map(Into::into).map_err(|e| format!("{s}: {e}"))
}

async fn bridge(args: &BridgeArgs) -> eyre::Result<(Bridge<RpcL1>, Address)> {
    let json = std::fs::read_to_string(&args.addresses)
        .wrap_err_with(|| format!("reading {}", args.addresses.display()))?;
    let addresses: serde_json::Value = serde_json::from_str(&json)?;
    let address = |name: &str| -> eyre::Result<Address> {
        let v = addresses[name].as_str().ok_or_else(|| eyre!("{name} missing from addresses"))?;
        v.parse().map_err(|e| eyre!("{name}: {e}"))
    };
    let key: PrivateKeySigner = args.key.required()?;
    let me = key.address();
    let config = TxManagerConfig {
        confirmations: 1,
        poll_interval: Duration::from_millis(250),
        ..TxManagerConfig::default()
    };
    let l1 = TxManager::new(RpcL1::connect(&args.l1_rpc)?, key.clone(), config.clone()).await?;
    let l2 = TxManager::new(RpcL1::connect(&args.l2_rpc)?, key, config).await?;
    Ok((Bridge::new(l1, l2, address("OptimismPortal")?, address("L2OutputOracle")?), me))
}

fn runtime() -> eyre::Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_current_thread().enable_all().build()?)
}

pub(crate) fn run_deposit(args: &TransferArgs) -> eyre::Result<()> {
    runtime()?.block_on(async {
        let (bridge, me) = bridge(&args.bridge).await?;
        let to = args.to.unwrap_or(me);
        let d = bridge.deposit(to, args.value, args.gas_limit, args.data.clone()).await?;
        println!("l1 tx: {}", d.l1.transaction_hash);
        println!("l2 tx: {}", d.l2_tx);
        // The deposit lands in the first L2 block of its L1 block's epoch.
        let (block, ok) = bridge.wait_l2(d.l2_tx, Duration::from_secs(120)).await?;
        let status = if ok { "success" } else { "reverted (the value is still minted)" };
        println!("l2 block: {block} ({status})");
        Ok(())
    })
}

pub(crate) fn run_withdraw(args: &TransferArgs) -> eyre::Result<()> {
    runtime()?.block_on(async {
        let (bridge, me) = bridge(&args.bridge).await?;
        let to = args.to.unwrap_or(me);
        let (receipt, w) =
            bridge.withdraw(to, args.value, args.gas_limit, args.data.clone()).await?;
        println!("l2 tx: {}", receipt.transaction_hash);
        println!("l2 block: {}", w.l2_block);
        println!("withdrawal hash: {}", w.hash);
        Ok(())
    })
}

pub(crate) fn run_withdrawal(cmd: &WithdrawalCommand) -> eyre::Result<()> {
    let (WithdrawalCommand::Status(args)
    | WithdrawalCommand::Prove(args)
    | WithdrawalCommand::Finalize(args)) = cmd;
    runtime()?.block_on(async {
        let (bridge, _) = bridge(&args.bridge).await?;
        let w: Withdrawal = bridge.withdrawal(args.tx).await?;
        match cmd {
            WithdrawalCommand::Prove(_) => {
                println!("l1 tx: {}", bridge.prove(&w).await?.transaction_hash);
            }
            WithdrawalCommand::Finalize(_) => {
                let (receipt, success) = bridge.finalize(&w).await?;
                println!("l1 tx: {}", receipt.transaction_hash);
                if !success {
                    // Final all the same: OP's portal keeps the value of a failed call.
                    println!(
                        "warning: the withdrawal's call failed on L1; its value was not delivered"
                    );
                }
            }
            WithdrawalCommand::Status(_) => {}
        }
        let status: WithdrawalStatus = bridge.status(&w).await?;
        println!("{status}");
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_take_units() {
        assert_eq!(amount("7"), Ok(U256::from(7)));
        assert_eq!(amount("1.5ether"), Ok(U256::from(1_500_000_000_000_000_000u128)));
        assert_eq!(amount("2gwei"), Ok(U256::from(2_000_000_000u64)));
        assert!(amount("1parsec").is_err());
        assert!(amount("x").is_err());
    }
}
