//! The stages below the batches: L1 retrieval ([`retrieval`]), frames ([`frames`]), channels
//! ([`channel`], the pre-Holocene [`bank`] and Holocene's [`assembler`]). Each is a plain state
//! machine; [`crate::pipeline`] feeds them.

pub mod assembler;
pub mod bank;
pub mod channel;
pub mod frames;
pub mod retrieval;
