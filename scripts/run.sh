#!/usr/bin/env bash
# Verdict's main job (for now: the fault proof VM end to end). Installs what it needs, builds the
# guests and the verdict binary, runs a compute-heavy guest to completion in the VM with progress
# output, proves a step in the middle of the run and checks that proof with the stateless verifier.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh
scripts/build-guests.sh
cargo build --release -p verdict
verdict=target/release/verdict
work=target/run
mkdir -p "$work"

guest=guests/build/rust-compute.elf
echo "== load $guest"
$verdict vm load-elf --path "$guest" --out "$work/state.bin.gz" --meta "$work/meta.json"
echo "== run to the end, proving step 123456789"
$verdict vm run --input "$work/state.bin.gz" --output "$work/final.json.gz" --meta "$work/meta.json" \
  --info-at %50000000 --proof-at =123456789 --proof-fmt "$work/proof-%d.json"
echo "== final state"
$verdict vm witness --input "$work/final.json.gz"
echo "== verify the proof statelessly"
$verdict vm verify --proof "$work/proof-123456789.json"
