#!/usr/bin/env bash
# Compiles Verdict's L1 contracts (contracts/src) with solc-js, the npm package `solc` pinned in
# scripts/install-deps.sh, into contracts/out/<Name>.json (ABI, creation and runtime bytecode).
# The artifacts are committed; `--check` recompiles into a temporary directory and fails unless
# the result is byte for byte the committed one.
#
#   scripts/build-contracts.sh           # write contracts/out
#   scripts/build-contracts.sh --check   # recompile and compare
set -euo pipefail
cd "$(dirname "$0")/.."

SOLC_VERSION=0.8.30  # keep in step with scripts/install-deps.sh
command -v node >/dev/null 2>&1 || { echo "build-contracts: node is missing (scripts/install-deps.sh)" >&2; exit 1; }
SOLC_DIR="${VERDICT_SOLC_DIR:-$(npm root -g)/solc}"
[[ -f "$SOLC_DIR/package.json" ]] || { echo "build-contracts: solc-js not found at $SOLC_DIR (scripts/install-deps.sh)" >&2; exit 1; }
have=$(node -p "require('$SOLC_DIR/package.json').version")
[[ "$have" == "$SOLC_VERSION" ]] || { echo "build-contracts: solc-js $have at $SOLC_DIR, need $SOLC_VERSION" >&2; exit 1; }

if [[ "${1:-}" == "--check" ]]; then
    tmp=$(mktemp -d)
    trap 'rm -rf "$tmp"' EXIT
    node contracts/build.cjs "$SOLC_DIR" contracts/src "$tmp"
    status=0
    for f in "$tmp"/*.json; do
        name=$(basename "$f")
        if ! cmp -s "$f" "contracts/out/$name"; then
            echo "build-contracts: contracts/out/$name differs from a fresh compile (run scripts/build-contracts.sh)" >&2
            status=1
        fi
    done
    for f in contracts/out/*.json; do
        [[ -f "$tmp/$(basename "$f")" ]] || { echo "build-contracts: $f is not produced by the sources" >&2; status=1; }
    done
    [[ $status -eq 0 ]] && echo "build-contracts: contracts/out is reproduced byte for byte"
    exit $status
fi
node contracts/build.cjs "$SOLC_DIR" contracts/src contracts/out
echo "build-contracts: wrote $(ls contracts/out/*.json | wc -l) artifacts to contracts/out"
