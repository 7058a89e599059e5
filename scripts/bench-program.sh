#!/usr/bin/env bash
# The fault proof program per block on both VMs and under QEMU (BENCHMARKS.md, "The fault proof
# programs on MIPS64" and issue 19): the block-check program built for RISC-V
# (guests/build/block-check.elf) and for MIPS64 (guests/build/mips64/block-check.elf) executes
# each OP Sepolia fixture block inside `verdict vm run`, fed by `verdict host --server --fixture
# DIR`, on each engine: the RISC-V JIT, the MIPS64 JIT and the MIPS64 interpreter
# (VERDICT_JIT=0), and the RISC-V interpreter; and the same ELFs under qemu-riscv64 and
# qemu-mips64 (qemu-user, Linux syscalls), fed by `verdict host --fixture DIR -- <qemu> <elf>`
# over the same fds 3..6. The engines take turns on each block, so they share the machine's
# load; each is run REPEAT times in a fresh process and the best time is kept. Every run must end
# VALID (exit 0, the fixture's block hash printed), with the same step count as the engine's
# other runs. Prints a markdown table (also saved in target/bench/) with the load average before
# and after.
#
#   scripts/bench-program.sh                          # all six blocks, 3 runs each
#   REPEAT=1 scripts/bench-program.sh 26207960 26207963
#   SKIP_BUILD=1 ...                                  # use the built guests and target/release/verdict
#   MIPS_ELF=path RISCV_ELF=path ...                  # other builds of block-check
#   VERDICT_BIN=path ...                              # another build of verdict (A/B runs)
#
# Times are those `verdict vm run` reports: the run from the loaded state to the exit (the state
# loading excluded; the host, a child process, loads and checks the fixture meanwhile). QEMU's
# are the wall time of the qemu process, its start and ELF loading included (a few ms); its
# instructions per second are counted at the VM's step count (the same program and inputs).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"

die() { echo "bench-program: error: $*" >&2; exit 1; }

REPEAT="${REPEAT:-3}"
[[ "$REPEAT" =~ ^[1-9][0-9]*$ ]] || die "REPEAT must be a positive integer, not '$REPEAT'"
FIXTURES="${VERDICT_FIXTURES:-$ROOT/../shared/fixtures}"
[[ -d "$FIXTURES/op-sepolia-blocks" ]] \
    || die "$FIXTURES/op-sepolia-blocks not found (set VERDICT_FIXTURES)"

if [[ "${SKIP_BUILD:-0}" != 1 ]]; then
    scripts/install-deps.sh
    scripts/build-guests.sh
    cargo build --release -p verdict
fi
VERDICT="${VERDICT_BIN:-$ROOT/target/release/verdict}"
RISCV_ELF="${RISCV_ELF:-$ROOT/guests/build/block-check.elf}"
MIPS_ELF="${MIPS_ELF:-$ROOT/guests/build/mips64/block-check.elf}"
for f in "$VERDICT" "$RISCV_ELF" "$MIPS_ELF"; do
    [[ -x "$f" || -f "$f" ]] || die "$f not found (run without SKIP_BUILD=1)"
done
for q in qemu-riscv64 qemu-mips64; do
    command -v "$q" >/dev/null || die "$q not found (scripts/install-deps.sh installs qemu-user)"
done

