//! A bare L1 EVM for contract tests: Prague rules on an in-memory state, no fees, with the
//! block number and time under the test's control and calls from any address (so "a stranger
//! proposes" and "a contract deposits" are one line each).

use alloy_evm::{EthEvmFactory, Evm, EvmEnv, EvmFactory};
use alloy_primitives::{Address, Bytes, Log, TxKind, U256};
use alloy_sol_types::{SolCall, SolConstructor, SolError};
use revm::{
    context::{BlockEnv, CfgEnv, TxEnv, result::ExecutionResult},
    database::{CacheDB, EmptyDB},
    primitives::hardfork::SpecId,
};

/// What a call did.
#[derive(Debug, Clone)]
pub(crate) struct Outcome {
    pub(crate) success: bool,
    pub(crate) output: Bytes,
    pub(crate) logs: Vec<Log>,
    /// Gas the whole tx used (intrinsic gas included).
    pub(crate) gas_used: u64,
}

impl Outcome {
    /// The `Error(string)` revert reason, if the call reverted with one.
    pub(crate) fn reason(&self) -> Option<String> {
        if self.success {
            return None;
        }
        alloy_sol_types::Revert::abi_decode(&self.output).ok().map(|r| r.reason)
    }

    #[track_caller]
    pub(crate) fn assert_ok(&self) -> &Self {
        assert!(self.success, "call failed: {:?} ({})", self.reason(), self.output);
        self
    }

    /// Asserts a Solidity panic with `code` (0x32: array index out of bounds).
    #[track_caller]
    pub(crate) fn assert_panic(&self, code: u64) {
        assert!(!self.success, "call succeeded; expected panic {code:#x}");
        let panic = alloy_sol_types::Panic::abi_decode(&self.output).expect("a Panic(uint256)");
        assert_eq!(panic.code, U256::from(code));
    }

    #[track_caller]
    pub(crate) fn assert_revert(&self, reason: &str) {
        assert!(!self.success, "call succeeded; expected revert {reason:?}");
        assert_eq!(self.reason().as_deref(), Some(reason));
    }
}

/// An L1 state with its current block.
#[derive(Debug)]
pub(crate) struct L1Evm {
    db: CacheDB<EmptyDB>,
    pub(crate) number: u64,
    pub(crate) timestamp: u64,
}

impl Default for L1Evm {
    fn default() -> Self {
        Self { db: CacheDB::new(EmptyDB::default()), number: 1, timestamp: 1_700_000_000 }
    }
}

impl L1Evm {
    /// Starts a new block `seconds` later.
    pub(crate) fn advance(&mut self, seconds: u64) {
        self.number += 1;
        self.timestamp += seconds;
    }

    pub(crate) fn fund(&mut self, who: Address, wei: U256) {
        let mut info = self.db.load_account(who).map(|a| a.info.clone()).unwrap_or_default();
        info.balance = wei;
        self.db.insert_account_info(who, info);
    }

    pub(crate) fn balance(&mut self, who: Address) -> U256 {
        self.db.load_account(who).map(|a| a.info.balance).unwrap_or_default()
    }

    /// `eth_getBlockByNumber(n).hash` as `BLOCKHASH` sees it on this EVM.
    pub(crate) fn block_hash(&self, number: u64) -> alloy_primitives::B256 {
        alloy_primitives::keccak256(number.to_string())
    }

    /// Deploys `code` with constructor `args` from `from`; panics if creation fails.
    pub(crate) fn deploy(
        &mut self,
        from: Address,
        code: &Bytes,
        args: impl SolConstructor,
    ) -> Address {
        let mut init = code.to_vec();
        init.extend(args.abi_encode());
        let nonce = self.nonce(from);
        let out = self.transact(from, TxKind::Create, U256::ZERO, init.into());
        out.assert_ok();
        from.create(nonce)
    }

    /// Sends a call as a transaction from `from` (its own origin) and commits it.
    pub(crate) fn send(
        &mut self,
        from: Address,
        to: Address,
        value: U256,
        call: impl SolCall,
    ) -> Outcome {
        self.transact(from, TxKind::Call(to), value, call.abi_encode().into())
    }

    /// Calls a view and decodes its return value; panics if it reverts.
    pub(crate) fn view<C: SolCall>(&mut self, to: Address, call: C) -> C::Return {
        let out = self.send(Address::repeat_byte(0xee), to, U256::ZERO, call);
        out.assert_ok();
        C::abi_decode_returns(&out.output).expect("decodes")
    }

    pub(crate) fn transact(
        &mut self,
        from: Address,
        to: TxKind,
        value: U256,
        data: Bytes,
    ) -> Outcome {
        let mut cfg = CfgEnv::new_with_spec(SpecId::PRAGUE);
        cfg.chain_id = 900;
        cfg.disable_base_fee = true;
        cfg.disable_fee_charge = true;
        let block = BlockEnv {
            number: U256::from(self.number),
            timestamp: U256::from(self.timestamp),
            gas_limit: 60_000_000,
            basefee: 0,
            ..Default::default()
        };
        let tx = TxEnv {
            caller: from,
            kind: to,
            value,
            data,
            gas_limit: 30_000_000,
            gas_price: 0,
            nonce: self.nonce(from),
            chain_id: Some(900),
            ..Default::default()
        };
        let mut evm = EthEvmFactory::default().create_evm(&mut self.db, EvmEnv::new(cfg, block));
        let result = evm.transact_commit(tx).expect("valid tx");
        let gas_used = result.tx_gas_used();
        match result {
            ExecutionResult::Success { output, logs, .. } => {
                Outcome { success: true, output: output.into_data(), logs, gas_used }
            }
            ExecutionResult::Revert { output, .. } => {
                Outcome { success: false, output, logs: Vec::new(), gas_used }
            }
            ExecutionResult::Halt { reason, .. } => Outcome {
                success: false,
                output: format!("{reason:?}").into_bytes().into(),
                logs: Vec::new(),
                gas_used,
            },
        }
    }

    fn nonce(&mut self, who: Address) -> u64 {
        self.db.load_account(who).map(|a| a.info.nonce).unwrap_or_default()
    }
}
