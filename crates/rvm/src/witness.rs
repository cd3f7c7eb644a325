//! Step witnesses: what the stand-alone [`step`] needs to take the fast
//! VM's next step — the state's encoding and hash, the instruction's leaf proof, the data
//! leaf's proof when the instruction touches memory, and the preimage when it reads fd 5 —
//! and [`WitnessOracle`], the preimage oracle such a witness carries (it checks what a hashing
//! key binds, as the on-chain oracle does when a preimage is loaded).

use alloy_primitives::B256;

use crate::{
    preimage::{self, PreimageError, PreimageOracle},
    state::STATE_BYTES,
    step::{StepError, step},
    vm::{Host, Vm, VmError},
};

/// A preimage a step reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WitnessPreimage {
    /// Its key.
    pub key: B256,
    /// The offset the step reads at.
    pub offset: u64,
    /// The whole preimage.
    pub data: Vec<u8>,
}

/// Everything one step needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StepWitness {
    /// The pre-state's hash.
    pub pre: B256,
    /// The pre-state's encoding.
    pub state: [u8; STATE_BYTES],
    /// The leaf proofs: the instruction's, then the data leaf's if any.
    pub proof: Vec<u8>,
    /// The preimage read, if the step reads one.
    pub preimage: Option<WitnessPreimage>,
}

impl StepWitness {
    /// The oracle this witness carries.
    pub fn oracle(&self) -> WitnessOracle<'_> {
        WitnessOracle(self.preimage.as_ref())
    }

    /// The post-state hash, computed by the stand-alone step from this witness alone.
    pub fn step(&self) -> Result<B256, StepError> {
        step(self.pre, &self.state, &self.proof, &self.oracle())
    }
}

/// The oracle of one witness: it knows one preimage, and gives its parts only if the key binds
/// it.
#[derive(Debug, Clone, Copy)]
pub struct WitnessOracle<'a>(Option<&'a WitnessPreimage>);

impl PreimageOracle for WitnessOracle<'_> {
    fn read(&self, key: B256, offset: u64) -> Result<(B256, u64), PreimageError> {
        match self.0 {
            Some(p) if p.key == key => {
                if !preimage::binds(&key, &p.data) {
                    return Err(PreimageError::Wrong(key));
                }
                Ok(preimage::part(&p.data, offset))
            }
            _ => Err(PreimageError::Missing(key)),
        }
    }
}

/// The memory address instruction `insn` touches (loads, stores and AMOs at their address; an
/// ECALL reading fd 5 or writing fd 6 at its buffer), given the registers.
fn data_address(insn: u32, regs: &[u64; 32]) -> Option<u64> {
    let rs1 = regs[((insn >> 15) & 31) as usize];
    match insn & 0x7f {
        0x03 => Some(rs1.wrapping_add(((insn as i32) >> 20) as i64 as u64)),
        0x23 => {
            let imm = ((((insn & 0xfe00_0000) as i32) >> 20) as i64 as u64)
                | u64::from((insn >> 7) & 0x1f);
            Some(rs1.wrapping_add(imm))
        }
        0x2f => Some(rs1),
        0x73 if insn == 0x73 => match (regs[17], regs[10]) {
            (63, 5) | (64, 6) => Some(regs[11]),
            _ => None,
        },
        _ => None,
    }
}

impl Vm {
    /// The witness of the next step (nothing to prove once exited). A preimage the step reads
    /// is fetched from `host` if the VM does not hold it yet.
    pub fn witness(&mut self, host: &mut dyn Host) -> Result<StepWitness, VmError> {
        let state = self.state();
        let mut w = StepWitness {
            pre: state.hash(),
            state: state.encode(),
            proof: Vec::new(),
            preimage: None,
        };
        if state.exited {
            return Ok(w);
        }
        w.proof = self.mem.proof(state.pc);
        if state.pc & 3 != 0 {
            return Ok(w);
        }
        let insn = self.mem.fetch(state.pc);
        if let Some(addr) = data_address(insn, &state.regs) {
            w.proof.extend_from_slice(&self.mem.proof(addr));
        }
        if insn == 0x73 && state.regs[17] == 63 && state.regs[10] == 5 {
            let data = self.current_preimage(host)?.to_vec();
            w.preimage = Some(WitnessPreimage {
                key: state.preimage_key,
                offset: state.preimage_offset,
                data,
            });
        }
        Ok(w)
    }
}
