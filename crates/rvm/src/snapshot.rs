//! Snapshots: a VM's state and touched memory pages in one byte string, so a run can restart at
//! a step instead of from the entry (finding the state at step N is then a short run from the
//! nearest snapshot). A restored snapshot is checked: its pages must hash to the memory root
//! its state commits to.
//!
//! Format: `LRVMSNP1`, the state's encoding, the page count (u64 big-endian), then each page
//! as its number (u64 big-endian) and its 4096 bytes, in ascending order. What the host saw
//! (output, hint bytes not yet framed) is not kept.

use crate::{
    memory::{Memory, PAGE},
    state::{STATE_BYTES, State, StateError},
    vm::Vm,
};

const MAGIC: &[u8; 8] = b"LRVMSNP1";

/// A snapshot that cannot be restored.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SnapshotError {
    /// Not a snapshot, or a truncated one.
    #[error("not a VM snapshot: {0}")]
    Format(&'static str),
    /// Its state does not decode.
    #[error(transparent)]
    State(#[from] StateError),
    /// Its pages do not hash to its state's memory root.
    #[error("its pages do not hash to its memory root")]
    Root,
}

impl Vm {
    /// The snapshot of this VM.
    pub fn snapshot(&mut self) -> Vec<u8> {
        let state = self.state();
        let pages = self.mem.page_list();
        let mut out = Vec::with_capacity(8 + STATE_BYTES + 8 + pages.len() * (8 + PAGE));
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&state.encode());
        out.extend_from_slice(&(pages.len() as u64).to_be_bytes());
        for (no, page) in pages {
            out.extend_from_slice(&no.to_be_bytes());
            out.extend_from_slice(page);
        }
        out
    }

    /// The VM a snapshot holds.
    pub fn restore(data: &[u8]) -> Result<Self, SnapshotError> {
        let rest = data.strip_prefix(MAGIC).ok_or(SnapshotError::Format("no magic"))?;
        let (state, rest) =
            rest.split_at_checked(STATE_BYTES).ok_or(SnapshotError::Format("short"))?;
        let state = State::decode(state)?;
        let (count, mut rest) = rest.split_at_checked(8).ok_or(SnapshotError::Format("short"))?;
        let count =
            u64::from_be_bytes(count.try_into().map_err(|_| SnapshotError::Format("short"))?);
        if count.checked_mul((8 + PAGE) as u64) != Some(rest.len() as u64) {
            return Err(SnapshotError::Format("page count does not match its size"));
        }
        let mut mem = Memory::default();
        let mut last = None;
        while let Some((no, tail)) = rest.split_first_chunk::<8>() {
            let no = u64::from_be_bytes(*no);
            if last.is_some_and(|l| l >= no) {
                return Err(SnapshotError::Format("pages out of order"));
            }
            last = Some(no);
            let (page, tail) =
                tail.split_first_chunk::<PAGE>().ok_or(SnapshotError::Format("short page"))?;
            mem.set_page(no, page);
            rest = tail;
        }
        if mem.root() != state.mem_root {
            return Err(SnapshotError::Root);
        }
        Ok(Self::from_parts(state, mem))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::elf;

    #[test]
    fn a_snapshot_restores_the_same_state_and_corruption_is_refused() {
        // addi a0, a0, 1 twice, then a jump to itself.
        let code: Vec<u8> = [0x0015_0513u32, 0x0015_0513, 0x0000_006f]
            .iter()
            .flat_map(|w| w.to_le_bytes())
            .collect();
        let mut vm = Vm::from_elf(&elf::tests::tiny(&code)).unwrap();
        struct NoHost;
        impl crate::Host for NoHost {
            fn preimage(
                &mut self,
                key: alloy_primitives::B256,
            ) -> Result<Vec<u8>, crate::preimage::PreimageError> {
                Err(crate::preimage::PreimageError::Missing(key))
            }
            fn hint(&mut self, _: &[u8]) {}
        }
        vm.run(&mut NoHost, 2).unwrap();
        let snap = vm.snapshot();
        let mut back = Vm::restore(&snap).unwrap();
        assert_eq!(back.state(), vm.state());
        back.run(&mut NoHost, 10).unwrap();
        vm.run(&mut NoHost, 10).unwrap();
        assert_eq!(back.state(), vm.state());
        assert_eq!(back.regs()[10], 2);

        let mut flipped = snap.clone();
        let last = flipped.len() - 1;
        flipped[last] ^= 1;
        assert_eq!(Vm::restore(&flipped).err(), Some(SnapshotError::Root));
        assert!(matches!(Vm::restore(&snap[..snap.len() - 1]), Err(SnapshotError::Format(_))));
        assert!(matches!(Vm::restore(b"LRVMSNP0"), Err(SnapshotError::Format(_))));
        for cut in [0, 8, 100, 8 + STATE_BYTES + 3] {
            assert!(Vm::restore(&snap[..cut]).is_err());
        }
    }
}
