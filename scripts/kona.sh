#!/usr/bin/env bash
# Lamina next to a real OP consensus node on one gossip network: builds kona-node 1.0.0-rc.1
# from crates.io once (release, with its C dependencies: ~13 min measured on 2 cores), then runs the
# test where kona, as a full node of a lamina dev chain (its engine: lamina engine), validates,
# inserts and relays the sequencer's gossiped blocks to a Lamina verifier, and the test where kona
# as a validator on a fresh lamina engine derives a Lamina chain to our block hashes.
# Not part of the default suite (the build alone is a third of CI's budget): CI runs it when
# LAMINA_KONA_NODE names a built binary.
set -euo pipefail
cd "$(dirname "$0")/.."

root="${KONA_ROOT:-$HOME/.cache/kona-node}"
if [ -z "${LAMINA_KONA_NODE:-}" ]; then
    if [ ! -x "$root/bin/kona-node" ]; then
        echo "building kona-node 1.0.0-rc.1 into $root…"
        cargo install kona-node --version 1.0.0-rc.1 --locked --root "$root"
    fi
    export LAMINA_KONA_NODE="$root/bin/kona-node"
fi
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/lamina-target}"
npm ci --prefix tools --no-audit --no-fund --loglevel=error
cargo nextest run -p lamina --run-ignored only -E 'test(/^kona::/)' --no-capture
