//! The rollup node's roles over the in-process engine: the verifier (derivation into the
//! engine, consolidation, safe and finalized heads, resets) and the sequencer (origin choice,
//! block building, origin reorgs), with what they share — the engine as derivation's L2
//! source and the Engine API drive.

pub mod consolidate;
pub mod drive;
mod error;
pub mod executor;
pub mod input;
pub mod l2;
pub mod lamina_rpc;
pub mod launch;
pub mod port;
pub mod remote;
pub mod rpc;
pub mod safe_db;
pub mod sequencer;
pub mod service;
pub mod status;
pub mod unsafe_queue;
pub mod verifier;

pub use error::RollupError;
pub use input::{Inbox, InboxError, Input};
pub use l2::EngineL2;
pub use launch::{EngineChoice, LaunchError, LaunchedNode, RollupLaunchConfig};
pub use port::{ExecutionEngine, Payload};
pub use remote::RemoteEngine;
pub use sequencer::{Sequenced, Sequencer, SequencerConfig};
pub use service::{Mode, RollupNode, RollupNodeConfig};
pub use status::SyncStatus;
pub use verifier::{Verifier, VerifierStats, VerifierStep};
