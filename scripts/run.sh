#!/usr/bin/env bash
# Verdict's main job: the fault proof program judges full claims inside the fault proof VM. Installs
# what it needs, builds the guests and the verdict binary, writes full-claim fixtures from a
# synthetic chain (L1 blocks with the batcher's calldata and blobs, the L2 chain executed by our
# executor; a claim 40 blocks past the agreed one, across Holocene's and Isthmus's activation), then
# runs the program (claim.elf) in the VM fed by the preimage host, and reads the verdict from the
# VM's exit status: VALID for the true output root, INVALID for a wrong one. A step in the middle of
# the run that reads a preimage is proven and checked with the stateless verifier, as the onchain
# step would.
#
#   scripts/run.sh [KIND [SEED]]   (KIND: one-block, hundred-blocks, fork (default), l1-short,
#                                   blobs, at-or-below, granite)
set -euo pipefail
cd "$(dirname "$0")/.."

kind="${1:-fork}"
seed="${2:-1}"
scripts/install-deps.sh
scripts/build-guests.sh
cargo build --release -p verdict
verdict="$PWD/target/release/verdict"
work=target/run
rm -rf "$work" && mkdir -p "$work"

echo "== write the $kind claims (seed $seed): a valid and an invalid claimed output root"
$verdict program claim-fixture --kind "$kind" --seed "$seed" --out "$work/claims"

echo "== load the fault proof program (claim.elf) into the VM"
$verdict vm load-elf --path guests/build/claim.elf --out "$work/state.bin.gz" --meta "$work/meta.json"

for claim in valid invalid; do
  expected=$([[ $claim == valid ]] && echo 0 || echo 1)
  echo "== judge the $claim claim in the VM, the host serving its fixture"
  $verdict vm run --input "$work/state.bin.gz" --output "$work/$claim.json" --meta "$work/meta.json" \
    --info-at %500000000 -- "$verdict" host --server --fixture "$work/claims/$claim"
  $verdict vm witness --input "$work/$claim.json" | tee "$work/$claim-witness.json"
  grep -q "\"exitCode\": $expected" "$work/$claim-witness.json" \
    || { echo "run: expected exit $expected for the $claim claim" >&2; exit 1; }
done

echo "== prove the first step reading a global preimage after the middle of the run, and verify it"
fixture="$work/claims/valid"
steps=$(sed -n 's/.*"step": \([0-9]*\).*/\1/p' "$work/valid-witness.json")
$verdict vm run --input "$work/state.bin.gz" --output "$work/middle.bin.gz" --stop-at "=$((steps / 2))" \
  -- "$verdict" host --server --fixture "$fixture"
$verdict vm run --input "$work/middle.bin.gz" --output "$work/read.json" --stop-at-preimage-type global \
  -- "$verdict" host --server --fixture "$fixture"
n=$(( $(sed -n 's/.*"step": \([0-9]*\).*/\1/p' <($verdict vm witness --input "$work/read.json")) - 1 ))
$verdict vm run --input "$work/middle.bin.gz" --output "" --proof-at "=$n" --stop-at "=$((n + 1))" \
  --proof-fmt "$work/proof-%d.json" -- "$verdict" host --server --fixture "$fixture"
$verdict vm verify --proof "$work/proof-$n.json"
echo "run: the valid claim exits 0 (VALID) and the invalid one 1 (INVALID) in the VM; step $n verified"
