//! The rollup node's roles over the in-process engine: the verifier (derivation into the
//! engine, consolidation, safe and finalized heads, resets) and the sequencer (origin choice,
//! block building, origin reorgs), with what they share — the engine as derivation's L2
//! source and the Engine API drive.

pub mod consolidate;
pub mod drive;
mod error;
pub mod l2;
pub mod reset;
pub mod sequencer;
pub mod verifier;

pub use error::RollupError;
pub use l2::EngineL2;
pub use sequencer::{Sequencer, SequencerConfig};
pub use verifier::{Verifier, VerifierStats, VerifierStep};
