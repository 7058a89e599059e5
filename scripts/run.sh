#!/usr/bin/env bash
# Verdict's main job: a fault proof run on real chain data. Installs what it needs, builds the guests
# and the verdict binary, then executes an OP Sepolia block inside the fault proof VM, fed by the
# preimage host, and reads the verdict from the VM's exit status: VALID for the real block hash,
# INVALID for a wrong claim. A step in the middle of the run (one that reads a preimage) is proven
# and checked with the stateless verifier, as the onchain step would.
#
#   scripts/run.sh [fixture block directory]   (default: the smallest shared fixture block)
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh
scripts/build-guests.sh
cargo build --release -p verdict
verdict="$PWD/target/release/verdict"
fixtures="${VERDICT_FIXTURES:-$PWD/../shared/fixtures}"
block="${1:-$fixtures/op-sepolia-blocks/block-26207960}"
[[ -d "$block" ]] || { echo "run: fixture block $block not found (set VERDICT_FIXTURES or pass a directory)" >&2; exit 1; }
work=target/run
rm -rf "$work" && mkdir -p "$work"

echo "== load the fault proof program (block-check) into the VM"
$verdict vm load-elf --path guests/build/block-check.elf --out "$work/state.bin.gz" --meta "$work/meta.json"

echo "== execute $(basename "$block") in the VM, the host serving the fixture; claim: the real block hash"
$verdict vm run --input "$work/state.bin.gz" --output "$work/valid.json" --meta "$work/meta.json" --info-at %20000000 \
  -- "$verdict" host --server --fixture "$block"
$verdict vm witness --input "$work/valid.json" | tee "$work/valid-witness.json"
grep -q '"exitCode": 0' "$work/valid-witness.json" || { echo "run: expected VALID (exit 0)" >&2; exit 1; }

echo "== the same with a wrong claimed block hash"
wrong=0x$(printf 'ab%.0s' {1..32})
$verdict vm run --input "$work/state.bin.gz" --output "$work/invalid.json" \
  -- "$verdict" host --server --fixture "$block" --claimed-l2-output-root "$wrong"
$verdict vm witness --input "$work/invalid.json" | tee "$work/invalid-witness.json"
grep -q '"exitCode": 1' "$work/invalid-witness.json" || { echo "run: expected INVALID (exit 1)" >&2; exit 1; }

echo "== prove the first step reading a global preimage after the middle of the run, and verify it"
steps=$(sed -n 's/.*"step": \([0-9]*\).*/\1/p' "$work/valid-witness.json")
$verdict vm run --input "$work/state.bin.gz" --output "$work/middle.bin.gz" --stop-at "=$((steps / 2))" \
  -- "$verdict" host --server --fixture "$block"
$verdict vm run --input "$work/middle.bin.gz" --output "$work/read.json" --stop-at-preimage-type global \
  -- "$verdict" host --server --fixture "$block"
n=$(( $(sed -n 's/.*"step": \([0-9]*\).*/\1/p' <($verdict vm witness --input "$work/read.json")) - 1 ))
$verdict vm run --input "$work/middle.bin.gz" --output "" --proof-at "=$n" --stop-at "=$((n + 1))" \
  --proof-fmt "$work/proof-%d.json" -- "$verdict" host --server --fixture "$block"
$verdict vm verify --proof "$work/proof-$n.json"
