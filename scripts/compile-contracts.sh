#!/usr/bin/env bash
# Compiles the local chain's L2 predeploys (crates/node/contracts/*.sol) with solc-js (npm `solc`,
# the version pinned below, offline) into crates/node/contracts/build/<Name>.hex (the runtime
# bytecode, which the genesis puts at the predeploy's address).
#
#   scripts/compile-contracts.sh           write the artifacts
#   scripts/compile-contracts.sh --check   recompile into a temporary directory and fail if the
#                                          committed artifacts differ
set -euo pipefail
SOLC_VERSION=0.8.30
cd "$(dirname "$0")/../crates/node/contracts"
command -v solcjs >/dev/null || { echo "compile-contracts: solcjs not found (scripts/install-deps.sh installs npm solc@$SOLC_VERSION)" >&2; exit 1; }
have=$(solcjs --version)
[[ "$have" == "$SOLC_VERSION+"* ]] || { echo "compile-contracts: solcjs is $have, want $SOLC_VERSION" >&2; exit 1; }
out=build
if [[ "${1:-}" == "--check" ]]; then
    out=$(mktemp -d)
    trap 'rm -rf "$out"' EXIT
fi
python3 - "$out" <<'PY'
import json, subprocess, sys, glob, os
out = sys.argv[1]
sources = {f: {"content": open(f).read()} for f in sorted(glob.glob("*.sol"))}
inp = {
    "language": "Solidity",
    "sources": sources,
    "settings": {
        "optimizer": {"enabled": True, "runs": 200},
        "evmVersion": "cancun",
        "metadata": {"bytecodeHash": "none", "appendCBOR": False},
        "outputSelection": {"*": {"*": ["evm.deployedBytecode.object"]}},
    },
}
r = subprocess.run(["solcjs", "--standard-json"], input=json.dumps(inp), capture_output=True, text=True, check=True)
res = json.loads(r.stdout[r.stdout.index("{"):])
errors = [e for e in res.get("errors", []) if e["severity"] == "error"]
if errors:
    sys.exit("\n".join(e["formattedMessage"] for e in errors))
for f, contracts in sorted(res["contracts"].items()):
    name = f[:-4]
    code = contracts[name]["evm"]["deployedBytecode"]["object"]
    with open(os.path.join(out, name + ".hex"), "w") as fh:
        fh.write("0x" + code + "\n")
PY
if [[ "${1:-}" == "--check" ]]; then
    diff -r "$out" build || { echo "compile-contracts: the committed artifacts in crates/node/contracts/build differ from a fresh compile" >&2; exit 1; }
    echo "compile-contracts: the artifacts match a fresh compile with solc $SOLC_VERSION"
else
    ls -l build
fi
