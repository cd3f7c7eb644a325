#!/usr/bin/env bash
# Runs every test of the workspace: cargo nextest (unit, integration, property, end-to-end) plus
# doc tests, and compiles the benches. Installs what the tests need by itself.
#
# Environment:
#   CARGO_TARGET_DIR        shared build dir (default: ~/.cache/lamina-target, reused across runs)
#   LAMINA_VECTORS          OP test vectors (default: tests/vectors in this repo)
# A test never skips: one that cannot find what it needs (vectors, node, anvil, cast) fails.
set -euo pipefail
cd "$(dirname "$0")/.."

export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/lamina-target}"

if ! cargo nextest --version >/dev/null 2>&1; then
    echo "installing cargo-nextest…"
    cargo install cargo-nextest --locked
fi

# solc (solcjs) for the contract artifact check; anvil, cast and viem for the client tests;
# each from its lockfile.
npm ci --prefix contracts --no-audit --no-fund --loglevel=error
npm ci --prefix tools --no-audit --no-fund --loglevel=error
# viem for the end-to-end bridge tests (tests/e2e), against a running `lamina dev`, and
# playwright-core, which drives Debian's chromium for the explorer's browser test (browser
# downloads do not work here: the distribution's browser is the one used).
npm ci --prefix tests/e2e --no-audit --no-fund --loglevel=error
if [ ! -x /usr/bin/chromium ]; then
    echo "installing chromium…"
    SUDO=""
    if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi
    $SUDO apt-get install -y --no-install-recommends chromium >/dev/null \
        || { $SUDO apt-get update >/dev/null && $SUDO apt-get install -y --no-install-recommends chromium >/dev/null; }
fi

# The pure core without std, and the fault-proof program's RISC-V guest built from it.
./scripts/check-no-std.sh
./scripts/build-program.sh

cargo nextest run --workspace --profile "${NEXTEST_PROFILE:-default}"
cargo test --workspace --doc
cargo bench --workspace --no-run
