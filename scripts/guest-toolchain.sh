#!/usr/bin/env bash
# Installs what the RISC-V guest (`program/`) is built and checked with, when missing: Debian's
# Rust with the standard library's sources (rustup here cannot fetch them; -Zbuild-std needs
# them), lld to link, riscv64 binutils to inspect the ELF (and to assemble the VM's test
# programs), and qemu-user, the reference the VM and the guest's verdicts are checked against.
# Sourced by check-no-std.sh and
# build-program.sh.
guest_toolchain() {
    local missing=()
    [ -d /usr/lib/rustlib/src/rust/library ] && [ -x /usr/bin/cargo ] || missing+=(rustc-web cargo-web rust-web-src)
    command -v ld.lld-22 >/dev/null || missing+=(lld-22)
    command -v riscv64-linux-gnu-objdump >/dev/null || missing+=(binutils-riscv64-linux-gnu)
    command -v qemu-riscv64 >/dev/null || missing+=(qemu-user)
    if [ ${#missing[@]} -gt 0 ]; then
        echo "installing the guest toolchain: ${missing[*]}…"
        local sudo=""
        if [ "$(id -u)" != 0 ]; then sudo="sudo"; fi
        $sudo apt-get update -qq
        DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}"
    fi
}
