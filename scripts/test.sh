#!/usr/bin/env bash
# Verdict's test suite: installs what it needs, builds the guest programs, then runs formatting,
# lint and every test. In CI (CI=true) a missing tool or guest is a failure, never a skip.
set -euo pipefail
cd "$(dirname "$0")/.."
# A CI run builds once: incremental caches would only take disk space.
if [ "${CI:-}" = true ]; then export CARGO_INCREMENTAL=0; fi
# Each stage's heading says when it started, so a slow run shows which stage took the time.
stage() { echo "== $1 (at $SECONDS s)"; }

stage "tools"
scripts/install-deps.sh
stage "guest programs"
scripts/build-guests.sh

stage "L1 contracts: recompiling reproduces contracts/out byte for byte"
scripts/build-contracts.sh --check
stage "cargo fmt"
cargo fmt --all -- --check
stage "cargo clippy"
cargo clippy --workspace --all-targets -- -D warnings
stage "no_std builds (the verifier, derivation)"
cargo build -p verdict-riscv-verifier --no-default-features
cargo build -p verdict-mips64-verifier --no-default-features
cargo build -p verdict-derive --no-default-features
stage "cargo test"
cargo test --workspace
stage "derivation against kona-derive (100 seeded chains; KONA_DIFF_SEEDS=1000 for the full run)"
(cd crates/derive/kona-diff && cargo fmt -- --check && cargo clippy --all-targets -- -D warnings && cargo test --release)
stage "all passed"
