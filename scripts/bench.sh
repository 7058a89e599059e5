#!/usr/bin/env bash
# The VM benchmark (BENCHMARKS.md, "VM: instructions per second"): installs what it needs, builds
# the guests (the benchmark workloads for the VM and natively) and the harness, then runs every
# workload on the Verdict VM (fast mode; with a state clone or a .bin.gz snapshot every 10^8 steps;
# memory roots; a proof mid-run), ckb-vm (asm), qemu-riscv64 and the native build, each measurement
# 3 times in a fresh process, and prints markdown tables (also saved in target/bench/).
#
#   scripts/bench.sh                                   # everything (about 5-10 minutes on 2 cores)
#   scripts/bench.sh --workloads keccak,sort --repeat 1
#   scripts/bench.sh --help                            # the harness's options
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh
scripts/build-guests.sh
cargo build --release -p verdict-vm-bench
mkdir -p target/bench
stamp="$(date -u +%Y%m%dT%H%M%SZ)"
target/release/verdict-vm-bench --json "target/bench/results-$stamp.json" "$@" \
    | tee "target/bench/report-$stamp.md"
echo "bench: report in target/bench/report-$stamp.md, raw results in target/bench/results-$stamp.json" >&2
