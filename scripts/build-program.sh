#!/usr/bin/env bash
# Builds the guest: `program/` as a bare RV64IMA executable (no compressed instructions, which
# the VM does not decode) with Debian's toolchain, and prints its path, size and sha256.
# Fails when the ELF holds any 16-bit (compressed) instruction. Note that disabling `c` alone
# leaves LLVM's `zca` on: both go.
#
# Environment:
#   LAMINA_GUEST_TARGET_DIR   build dir (default: ~/.cache/lamina-guest-target)
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=guest-toolchain.sh
source scripts/guest-toolchain.sh
guest_toolchain

target_dir="${LAMINA_GUEST_TARGET_DIR:-$HOME/.cache/lamina-guest-target}"
# The ELF must be the same bytes wherever the repository and cargo's home are: the absolute
# prestate (program/prestate.json) is its hash. Two things carry the checkout's path: panic
# messages (rewritten with --remap-path-prefix, as is cargo's home) and cargo's hash of each
# path dependency outside the guest's workspace (its absolute path goes into every symbol).
# So the build goes through a fixed path, a symlink to this checkout, held under a lock while
# it builds.
root="$(pwd)"
cargo_home="${CARGO_HOME:-$HOME/.cargo}"
fixed=/tmp/lamina-guest-src
remap="--remap-path-prefix=$fixed=/lamina --remap-path-prefix=$root=/lamina"
remap="$remap --remap-path-prefix=$cargo_home=/cargo"
exec 9>"$fixed.lock"
flock 9
ln -sfn "$root" "$fixed"
RUSTC=/usr/bin/rustc RUSTDOC=/usr/bin/rustdoc RUSTC_BOOTSTRAP=1 \
    RUSTFLAGS="-Ctarget-feature=-c,-zca $remap" CARGO_TARGET_DIR="$target_dir" \
    /usr/bin/cargo build --locked --release --target riscv64imac-unknown-none-elf \
    --manifest-path "$fixed/program/Cargo.toml" \
    -Zbuild-std=core,alloc -Zbuild-std-features=compiler-builtins-mem --bin lamina-program
flock -u 9
elf="$target_dir/riscv64imac-unknown-none-elf/release/lamina-program"

# Every instruction must be 32 bits wide: objdump prints a compressed one as 4 hex digits.
compressed=$(riscv64-linux-gnu-objdump -d "$elf" \
    | awk -F'\t' '/^ +[0-9a-f]+:/ { gsub(/ /, "", $2); if (length($2) == 4) n++ } END { print n + 0 }')
if [ "$compressed" != 0 ]; then
    echo "error: $elf holds $compressed compressed instructions" >&2
    exit 1
fi
if riscv64-linux-gnu-readelf -h "$elf" | grep -q RVC; then
    echo "error: $elf is flagged RVC" >&2
    exit 1
fi
echo "guest: $elf"
echo "guest: $(stat -c %s "$elf") bytes, sha256 $(sha256sum "$elf" | cut -d' ' -f1), no compressed instructions"
