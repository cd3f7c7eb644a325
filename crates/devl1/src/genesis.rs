//! The dev L1's genesis: funded accounts, Multicall3 at its canonical address (viem and
//! other clients look for it there) and a CREATE2 factory at the usual address (the deployer
//! and Foundry scripts use it), on a Prague header.

use std::collections::BTreeMap;

use alloy_consensus::Header;
use alloy_primitives::{Address, U256};
use lamina_engine::GenesisAccount;

use lamina_l1::contracts::{self, MULTICALL3};

/// What block 0 of a dev L1 holds.
#[derive(Debug, Clone)]
pub struct DevL1Genesis {
    /// Genesis timestamp.
    pub timestamp: u64,
    /// Block gas limit (kept by every block).
    pub gas_limit: u64,
    /// Accounts and their balances.
    pub alloc: BTreeMap<Address, GenesisAccount>,
}

impl DevL1Genesis {
    /// `accounts` funded with `balance` each, plus Multicall3 and the CREATE2 factory.
    pub fn funded(timestamp: u64, accounts: &[Address], balance: U256) -> Self {
        let mut alloc: BTreeMap<Address, GenesisAccount> = accounts
            .iter()
            .map(|a| (*a, GenesisAccount { balance, ..Default::default() }))
            .collect();
        if let Some(m) = contracts::artifact("Multicall3") {
            alloc.insert(
                MULTICALL3,
                GenesisAccount { code: m.deployed_bytecode, ..Default::default() },
            );
        }
        alloc.insert(
            lamina_l1::deploy::create2::CREATE2_FACTORY,
            GenesisAccount {
                code: lamina_l1::deploy::create2::FACTORY_CODE.into(),
                ..Default::default()
            },
        );
        Self { timestamp, gas_limit: 60_000_000, alloc }
    }

    /// anvil's ten dev accounts with 10 000 ETH each (as anvil funds them), plus Multicall3.
    pub fn dev(timestamp: u64) -> Self {
        let accounts: Vec<Address> = super::DEV_ACCOUNTS.iter().map(|(a, _)| *a).collect();
        Self::funded(
            timestamp,
            &accounts,
            U256::from(10_000u64) * U256::from(10u64).pow(U256::from(18)),
        )
    }

    /// The genesis header (state root filled in by the store).
    pub(crate) fn header(&self) -> Header {
        lamina_evm::eth::genesis_header(self.timestamp, self.gas_limit)
    }
}
