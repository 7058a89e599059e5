#!/usr/bin/env bash
# Build every Verdict guest program into guests/build/<name>.elf.
#
#   C guests:    guests/c/<name>.c + the runtime in guests/c/rt/, built with
#                riscv64-linux-gnu-gcc for rv64ima / lp64 without libc.
#   Rust guests: guests/rust/ (its own cargo workspace) and the guest binaries
#                of the main workspace (crates/guest), built with Debian's
#                rustc + rust-src (-Zbuild-std) for riscv64imac-unknown-none-elf
#                with the C extension disabled, linked with rust-lld.
#   MIPS64 guests: guests/mips64/<name>.c + guests/mips64/rt/, built with
#                mips64-linux-gnuabi64-gcc for Cannon's MIPS64 VM into
#                guests/build/mips64/<name>.elf.
#   MIPS64 Rust guests: the same Rust programs for guests/mips64-verdict-none.json
#                into guests/build/mips64/<name>.elf (the fault proof programs with a cheaper
#                release profile than the RISC-V ones: see below).
#   Go guests:   guests/go/<name>/ built with Debian's Go 1.19 for GOARCH=mips64
#                (soft float) into guests/build/mips64/go-<name>.elf.
#   Benchmark workloads (guests/bench/, see its README): C and Rust guests into
#                guests/build/bench/<name>.elf, and the same sources built for
#                the host (gcc, the rustup toolchain) into
#                guests/build/bench/native/<name> as the benchmark's floor.
#
# Incremental: a guest is only rebuilt when one of its sources (or this script)
# is newer than its ELF. Every ELF is checked to contain no compressed
# instructions. Install the tools with scripts/install-deps.sh.
#
# Environment overrides: CROSS_PREFIX (default riscv64-linux-gnu-),
# GUEST_RUSTC (/usr/bin/rustc), GUEST_CARGO (/usr/bin/cargo), RUST_LLD (path),
# HOST_CC (gcc, for the native benchmark floors), SKIP_RUST_GUEST=1 to build
# only the C guests, SKIP_BENCH_GUESTS=1 to skip the benchmark workloads,
# SKIP_MIPS64_PROGRAMS=1 to skip the MIPS64 fault proof programs (local use only, not with CI=true).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SCRIPT="$ROOT/scripts/build-guests.sh"
OUT="$ROOT/guests/build"
CDIR="$ROOT/guests/c"
RDIR="$ROOT/guests/rust"
BDIR="$ROOT/guests/bench"
BOUT="$OUT/bench"
HOST_CC="${HOST_CC:-gcc}"
CROSS_PREFIX="${CROSS_PREFIX:-riscv64-linux-gnu-}"
CC="${CROSS_PREFIX}gcc"
OBJDUMP="${CROSS_PREFIX}objdump"
GUEST_RUSTC="${GUEST_RUSTC:-/usr/bin/rustc}"
GUEST_CARGO="${GUEST_CARGO:-/usr/bin/cargo}"
RUST_TARGET=riscv64imac-unknown-none-elf
CFLAGS=(-march=rv64ima -mabi=lp64 -nostdlib -static -no-pie -O2
        -ffreestanding -fno-builtin -fno-tree-loop-distribute-patterns
        -fno-stack-protector -Wall -Wextra -Werror -Wl,--build-id=none)

die() { echo "build-guests: error: $*" >&2; exit 1; }
need() { # need <command> <debian package>
    command -v "$1" >/dev/null 2>&1 \
        || die "'$1' not found (Debian package '$2'); run scripts/install-deps.sh"
}

# newer_than <target> <files...>: true if target is missing or older than any file
newer_than() {
    local t="$1"; shift
    [[ -e "$t" ]] || return 0
    local f
    for f in "$@"; do [[ "$f" -nt "$t" ]] && return 0; done
    return 1
}

# Fail if the ELF contains any 16-bit (compressed) instruction.
check_no_rvc() {
    local elf="$1" bad
    bad="$("$OBJDUMP" -d "$elf" | grep -P '^\s*[0-9a-f]+:\t[0-9a-f]{4}\s+\t' | head -n 5 || true)"
    if [[ -n "$bad" ]]; then
        echo "$bad" >&2
        die "$elf contains compressed (RVC) instructions"
    fi
}

