#!/usr/bin/env bash
# Checks that the pure core builds without the standard library, as the fault-proof program
# needs it on a RISC-V VM: `program/` (its own workspace and lockfile, so the main workspace's
# std and C features cannot leak in) is checked for riscv64imac-unknown-none-elf with
# `-Zbuild-std=core,alloc`, with Debian's toolchain (guest-toolchain.sh installs it).
#
# Environment:
#   LAMINA_GUEST_TARGET_DIR   build dir (default: ~/.cache/lamina-guest-target)
set -euo pipefail
cd "$(dirname "$0")/.."

# shellcheck source=guest-toolchain.sh
source scripts/guest-toolchain.sh
guest_toolchain

# rustup's cargo may come first in PATH: call Debian's tools by absolute path.
cd program
RUSTC=/usr/bin/rustc RUSTDOC=/usr/bin/rustdoc RUSTC_BOOTSTRAP=1 \
    CARGO_TARGET_DIR="${LAMINA_GUEST_TARGET_DIR:-$HOME/.cache/lamina-guest-target}" \
    /usr/bin/cargo check --locked --target riscv64imac-unknown-none-elf -Zbuild-std=core,alloc
echo "no_std: lamina-protocol, -derive, -evm and -proof build for riscv64imac-unknown-none-elf"
