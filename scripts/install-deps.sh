#!/usr/bin/env bash
# Install the tools needed to build the guest programs and run the QEMU
# differential tests (Debian/Ubuntu, needs root or sudo). Idempotent: exits
# quickly when everything is already installed.
#
#   gcc-riscv64-linux-gnu  C guests (riscv64-linux-gnu-gcc, objdump)
#   gcc-mips64-linux-gnuabi64
#                          MIPS64 C guests (Cannon's VM)
#   golang-1.19-go         Go guests for MIPS64 (/usr/lib/go-1.19/bin/go)
#   qemu-user              qemu-riscv64 and qemu-mips64, the references for differential tests
#   rustc-web cargo-web rust-web-src
#                          Debian's Rust toolchain + library sources, used with
#                          -Zbuild-std to build the Rust guest
#   time python3           /usr/bin/time (peak memory in the hardening tests) and
#                          the test preimage servers
set -euo pipefail

PACKAGES=(gcc-riscv64-linux-gnu gcc-mips64-linux-gnuabi64 golang-1.19-go qemu-user rustc-web cargo-web rust-web-src time python3)

missing=()
for p in "${PACKAGES[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
        missing+=("$p")
    fi
done

if [[ ${#missing[@]} -eq 0 ]]; then
    echo "install-deps: all packages present (${PACKAGES[*]})"
    exit 0
fi

SUDO=()
if [[ "$(id -u)" -ne 0 ]]; then
    command -v sudo >/dev/null 2>&1 || { echo "install-deps: need root or sudo to install: ${missing[*]}" >&2; exit 1; }
    SUDO=(sudo)
fi

echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
"${SUDO[@]}" apt-get update
"${SUDO[@]}" apt-get install -y "${PACKAGES[@]}"

for tool in riscv64-linux-gnu-gcc mips64-linux-gnuabi64-gcc qemu-riscv64 qemu-mips64; do
    command -v "$tool" >/dev/null 2>&1 || { echo "install-deps: $tool still missing after install" >&2; exit 1; }
done
echo "install-deps: done"
