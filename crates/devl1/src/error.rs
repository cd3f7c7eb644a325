//! Why the dev L1 refused a transaction or an operation.

use lamina_engine::StoreError;
use lamina_evm::ExecError;

/// A dev L1 error. Tx refusals are worded as Ethereum clients word them, since wallets and
/// tools show them to users as they are.
#[derive(Debug, thiserror::Error)]
pub enum DevL1Error {
    /// The bytes are not a signed EIP-2718 transaction.
    #[error("invalid transaction: {0}")]
    Decode(String),
    /// The signature does not recover.
    #[error("invalid sender: {0}")]
    Signer(String),
    /// Signed for another chain (or without replay protection).
    #[error("invalid chain id: have {have:?}, want {want}")]
    WrongChain {
        /// The tx's chain id.
        have: Option<u64>,
        /// Ours.
        want: u64,
    },
    /// The sender's nonce is already past this one.
    #[error("nonce too low: next nonce {next}, tx nonce {tx}")]
    NonceTooLow {
        /// The account's nonce.
        next: u64,
        /// The tx's.
        tx: u64,
    },
    /// The sender cannot pay for the tx's gas at its fee cap, its blob gas and its value.
    #[error("insufficient funds for gas * price + value: balance {balance}, tx cost {cost}")]
    InsufficientFunds {
        /// The sender's balance.
        balance: alloy_primitives::U256,
        /// Most the tx can cost.
        cost: alloy_primitives::U256,
    },
    /// Asks for more gas than a block has.
    #[error("exceeds block gas limit")]
    GasLimit,
    /// Same sender and nonce as a pending tx, without paying enough more.
    #[error("replacement transaction underpriced")]
    Underpriced,
    /// A blob tx this chain cannot take: no sidecar, a sidecar that does not match or prove
    /// its blobs, or a blob count outside the fork's limits.
    #[error("invalid blob transaction: {0}")]
    Blob(String),
    /// The blob sidecar store failed.
    #[error("dev L1 blob store: {0}")]
    Blobs(String),
    /// A reorg deeper than the unfinalized chain.
    #[error("cannot reorg {depth} blocks: only {available} are above the finalized block")]
    ReorgTooDeep {
        /// Blocks asked for.
        depth: u64,
        /// Blocks that may be undone.
        available: u64,
    },
    /// The datadir could not be created.
    #[error("dev L1 datadir: {0}")]
    Io(#[from] std::io::Error),
    /// The chain store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Building a block failed (a bug or a corrupt state; user txs are skipped, not errors).
    #[error(transparent)]
    Exec(#[from] ExecError),
}
