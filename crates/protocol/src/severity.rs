//! How bad an error is, for the loop that meets it: every service loop (derivation, the
//! verifier, the batcher, the proposer, and later the proof program and gossip) decides by this,
//! never by an error's text.

/// What a loop does with an error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Severity {
    /// Wait or retry: nothing is lost (a source was unavailable, a stage needs more data).
    Temporary,
    /// The chain moved under the loop (a reorg): start again from a point both sides agree on.
    Reset,
    /// A rule that cannot be skipped is broken: stop and tell the operator.
    Critical,
}

/// An error that knows its [`Severity`]: what a generic loop (the pure driver over any
/// executor, a poster over any L1) needs to decide without knowing the error's type.
pub trait Classify {
    /// What the loop that meets this error does about it.
    fn severity(&self) -> Severity;
}

/// A failure that cannot happen (an executor or source that never fails).
impl Classify for core::convert::Infallible {
    fn severity(&self) -> Severity {
        match *self {}
    }
}