if [[ $# -gt 0 ]]; then
    blocks=("$@")
else
    blocks=()
    for d in "$FIXTURES"/op-sepolia-blocks/block-*/; do
        blocks+=("$(basename "$d" | sed 's/^block-//')")
    done
fi
[[ ${#blocks[@]} -gt 0 ]] || die "no fixture blocks in $FIXTURES/op-sepolia-blocks"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
"$VERDICT" vm load-elf --path "$RISCV_ELF" --out "$work/riscv.bin.gz" --meta "" \
    || die "loading $RISCV_ELF failed"
"$VERDICT" vm load-elf --path "$MIPS_ELF" --out "$work/mips64.bin.gz" --meta "" \
    || die "loading $MIPS_ELF failed"

# The engines, as "<name> <state> <VERDICT_JIT, or qemu>".
engines=("riscv-jit riscv 1" "riscv-qemu riscv qemu" "mips64-jit mips64 1" "mips64-qemu mips64 qemu"
    "mips64-interp mips64 0" "riscv-interp riscv 0")

# run_qemu <state> <fixture dir> <expected hash>: prints "- <seconds>" of one run under qemu-user.
run_qemu() {
    local state="$1" dir="$2" hash="$3" out="$work/stdout" ns="$work/qemu-ns" qemu elf
    if [[ "$state" == riscv ]]; then qemu=qemu-riscv64 elf="$RISCV_ELF"; else qemu=qemu-mips64 elf="$MIPS_ELF"; fi
    rm -f "$ns"
    # The host runs bash with the channels on fds 3..6; bash times qemu, which inherits them.
    # shellcheck disable=SC2016
    if ! "$VERDICT" host --fixture "$dir" -- bash -c \
        's=$(date +%s%N); "$1" "$2"; rc=$?; e=$(date +%s%N); echo $((e - s)) >"$3"; exit $rc' \
        _ "$qemu" "$elf" "$ns" >"$out" 2>&1; then
        cat "$out" >&2
        die "$qemu $elf on $dir failed"
    fi
    grep -qi "$hash" "$out" || die "$qemu on $dir did not print $hash: $(cat "$out")"
    [[ -s "$ns" ]] || die "$qemu on $dir: no time recorded"
    echo "- $(awk -v n="$(cat "$ns")" 'BEGIN { printf "%.4f", n / 1e9 }')"
}

# run_once <state> <jit> <fixture dir> <expected hash>: prints "<steps> <seconds>" of one run.
run_once() {
    local state="$1" jit="$2" dir="$3" hash="$4" out err line steps rate
    if [[ "$jit" == qemu ]]; then
        run_qemu "$state" "$dir" "$hash"
        return
    fi
    out="$work/stdout" err="$work/stderr"
    if ! VERDICT_JIT="$jit" "$VERDICT" vm run --input "$work/$state.bin.gz" --output "" \
        -- "$VERDICT" host --server --fixture "$dir" >"$out" 2>"$err"; then
        cat "$err" >&2
        die "the run of $state (VERDICT_JIT=$jit) on $dir failed"
    fi
    grep -qi "$hash" "$out" \
        || die "$state (VERDICT_JIT=$jit) on $dir did not print $hash: $(cat "$out")"
    line="$(grep '^stopped at step' "$err" | tail -n 1)"
    [[ "$line" == *"exited with code 0"* ]] || die "$state on $dir did not exit 0: $line"
    # "stopped at step N (exited with code 0), S steps in T s (R M steps/s), ...": the time is
    # S / R (R has more digits than T).
    steps="$(sed -E 's/.*\), ([0-9]+) steps in .*/\1/' <<<"$line")"
    rate="$(sed -E 's/.* s \(([0-9.]+) M steps\/s\).*/\1/' <<<"$line")"
    [[ "$steps" =~ ^[0-9]+$ && "$rate" =~ ^[0-9.]+$ ]] || die "cannot parse: $line"
    echo "$steps $(awk -v s="$steps" -v r="$rate" 'BEGIN { printf "%.4f", s / (r * 1e6) }')"
}

# group <integer>: with thousands separators (1,234,567).
group() { sed -E ':a;s/([0-9])([0-9]{3})($|,)/\1,\2\3/;ta' <<<"$1"; }

declare -A total=()
mkdir -p target/bench
stamp="$(date -u +%Y%m%dT%H%M%SZ)"
report="target/bench/program-$stamp.md"
{
    echo "bench-program: $(git rev-parse --short HEAD 2>/dev/null || echo '?'), $(date -u '+%Y-%m-%d %H:%M UTC'),"
    echo "load average at the start: $(cut -d' ' -f1-3 /proc/loadavg); best of $REPEAT runs"
    echo "RISC-V: ${RISCV_ELF#"$ROOT/"}, MIPS64: ${MIPS_ELF#"$ROOT/"}"
    echo
    echo "| block | RISC-V steps | MIPS64 steps | MIPS64 / RISC-V | RISC-V JIT s (M steps/s) | qemu-riscv64 s (M instr/s) | RISC-V JIT / QEMU | MIPS64 JIT s (M steps/s) | qemu-mips64 s (M instr/s) | MIPS64 JIT / QEMU | MIPS64 interpreter s (M steps/s) | RISC-V interpreter s (M steps/s) |"
    echo "|---|---|---|---|---|---|---|---|---|---|---|---|"
} | tee "$report"
for block in "${blocks[@]}"; do
    dir="$FIXTURES/op-sepolia-blocks/block-$block"
    [[ -f "$dir/fixture.json" ]] || die "$dir/fixture.json not found"
    hash="$(sed -nE 's/.*"expected_block_hash"[[:space:]]*:[[:space:]]*"(0x[0-9a-fA-F]{64})".*/\1/p' \
        "$dir/fixture.json" | head -n 1)"
    [[ -n "$hash" ]] || die "no expected_block_hash in $dir/fixture.json"
    declare -A steps=() best=()
    for ((i = 0; i < REPEAT; i++)); do
        for e in "${engines[@]}"; do
            read -r name state jit <<<"$e"
            res="$(run_once "$state" "$jit" "$dir" "$hash")" || exit 1
            read -r s t <<<"$res"
            # QEMU counts no steps: the VM's, on the same program and inputs.
            [[ "$s" == - ]] && s="${steps[$state-jit]}"
            if [[ -n "${steps[$name]:-}" && "${steps[$name]}" != "$s" ]]; then
                die "$name on block $block: $s steps, ${steps[$name]} before"
            fi
            steps[$name]="$s"
            if [[ -z "${best[$name]:-}" ]] || awk -v a="$t" -v b="${best[$name]}" 'BEGIN { exit !(a < b) }'; then
                best[$name]="$t"
            fi
        done
    done
    [[ "${steps[riscv-jit]}" == "${steps[riscv-interp]}" && "${steps[mips64-jit]}" == "${steps[mips64-interp]}" ]] \
        || die "block $block: the JIT and the interpreter ran different step counts"
    cell() { awk -v s="${steps[$1]}" -v t="${best[$1]}" 'BEGIN { printf "%.3f (%.0f)", t, s / t / 1e6 }'; }
    ratio() { awk -v a="${best[$1]}" -v b="${best[$2]}" 'BEGIN { printf "%.2f", a / b }'; }
    printf '| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n' "$block" \
        "$(group "${steps[riscv-jit]}")" "$(group "${steps[mips64-jit]}")" \
        "$(awk -v m="${steps[mips64-jit]}" -v r="${steps[riscv-jit]}" 'BEGIN { printf "%.2f", m / r }')" \
        "$(cell riscv-jit)" "$(cell riscv-qemu)" "$(ratio riscv-jit riscv-qemu)" \
        "$(cell mips64-jit)" "$(cell mips64-qemu)" "$(ratio mips64-jit mips64-qemu)" \
        "$(cell mips64-interp)" "$(cell riscv-interp)" | tee -a "$report"
    for name in riscv-jit riscv-qemu mips64-jit mips64-qemu; do
        total[$name]="$(awk -v a="${total[$name]:-0}" -v b="${best[$name]}" 'BEGIN { printf "%.4f", a + b }')"
    done
    unset steps best
done
{
    echo
    tot() { awk -v a="${total[$1]}" -v b="${total[$2]}" 'BEGIN { printf "%.3f s / %.3f s = %.2f", a, b, a / b }'; }
    echo "all blocks: RISC-V JIT / qemu-riscv64 $(tot riscv-jit riscv-qemu); MIPS64 JIT / qemu-mips64 $(tot mips64-jit mips64-qemu)"
    echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
} | tee -a "$report"
echo "bench-program: report in $report" >&2
