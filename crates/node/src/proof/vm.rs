//! The program as the guest ELF on our own RISC-V VM (`lamina_rvm`), in this process: the VM's
//! host reads preimages from the oracle and passes hints on to it, and the run's exit code and
//! verdict line are judged as a guest process's are.

use std::sync::Arc;

use alloy_primitives::B256;
use lamina_proof::{
    preimage::{Oracle, PreimageKey},
    program::Verdict,
};
use lamina_rvm::{Vm, preimage::PreimageError, witness::StepWitness};

use super::guest::{GuestError, judge};

/// The VM's host over an oracle.
#[derive(Debug)]
struct OracleHost<O> {
    oracle: Arc<O>,
}

impl<O: Oracle> lamina_rvm::Host for OracleHost<O> {
    fn preimage(&mut self, key: B256) -> Result<Vec<u8>, PreimageError> {
        match self.oracle.get(PreimageKey(key)) {
            Ok(data) => Ok(data.to_vec()),
            Err(e) => {
                tracing::warn!(target: "lamina::proof", %key, error = %e, "VM preimage");
                Err(PreimageError::Missing(key))
            }
        }
    }

    fn hint(&mut self, hint: &[u8]) {
        super::serve::deliver_hint(&*self.oracle, hint);
    }
}

/// What a VM run did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VmRun {
    /// Instructions executed.
    pub steps: u64,
    /// Memory pages (4 KiB) touched.
    pub pages: usize,
}

/// The guest on the VM with its host: run it, stop it anywhere, witness its steps.
#[derive(Debug)]
pub struct GuestVm<O> {
    vm: Vm,
    host: OracleHost<O>,
}

impl<O: Oracle> GuestVm<O> {
    /// The guest ELF `elf` at its entry, served by `oracle`.
    pub fn new(elf: &[u8], oracle: Arc<O>) -> Result<Self, GuestError> {
        let vm = Vm::from_elf(elf).map_err(|e| GuestError::Elf(e.to_string()))?;
        Ok(Self { vm, host: OracleHost { oracle } })
    }

    /// The guest resumed from a VM (a snapshot), served by `oracle`.
    pub const fn resume(vm: Vm, oracle: Arc<O>) -> Self {
        Self { vm, host: OracleHost { oracle } }
    }

    /// The VM.
    pub const fn vm(&self) -> &Vm {
        &self.vm
    }

    /// The VM, to snapshot or hash it.
    pub const fn vm_mut(&mut self) -> &mut Vm {
        &mut self.vm
    }

    /// Runs until the guest exits or `step` is reached.
    pub fn run_to(&mut self, step: u64) -> Result<(), GuestError> {
        self.vm.run(&mut self.host, step).map_err(|e| GuestError::Vm(e.to_string()))
    }

    /// The witness of the next step.
    pub fn witness(&mut self) -> Result<StepWitness, GuestError> {
        self.vm.witness(&mut self.host).map_err(|e| GuestError::Vm(e.to_string()))
    }

    /// The run's verdict, once the guest exited: its exit code and verdict line judged as a
    /// guest process's are.
    pub fn verdict(&self) -> Result<(Verdict, VmRun), GuestError> {
        let vm = &self.vm;
        let run = VmRun { steps: vm.steps(), pages: vm.mem.pages() };
        if let Some(fault) = vm.fault {
            let stderr = String::from_utf8_lossy(&vm.stderr);
            return Err(GuestError::Vm(format!(
                "fault {fault:?} after {} steps: {}",
                run.steps,
                stderr.trim()
            )));
        }
        let Some(code) = vm.exit_code().map(i32::from) else {
            return Err(GuestError::Vm(format!("still running at step {}", run.steps)));
        };
        Ok((judge(code, &vm.stdout, &vm.stderr)?, run))
    }
}

/// Runs the guest ELF `elf` on the VM with preimages and hints served from `oracle`; its
/// verdict and what the run took.
pub fn run_vm<O: Oracle>(elf: &[u8], oracle: Arc<O>) -> Result<(Verdict, VmRun), GuestError> {
    let mut guest = GuestVm::new(elf, oracle)?;
    guest.run_to(u64::MAX)?;
    guest.verdict()
}
