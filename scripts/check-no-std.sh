#!/usr/bin/env bash
# Checks that the pure core builds without the standard library, as the fault-proof program
# needs it on a RISC-V VM: `program/` (its own workspace and lockfile, so the main workspace's
# std and C features cannot leak in) is checked for riscv64imac-unknown-none-elf with
# `-Zbuild-std=core,alloc`. That needs the Rust standard library's sources, which rustup here
# cannot fetch; Debian's rustc-web packages carry them, and are installed when missing.
#
# Environment:
#   LAMINA_GUEST_TARGET_DIR   build dir (default: ~/.cache/lamina-guest-target)
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -d /usr/lib/rustlib/src/rust/library ] || [ ! -x /usr/bin/cargo ]; then
    echo "installing Debian's Rust toolchain with its sources (rustc-web, cargo-web, rust-web-src)…"
    SUDO=""
    if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq rustc-web cargo-web rust-web-src
fi

# rustup's cargo may come first in PATH: call Debian's tools by absolute path.
cd program
RUSTC=/usr/bin/rustc RUSTDOC=/usr/bin/rustdoc RUSTC_BOOTSTRAP=1 \
    CARGO_TARGET_DIR="${LAMINA_GUEST_TARGET_DIR:-$HOME/.cache/lamina-guest-target}" \
    /usr/bin/cargo check --locked --target riscv64imac-unknown-none-elf -Zbuild-std=core,alloc
echo "no_std: lamina-protocol, -derive, -evm and -proof build for riscv64imac-unknown-none-elf"