mkdir -p "$OUT"
built=0; uptodate=0

# ---------------------------------------------------------------- C guests
need "$CC" gcc-riscv64-linux-gnu
need "$OBJDUMP" binutils-riscv64-linux-gnu
shopt -s nullglob
RT_SOURCES=("$CDIR"/rt/*)

# report_built <label> / report_up_to_date <label>: one output, counted.
report_built() { echo "built     $1"; built=$((built + 1)); }
report_up_to_date() { echo "up to date $1"; uptodate=$((uptodate + 1)); }

# c_guest <source> <elf> <extra dependencies...>: <source> with the C runtime, for the VM.
c_guest() {
    local src="$1" elf="$2"; shift 2
    if newer_than "$elf" "$src" "${RT_SOURCES[@]}" "$SCRIPT" "$@"; then
        "$CC" "${CFLAGS[@]}" -I"$CDIR" -o "$elf.tmp" "$CDIR/rt/start.S" "$CDIR/rt/rt.c" \
            "$CDIR/rt/print.c" "$src" || die "compiling $src failed"
        check_no_rvc "$elf.tmp"
        mv -f "$elf.tmp" "$elf"
        report_built "${elf#"$ROOT/"}"
    else
        report_up_to_date "${elf#"$ROOT/"}"
    fi
}

for src in "$CDIR"/*.c; do
    c_guest "$src" "$OUT/$(basename "$src" .c).elf"
done

# ---------------------------------------------------------------- MIPS64 guests
# guests/mips64/<name>.c with its runtime (guests/mips64/rt/) into guests/build/mips64/<name>.elf,
# for Cannon's MIPS64 VM: big-endian n64, MIPS64 release 1, soft float, no libc, no traps.
MIPS_CC="${MIPS_CROSS_PREFIX:-mips64-linux-gnuabi64-}gcc"
MDIR="$ROOT/guests/mips64"
MOUT="$OUT/mips64"
MIPS_CFLAGS=(-march=mips64 -mabi=64 -EB -msoft-float -mno-check-zero-division -mno-abicalls
             -fno-pic -nostdlib -static -no-pie -O2 -ffreestanding -fno-builtin
             -fno-tree-loop-distribute-patterns -fno-stack-protector -Wall -Wextra -Werror
             -Wl,--build-id=none)
need "$MIPS_CC" gcc-mips64-linux-gnuabi64
mkdir -p "$MOUT"
MIPS_RT=("$MDIR"/rt/*)
# guests/mips64/threads/<name>.c: several threads (compared with QEMU on output and exit code).
for src in "$MDIR"/*.c "$MDIR"/threads/*.c; do
    elf="$MOUT/$(basename "$src" .c).elf"
    if newer_than "$elf" "$src" "${MIPS_RT[@]}" "$SCRIPT"; then
        "$MIPS_CC" "${MIPS_CFLAGS[@]}" -o "$elf.tmp" "$MDIR/rt/start.S" "$MDIR/rt/rt.c" "$src" \
            || die "compiling $src failed"
        mv -f "$elf.tmp" "$elf"
        report_built "${elf#"$ROOT/"}"
    else
        report_up_to_date "${elf#"$ROOT/"}"
    fi
done
# guests/mips64/diverge/<name>.S: programs where Cannon and QEMU are known to differ (the
# differential test shows it catches them).
mkdir -p "$MOUT/diverge"
for src in "$MDIR"/diverge/*.S; do
    elf="$MOUT/diverge/$(basename "$src" .S).elf"
    if newer_than "$elf" "$src" "$SCRIPT"; then
        "$MIPS_CC" "${MIPS_CFLAGS[@]}" -o "$elf.tmp" "$src" || die "assembling $src failed"
        mv -f "$elf.tmp" "$elf"
        report_built "${elf#"$ROOT/"}"
    else
        report_up_to_date "${elf#"$ROOT/"}"
    fi
done

# The benchmark workloads for MIPS64 (guests/c/sha256.c, guests/bench/c/{sort,memtouch}.c) with
# the portable printing code and guests/mips64/rt/bench_rt.c, into guests/build/mips64/bench/.
mkdir -p "$MOUT/bench"
for src in "$CDIR/sha256.c" "$BDIR/c/sort.c" "$BDIR/c/memtouch.c"; do
    elf="$MOUT/bench/$(basename "$src" .c).elf"
    if newer_than "$elf" "$src" "$BDIR/c/bench.h" "$MDIR/rt/bench_rt.c" "$CDIR/rt/print.c" \
        "$CDIR/rt/rt.h" "$MDIR/rt/start.S" "$SCRIPT"; then
        "$MIPS_CC" "${MIPS_CFLAGS[@]}" -I"$CDIR" -o "$elf.tmp" "$MDIR/rt/start.S" \
            "$MDIR/rt/bench_rt.c" "$CDIR/rt/print.c" "$src" || die "compiling $src for MIPS64 failed"
        mv -f "$elf.tmp" "$elf"
        report_built "${elf#"$ROOT/"}"
    else
        report_up_to_date "${elf#"$ROOT/"}"
    fi
done

# ---------------------------------------------------------------- Go guests (MIPS64)
# guests/go/<name>/ (one module, standard library only) into guests/build/mips64/go-<name>.elf
# with Debian's Go 1.19 (GUEST_GO to override): GOOS=linux GOARCH=mips64 GOMIPS64=softfloat.
GUEST_GO="${GUEST_GO:-/usr/lib/go-1.19/bin/go}"
GDIR="$ROOT/guests/go"
[[ -x "$GUEST_GO" ]] || die "$GUEST_GO not found (Debian package 'golang-1.19-go'); run scripts/install-deps.sh"
for dir in "$GDIR"/*/; do
    name="$(basename "$dir")"
    elf="$MOUT/go-$name.elf"
    if newer_than "$elf" "$dir"*.go "$GDIR/go.mod" "$SCRIPT"; then
        (cd "$GDIR" && GOOS=linux GOARCH=mips64 GOMIPS64=softfloat CGO_ENABLED=0 \
            GOCACHE="$OUT/go-cache" GOPATH="$OUT/go-path" GOFLAGS= GOTOOLCHAIN=local \
            "$GUEST_GO" build -trimpath -buildvcs=false -o "$elf.tmp" "./$name") \
            || die "building the Go guest $name failed"
        mv -f "$elf.tmp" "$elf"
        report_built "${elf#"$ROOT/"}"
    else
        report_up_to_date "${elf#"$ROOT/"}"
    fi
done

# ---------------------------------------------------------------- Rust guests
rust_lld=""
# guest_toolchain: checks Debian's guest Rust and finds rust-lld (sets rust_lld).
guest_toolchain() {
    [[ -n "$rust_lld" ]] && return 0
    [[ -x "$GUEST_RUSTC" ]] || die "$GUEST_RUSTC not found (Debian package 'rustc-web'); run scripts/install-deps.sh"
    [[ -x "$GUEST_CARGO" ]] || die "$GUEST_CARGO not found (Debian package 'cargo-web'); run scripts/install-deps.sh"
    local src_root
    src_root="$("$GUEST_RUSTC" --print sysroot)/lib/rustlib/src/rust/library"
    [[ -d "$src_root/core" ]] || die "rust library sources not found at $src_root (Debian package 'rust-web-src'); run scripts/install-deps.sh"
    # rust-lld: $RUST_LLD, else the rustup toolchain's, else Debian's /usr/bin/rust-lld
    rust_lld="${RUST_LLD:-}"
    if [[ -z "$rust_lld" ]] && command -v rustc >/dev/null 2>&1; then
        local host cand
        host="$(cd "$ROOT" && rustc -vV | sed -n 's/^host: //p')"
        cand="$(cd "$ROOT" && rustc --print sysroot)/lib/rustlib/$host/bin/rust-lld"
        [[ -x "$cand" ]] && rust_lld="$cand"
    fi
    [[ -z "$rust_lld" && -x /usr/bin/rust-lld ]] && rust_lld=/usr/bin/rust-lld
    [[ -n "$rust_lld" && -x "$rust_lld" ]] || die "rust-lld not found (rustup toolchain's lib/rustlib/<host>/bin/rust-lld or Debian package 'rust-web-llvm'); set RUST_LLD"
}

# rust_guest <name> <dir to build in> <target dir> <binary> <cargo args...> -- <source dirs...>
rust_guest() {
    local name="$1" dir="$2" target_dir="$3" bin="$4"; shift 4
    local args=() sources=()
    while [[ $# -gt 0 && "$1" != "--" ]]; do args+=("$1"); shift; done
    shift
    local elf="$OUT/$name.elf" d
    for d in "$@"; do
        mapfile -t -O "${#sources[@]}" sources < <(find "$d" -path "$d/target" -prune -o -type f \
            \( -name '*.rs' -o -name 'Cargo.toml' -o -name 'Cargo.lock' \) -print)
    done
    if newer_than "$elf" "${sources[@]}" "$SCRIPT"; then
        guest_toolchain
        # Disabling 'c' alone is not enough with newer LLVM: 'c' implies 'zca'.
        (cd "$dir" && \
            RUSTC_BOOTSTRAP=1 RUSTC="$GUEST_RUSTC" \
            RUSTFLAGS="-C target-feature=-c,-zca -C linker=$rust_lld" \
            CARGO_TARGET_DIR="$target_dir" \
            "$GUEST_CARGO" build --quiet --release --target "$RUST_TARGET" -Zbuild-std=core,alloc "${args[@]}") \
            || die "building the Rust guest $name failed"
        check_no_rvc "$target_dir/$RUST_TARGET/release/$bin"
        cp -f "$target_dir/$RUST_TARGET/release/$bin" "$elf.tmp"
        mv -f "$elf.tmp" "$elf"
        report_built "guests/build/$name.elf"
    else
        report_up_to_date "guests/build/$name.elf"
    fi
}

if [[ "${SKIP_RUST_GUEST:-0}" != 1 ]]; then
    RT="$ROOT/crates/guest-rt"
    rust_guest rust-compute "$RDIR" "$OUT/rust-target" rust-compute -- "$RDIR" "$RT"
    # Guests that are crates of the main workspace (built without their std feature).
    rust_guest oracle-check "$ROOT" "$OUT/ws-target" oracle-check \
        -p verdict-guest --no-default-features --bin oracle-check \
        -- "$ROOT/crates/guest" "$ROOT/crates/preimage" "$RT"
    # The block check: the block executor (crates/program, op-revm) in the VM.
    rust_guest block-check "$ROOT" "$OUT/ws-target" block-check \
        -p verdict-guest --no-default-features --bin block-check \
        -- "$ROOT/crates/guest" "$ROOT/crates/preimage" "$ROOT/crates/program" \
        "$ROOT/crates/chains" "$RT"
    # The fault proof program: derivation (crates/derive) and execution (crates/program).
    rust_guest claim "$ROOT" "$OUT/ws-target" claim \
        -p verdict-guest --no-default-features --bin claim \
        -- "$ROOT/crates/guest" "$ROOT/crates/preimage" "$ROOT/crates/program" \
        "$ROOT/crates/chains" "$ROOT/crates/derive/src" "$ROOT/crates/derive/Cargo.toml" \
        "$ROOT/crates/claim" "$RT"
fi

# ---------------------------------------------------------------- Rust guests (MIPS64)
# The same Rust programs for Cannon's MIPS64 VM: the custom target guests/mips64-verdict-none.json
# (MIPS64 release 1, n64, big-endian, soft float, static, no zero-division traps) with Debian's
# rustc, -Zbuild-std and rust-lld, into guests/build/mips64/<name>.elf.
MIPS_TARGET_JSON="$ROOT/guests/mips64-verdict-none.json"
# mips_rust_guest <name> <dir to build in> <target dir> <binary> <cargo args...> -- <source dirs...>
mips_rust_guest() {
    local name="$1" dir="$2" target_dir="$3" bin="$4"; shift 4
    local args=() sources=()
    while [[ $# -gt 0 && "$1" != "--" ]]; do args+=("$1"); shift; done
    shift
    local elf="$MOUT/$name.elf" d
    for d in "$@"; do
        mapfile -t -O "${#sources[@]}" sources < <(find "$d" -path "$d/target" -prune -o -type f \
            \( -name '*.rs' -o -name 'Cargo.toml' -o -name 'Cargo.lock' \) -print)
    done
    if newer_than "$elf" "${sources[@]}" "$MIPS_TARGET_JSON" "$SCRIPT"; then
        guest_toolchain
        (cd "$dir" && \
            RUSTC_BOOTSTRAP=1 RUSTC="$GUEST_RUSTC" RUSTFLAGS="-C linker=$rust_lld" \
            CARGO_TARGET_DIR="$target_dir" \
            "$GUEST_CARGO" build --quiet --release --target "$MIPS_TARGET_JSON" \
                -Zbuild-std=core,alloc -Zjson-target-spec "${args[@]}") \
            || die "building the MIPS64 Rust guest $name failed"
        cp -f "$target_dir/mips64-verdict-none/release/$bin" "$elf.tmp"
        mv -f "$elf.tmp" "$elf"
        report_built "${elf#"$ROOT/"}"
    else
        report_up_to_date "${elf#"$ROOT/"}"
    fi
}

if [[ "${SKIP_RUST_GUEST:-0}" != 1 ]]; then
    RT="$ROOT/crates/guest-rt"
    mips_rust_guest rust-compute "$RDIR" "$OUT/rust-mips-target" rust-compute -- "$RDIR" "$RT"
fi
# The fault proof programs for MIPS64 (oracle-check, block-check, claim): one cargo build of the
# three binaries, so they share one build of their dependencies and link in parallel. No prestate
# of them is kept onchain, so they need not be reproducible with the workspace's release profile
# (codegen-units = 1, thin LTO, debug info), and this build trades speed of the programs (23-51%
# more steps) for a shorter build: MIPS64_PROFILE_ENV below (guests/README.md has the numbers).
# SKIP_MIPS64_PROGRAMS=1 skips them locally (never in CI: CI=true refuses it).
MIPS64_PROGRAMS=(oracle-check block-check claim)
MIPS64_PROFILE_ENV=(CARGO_PROFILE_RELEASE_CODEGEN_UNITS=16 CARGO_PROFILE_RELEASE_LTO=off
                    CARGO_PROFILE_RELEASE_DEBUG=0)
if [[ "${SKIP_RUST_GUEST:-0}" != 1 && "${SKIP_MIPS64_PROGRAMS:-0}" == 1 ]]; then
    [[ "${CI:-}" == true ]] && die "SKIP_MIPS64_PROGRAMS=1 is for local use: CI builds and tests the MIPS64 programs"
    echo "skipped   the MIPS64 fault proof programs (SKIP_MIPS64_PROGRAMS=1)"
elif [[ "${SKIP_RUST_GUEST:-0}" != 1 ]]; then
    RT="$ROOT/crates/guest-rt"
    mips_target_dir="$OUT/ws-mips-target"
    mapfile -t mips_program_sources < <(find "$ROOT/crates/guest" "$ROOT/crates/preimage" \
        "$ROOT/crates/program" "$ROOT/crates/chains" "$ROOT/crates/derive/src" "$ROOT/crates/claim" \
        "$RT" -type f \( -name '*.rs' -o -name 'Cargo.toml' \) -print)
    mips_program_sources+=("$ROOT/crates/derive/Cargo.toml" "$ROOT/Cargo.toml" "$ROOT/Cargo.lock"
                           "$MIPS_TARGET_JSON" "$SCRIPT")
    stale=0
    for bin in "${MIPS64_PROGRAMS[@]}"; do
        newer_than "$MOUT/$bin.elf" "${mips_program_sources[@]}" && stale=1
    done
    if [[ "$stale" == 1 ]]; then
        guest_toolchain
        bin_args=()
        for bin in "${MIPS64_PROGRAMS[@]}"; do bin_args+=(--bin "$bin"); done
        (cd "$ROOT" && \
            env "${MIPS64_PROFILE_ENV[@]}" \
            RUSTC_BOOTSTRAP=1 RUSTC="$GUEST_RUSTC" RUSTFLAGS="-C linker=$rust_lld" \
            CARGO_TARGET_DIR="$mips_target_dir" \
            "$GUEST_CARGO" build --quiet --release --target "$MIPS_TARGET_JSON" \
                -Zbuild-std=core,alloc -Zjson-target-spec -p verdict-guest --no-default-features \
                "${bin_args[@]}") \
            || die "building the MIPS64 fault proof programs failed"
        for bin in "${MIPS64_PROGRAMS[@]}"; do
            cp -f "$mips_target_dir/mips64-verdict-none/release/$bin" "$MOUT/$bin.elf.tmp"
            mv -f "$MOUT/$bin.elf.tmp" "$MOUT/$bin.elf"
            report_built "guests/build/mips64/$bin.elf"
        done
    else
        for bin in "${MIPS64_PROGRAMS[@]}"; do report_up_to_date "guests/build/mips64/$bin.elf"; done
    fi
fi

# ---------------------------------------------------------------- benchmark workloads
# C: guests/bench/c/<name>.c with the C runtime for the VM, with native_rt.c for the host; the
# existing sha256 guest is a benchmark workload too, so it gets a native floor.
if [[ "${SKIP_BENCH_GUESTS:-0}" != 1 ]]; then
    need "$HOST_CC" gcc
    mkdir -p "$BOUT/native"
    for src in "$BDIR"/c/*.c; do
        [[ "$(basename "$src")" == native_rt.c ]] && continue
        c_guest "$src" "$BOUT/$(basename "$src" .c).elf" "$BDIR/c/bench.h"
    done
    for src in "$BDIR"/c/*.c "$CDIR/sha256.c"; do
        name="$(basename "$src" .c)"
        [[ "$name" == native_rt ]] && continue
        bin="$BOUT/native/$name"
        if newer_than "$bin" "$src" "$BDIR/c/bench.h" "$BDIR/c/native_rt.c" "$CDIR/rt/rt.h" \
            "$CDIR/rt/print.c" "$SCRIPT"; then
            "$HOST_CC" -O2 -Wall -Wextra -Werror -I"$CDIR" -o "$bin.tmp" "$BDIR/c/native_rt.c" \
                "$CDIR/rt/print.c" "$src" || die "compiling $src natively failed"
            mv -f "$bin.tmp" "$bin"
            report_built "guests/build/bench/native/$name"
        else
            report_up_to_date "guests/build/bench/native/$name"
        fi
    done
fi

# Rust: guests/bench/rust (its own workspace; shares keccak.rs with guests/rust).
if [[ "${SKIP_BENCH_GUESTS:-0}" != 1 && "${SKIP_RUST_GUEST:-0}" != 1 ]]; then
    for bin in keccak ecdsa; do
        rust_guest "bench/$bin" "$BDIR/rust" "$OUT/bench-rust-target" "$bin" --bin "$bin" \
            -- "$BDIR/rust" "$RDIR/src" "$ROOT/crates/guest-rt"
    done
    # The same bins for the host, built by the rustup toolchain.
    mapfile -t bench_rust_sources < <(find "$BDIR/rust" "$RDIR/src" "$ROOT/crates/guest-rt" -path "$BDIR/rust/target" -prune \
        -o -type f \( -name '*.rs' -o -name 'Cargo.toml' -o -name 'Cargo.lock' \) -print)
    if newer_than "$BOUT/native/keccak" "${bench_rust_sources[@]}" "$SCRIPT" \
        || newer_than "$BOUT/native/ecdsa" "${bench_rust_sources[@]}" "$SCRIPT"; then
        command -v cargo >/dev/null 2>&1 || die "'cargo' (the host Rust toolchain, rustup) not found"
        (cd "$BDIR/rust" && CARGO_TARGET_DIR="$OUT/bench-native-target" cargo build --quiet --release) \
            || die "building the native Rust benchmark workloads failed"
        for bin in keccak ecdsa; do
            cp -f "$OUT/bench-native-target/release/$bin" "$BOUT/native/$bin.tmp"
            mv -f "$BOUT/native/$bin.tmp" "$BOUT/native/$bin"
            report_built "guests/build/bench/native/$bin"
        done
    else
        report_up_to_date "guests/build/bench/native/keccak"
        report_up_to_date "guests/build/bench/native/ecdsa"
    fi
fi

echo "build-guests: $built built, $uptodate up to date, in guests/build/"
