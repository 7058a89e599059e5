#!/usr/bin/env bash
# Fuzzes every parser of untrusted input with cargo-fuzz (libFuzzer, with debug assertions, so an
# arithmetic overflow is a crash), SECONDS per target (default 600), then merges the inputs that
# found new coverage into fuzz/corpus/<target>/ (replayed by `cargo test -p verdict-fuzz-targets`).
# Crashes are left in fuzz/artifacts/<target>/.
#   scripts/fuzz.sh [SECONDS] [TARGET...]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-600}
shift || true
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
    targets=(elf state_file proof_file preimage_server preimage_client fixture)
fi
command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --locked
export RUSTC_BOOTSTRAP=1 # cargo-fuzz passes nightly flags (sanitizers) to the pinned stable rustc
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd fuzz
for t in "${targets[@]}"; do
    mkdir -p "$work/$t"
    echo "== $t: ${seconds}s"
    # Bounded: 2 GiB of RSS, no single allocation over 512 MiB, 10 s per input.
    cargo fuzz run -O -a "$t" "$work/$t" "corpus/$t" -- \
        -max_total_time="$seconds" -rss_limit_mb=2048 -malloc_limit_mb=512 -timeout=10 \
        -print_final_stats=1 2>&1 | grep -E "^(#[0-9]+ +DONE|stat::number_of_executed_units|stat::peak_rss_mb|==[0-9]+== ERROR|SUMMARY|artifact_prefix|Test unit written)" || true
    if [ -n "$(ls -A "artifacts/$t" 2>/dev/null)" ]; then
        echo "$t: crashes in fuzz/artifacts/$t"
        exit 1
    fi
    cargo fuzz run -O -a "$t" -- -merge=1 "corpus/$t" "$work/$t" 2>&1 | grep -E "MERGE-OUTER: [0-9]+ new files" || true
done
