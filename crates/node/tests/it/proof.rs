//! The fault-proof program against the node's verifier, in process: its host reads the dev L1
//! and the verifier's engine directly. On a chain whose last batch holds a tx that cannot
//! execute (Holocene: the block is rebuilt from its deposits alone), the program judges every
//! block's output as the verifier computed it right — the replaced block included — and a
//! corrupted claim wrong; run again from the cache alone it fetches nothing, and through the
//! wire protocol and as the RISC-V guest under qemu-riscv64 and on lamina-rvm it judges the
//! same; the VM's witness-mode step agrees with its fast mode on every step of sampled windows
//! of the guest's run.

use alloy_primitives::keccak256;
use lamina_l1::chain::L1Chain;
use lamina_node::{
    proof::{
        GuestCommand, Host, Mode, PreimageStore, RunInputs, RunOracle, Sources, guest::default_elf,
        vm::GuestVm,
    },
    rollup::rpc::output_at,
};

use crate::fixture::{Rollup, sequence_to_origin};

/// The run about block `k` claiming the verifier's output, with L1 up to `l1_head`.
async fn inputs_of(
    verifier: &lamina_engine::EngineHandle,
    k: u64,
    l1_head: alloy_primitives::B256,
    cfg: &lamina_protocol::RollupConfig,
) -> RunInputs {
    RunInputs {
        l2_block: k,
        l1_head,
        agreed: output_at(verifier, k - 1).await.unwrap().0,
        node_output: output_at(verifier, k).await.unwrap().0.hash(),
        rollup_config: cfg.to_json(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_program_agrees_with_the_verifier_on_every_block_a_deposits_only_one_included() {
    let dir = tempfile::tempdir().unwrap();
    let mut r = Rollup::new(dir.path()).await;
    let (a, mut seq) = r.sequencer(&dir.path().join("sequencer"));
    r.transfers(&a, 0..3);
    seq.build_next().await.unwrap();
    let deposit_l1 = r.deposit(5).await;
    r.transfers(&a, 3..5);
    sequence_to_origin(&mut seq, deposit_l1).await;
    let head = seq.build_next().await.unwrap().info;
    let n = head.number;
    // Blocks 1..=n as batches, then a batch for block n + 1 whose tx cannot execute: the
    // verifier keeps only its deposits.
    let (b, _) = r.verify_an_invalid_last_batch(&a, &head, &dir.path().join("verifier")).await;

    let l1_head = r.l1.header(alloy_eips::BlockNumberOrTag::Latest).await.unwrap().unwrap().hash();
    let cache = dir.path().join("cache");
    let elf = default_elf();
    assert!(elf.is_file(), "{}: build it with scripts/build-program.sh", elf.display());
    let qemu = GuestCommand::qemu("qemu-riscv64", &elf);
    let elf_bytes = std::sync::Arc::new(std::fs::read(&elf).unwrap());
    let mut preimages = 0;
    for k in 1..=n + 1 {
        let inputs = inputs_of(&b, k, l1_head, &r.cfg).await;
        let sources = Sources { l1: r.l1.clone(), l2: b.clone() };
        let host = Host::new(PreimageStore::open(&cache).unwrap(), Some(sources));
        let report = lamina_node::proof::run(host, &inputs, inputs.node_output).await.unwrap();
        assert!(report.verdict.valid, "block {k}: {report:?}");
        assert_eq!(report.verdict.l2_block, k);
        preimages += report.preimages;

        let offline = Host::<lamina_devl1::DevL1, lamina_engine::EngineHandle>::new(
            PreimageStore::open(&cache).unwrap(),
            None,
        );
        // The same run through the wire protocol a guest speaks (two socket pairs), and as
        // the guest itself under qemu: the same verdict, field for field.
        let native = report.verdict;
        for mode in [Mode::Wire, Mode::Guest(qemu.clone()), Mode::Vm(elf_bytes.clone())] {
            let host = Host::<lamina_devl1::DevL1, lamina_engine::EngineHandle>::new(
                PreimageStore::open(&cache).unwrap(),
                None,
            );
            let claim = inputs.node_output;
            let report = lamina_node::proof::run_with(host, &inputs, claim, mode.clone()).await;
            let report = report.unwrap();
            assert_eq!(report.verdict, native, "block {k}: {mode:?}");
            if let Some(vm) = report.vm {
                eprintln!("block {k}: {} VM steps, {} pages", vm.steps, vm.pages);
            }
        }

        let wrong = keccak256(inputs.node_output);
        let report = lamina_node::proof::run(offline, &inputs, wrong).await.unwrap();
        assert!(!report.verdict.valid, "block {k}");
        assert_eq!(report.verdict.output_root, inputs.node_output, "block {k}");
        assert_eq!(report.fetches, 0);
        let host = Host::<lamina_devl1::DevL1, lamina_engine::EngineHandle>::new(
            PreimageStore::open(&cache).unwrap(),
            None,
        );
        let guest = lamina_node::proof::run_with(host, &inputs, wrong, Mode::Guest(qemu.clone()));
        assert_eq!(guest.await.unwrap().verdict, report.verdict, "block {k}: wrong claim in qemu");
        let host = Host::<lamina_devl1::DevL1, lamina_engine::EngineHandle>::new(
            PreimageStore::open(&cache).unwrap(),
            None,
        );
        let vm = lamina_node::proof::run_with(host, &inputs, wrong, Mode::Vm(elf_bytes.clone()));
        assert_eq!(vm.await.unwrap().verdict, report.verdict, "block {k}: wrong claim on the VM");
    }
    assert!(preimages > 0);

    // The witness-mode step against the fast VM on the guest itself, about the replaced
    // block: every step of windows at the start (boot reads its inputs), at each quarter, and
    // just before the exit.
    let k = n + 1;
    let inputs = inputs_of(&b, k, l1_head, &r.cfg).await;
    let offline = || {
        let host = Host::<lamina_devl1::DevL1, lamina_engine::EngineHandle>::new(
            PreimageStore::open(&cache).unwrap(),
            None,
        );
        std::sync::Arc::new(RunOracle::new(host, &inputs, inputs.node_output).unwrap())
    };
    let total = {
        let mut g = GuestVm::new(&elf_bytes, offline()).unwrap();
        g.run_to(u64::MAX).unwrap();
        g.vm().steps()
    };
    let windows = [(0, 20_000), (total / 4, 2_000), (total / 2, 2_000), (3 * total / 4, 2_000)];
    let windows = windows.into_iter().chain([(total - 2_000, 2_001)]);
    let mut g = GuestVm::new(&elf_bytes, offline()).unwrap();
    let (mut checked, mut reads, mut writes) = (0, 0, 0);
    for (start, len) in windows {
        g.run_to(start).unwrap();
        for _ in 0..len {
            let w = g.witness().unwrap();
            let post = w.step().unwrap_or_else(|e| panic!("step {}: {e}", g.vm().steps()));
            g.run_to(g.vm().steps() + 1).unwrap();
            assert_eq!(post, g.vm_mut().state().hash(), "step {}", g.vm().steps());
            checked += 1;
            reads += u64::from(w.preimage.is_some());
            writes += u64::from(w.preimage.is_none() && w.proof.len() > 1920);
        }
    }
    assert_eq!(g.vm().exit_code(), Some(0), "the last window runs to the exit");
    assert!(reads > 0 && writes > 0, "{reads} preimage reads, {writes} memory writes");
    eprintln!("{checked} of {total} guest steps checked, {reads} preimage reads among them");
}
