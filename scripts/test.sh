#!/usr/bin/env bash
# Verdict's test suite: installs what it needs, builds the guest programs, then runs formatting,
# lint and every test. In CI (CI=true) a missing tool or guest is a failure, never a skip.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh
scripts/build-guests.sh

echo "== cargo fmt"
cargo fmt --all -- --check
echo "== cargo clippy"
cargo clippy --workspace --all-targets -- -D warnings
echo "== no_std build of the stateless verifier"
cargo build -p verdict-riscv-verifier --no-default-features
echo "== cargo test"
cargo test --workspace
