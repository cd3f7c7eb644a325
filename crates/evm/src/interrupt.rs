//! Stopping a read-only call from outside: an inspector that asks the caller's `stop` check
//! every few thousand instructions and halts the call once it says so. The check is the
//! caller's (the RPC server compares the clock with its deadline); this crate never reads the
//! clock itself.

use revm::{
    inspector::Inspector,
    interpreter::{InstructionResult, Interpreter},
};

/// Instructions between two checks: often enough to stop within microseconds, rarely enough
/// that the check costs nothing measurable.
const CHECK_EVERY: u32 = 1_024;

/// Halts the call it inspects once `stop` returns true.
pub(crate) struct Interrupt<'a> {
    stop: &'a dyn Fn() -> bool,
    steps: u32,
    /// Whether it halted the call.
    pub(crate) fired: bool,
}

impl<'a> Interrupt<'a> {
    pub(crate) fn new(stop: &'a dyn Fn() -> bool) -> Self {
        Self { stop, steps: 0, fired: false }
    }
}

impl core::fmt::Debug for Interrupt<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Interrupt").field("steps", &self.steps).field("fired", &self.fired).finish()
    }
}

impl<CTX> Inspector<CTX> for Interrupt<'_> {
    fn step(&mut self, interp: &mut Interpreter, _context: &mut CTX) {
        self.steps = self.steps.wrapping_add(1);
        if self.fired || self.steps.is_multiple_of(CHECK_EVERY) && (self.stop)() {
            self.fired = true;
            // Out of gas: the call ends at once in every frame, with nothing to refund.
            interp.halt(InstructionResult::OutOfGas);
        }
    }
}
