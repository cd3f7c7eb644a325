//! The absolute prestate: the guest ELF that scripts/build-program.sh built from this checkout
//! must be the one `program/prestate.json` commits to (its sha256, and the VM state hash at its
//! entry, as `lamina proof vm load-elf` prints it). A change to the program, its dependencies
//! or the toolchain changes the prestate; this test fails until the file says so.

use std::process::Command;

use serde_json::Value;

#[test]
fn the_committed_prestate_is_the_built_elfs() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let committed: Value =
        serde_json::from_str(&std::fs::read_to_string(root.join("program/prestate.json")).unwrap())
            .unwrap();
    let elf = lamina_node::proof::guest::default_elf();
    assert!(elf.is_file(), "{}: build it with scripts/build-program.sh", elf.display());
    let out = Command::new(env!("CARGO_BIN_EXE_lamina"))
        .args(["proof", "vm", "load-elf", "--json", "--elf"])
        .arg(&elf)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let built: Value = serde_json::from_slice(&out.stdout).unwrap();
    for field in ["prestate", "elf_sha256", "elf_bytes"] {
        assert_eq!(
            built[field], committed[field],
            "the guest ELF changed: program/prestate.json must become {built}"
        );
    }
    // Independently of the CLI: the VM's state at the entry hashes to the committed prestate,
    // and its status byte says unfinished.
    let mut vm = lamina_rvm::Vm::from_elf(&std::fs::read(&elf).unwrap()).unwrap();
    let hash = vm.state().hash();
    assert_eq!(format!("{hash}"), committed["prestate"].as_str().unwrap());
    assert_eq!(hash.0[0], lamina_rvm::Status::Unfinished as u8);
}
