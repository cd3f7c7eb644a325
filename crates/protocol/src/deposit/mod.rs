//! Deposits: L1 `TransactionDeposited` logs become type-`0x7E` L2 transactions (digest §2).
//!
//! - [`source`]: domain-separated source hashes, which make every deposit's hash unique;
//! - [`tx`]: the deposited transaction and its EIP-2718 encoding;
//! - [`log`]: decoding (and, for tests and the dev L1, encoding) of the portal's event;
//! - [`receipt`]: the deposit receipt with `depositNonce` and `depositReceiptVersion`;
//! - [`alias`]: the L1→L2 address alias applied to contract senders.

pub mod alias;
pub mod log;
pub mod receipt;
pub mod source;
pub mod tx;

pub use alias::{apply_l1_to_l2_alias, undo_l1_to_l2_alias};
pub use log::{DepositLogError, decode_deposit_log, encode_deposit_log_data};
pub use receipt::DepositReceipt;
pub use source::DepositSource;
pub use tx::TxDeposit;
