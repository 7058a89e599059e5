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
#   nodejs npm             (only if node/npm are missing) for the npm tools below
# and from npm, pinned (installed globally, `npm root -g`):
#   @foundry-rs/anvil      the local L1 node (crates/l1's tests, `verdict devnet`)
#   solc                   solc-js, compiles contracts/ (scripts/build-contracts.sh)
set -euo pipefail

ANVIL_VERSION=1.7.1
SOLC_VERSION=0.8.30

PACKAGES=(gcc-riscv64-linux-gnu gcc-mips64-linux-gnuabi64 golang-1.19-go qemu-user rustc-web cargo-web rust-web-src time python3)
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
    PACKAGES+=(nodejs npm)
fi

SUDO=()
if [[ "$(id -u)" -ne 0 ]]; then
    SUDO=(sudo)
fi

# The npm tools, once node is there: each at its pinned version.
npm_tools() {
    local root want=() pkg version have
    root=$(npm root -g)
    for pkg in "@foundry-rs/anvil@$ANVIL_VERSION" "solc@$SOLC_VERSION"; do
        version=${pkg##*@}
        have=$(node -p "try { require('$root/${pkg%@*}/package.json').version } catch (e) { '' }")
        [[ "$have" == "$version" ]] || want+=("$pkg")
    done
    # The anvil package runs a platform binary from an optional dependency: it must be there.
    if ! compgen -G "$root/@foundry-rs/anvil/node_modules/@foundry-rs/anvil-linux-*/bin/anvil" >/dev/null \
        && ! compgen -G "$root/@foundry-rs/anvil-linux-*/bin/anvil" >/dev/null; then
        want+=("@foundry-rs/anvil@$ANVIL_VERSION")
    fi
    if [[ ${#want[@]} -eq 0 ]]; then
        echo "install-deps: npm tools present (anvil $ANVIL_VERSION, solc $SOLC_VERSION)"
        return 0
    fi
    echo "install-deps: npm install -g ${want[*]}"
    "${SUDO[@]}" npm install -g --no-fund --no-audit "${want[@]}"
    command -v anvil >/dev/null 2>&1 || { echo "install-deps: anvil still missing after install" >&2; exit 1; }
    command -v solcjs >/dev/null 2>&1 || { echo "install-deps: solcjs still missing after install" >&2; exit 1; }
}

missing=()
for p in "${PACKAGES[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
        missing+=("$p")
    fi
done

if [[ ${#missing[@]} -eq 0 ]]; then
    echo "install-deps: all packages present (${PACKAGES[*]})"
    npm_tools
    exit 0
fi

if [[ ${#SUDO[@]} -gt 0 ]]; then
    command -v sudo >/dev/null 2>&1 || { echo "install-deps: need root or sudo to install: ${missing[*]}" >&2; exit 1; }
fi

echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
"${SUDO[@]}" apt-get update
"${SUDO[@]}" apt-get install -y "${PACKAGES[@]}"

for tool in riscv64-linux-gnu-gcc mips64-linux-gnuabi64-gcc qemu-riscv64 qemu-mips64; do
    command -v "$tool" >/dev/null 2>&1 || { echo "install-deps: $tool still missing after install" >&2; exit 1; }
done
npm_tools
echo "install-deps: done"
