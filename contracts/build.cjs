// Compiles contracts/src/*.sol with solc-js (the pinned npm `solc`) through its standard JSON
// interface and writes one artifact per contract: contracts/out/<Name>.json with the ABI, the
// creation and runtime bytecode, the compiler and the settings. Run by scripts/build-contracts.sh.
//
//   node contracts/build.cjs <path of the solc package> <source dir> <output dir>
"use strict";
const fs = require("fs");
const path = require("path");

const [solcDir, srcDir, outDir] = process.argv.slice(2);
if (!solcDir || !srcDir || !outDir) {
  console.error("usage: build.cjs SOLC_PACKAGE_DIR SRC_DIR OUT_DIR");
  process.exit(2);
}
const solc = require(solcDir);

// Fixed settings: the artifacts must come out byte for byte the same on every machine.
const settings = {
  optimizer: { enabled: true, runs: 200 },
  evmVersion: "prague",
  metadata: { bytecodeHash: "ipfs" },
  outputSelection: { "*": { "*": ["abi", "evm.bytecode.object", "evm.deployedBytecode.object"] } },
};

const sources = {};
for (const name of fs.readdirSync(srcDir).filter((f) => f.endsWith(".sol")).sort()) {
  sources[`src/${name}`] = { content: fs.readFileSync(path.join(srcDir, name), "utf8") };
}
const input = { language: "Solidity", sources, settings };
const output = JSON.parse(solc.compile(JSON.stringify(input)));
let failed = false;
for (const e of output.errors || []) {
  console.error(e.formattedMessage || e.message);
  failed = true; // warnings too: the sources must compile cleanly
}
if (failed) process.exit(1);

const version = solc.version();
fs.mkdirSync(outDir, { recursive: true });
for (const source of Object.keys(output.contracts).sort()) {
  for (const name of Object.keys(output.contracts[source]).sort()) {
    const c = output.contracts[source][name];
    const artifact = {
      contractName: name,
      sourceName: source,
      compiler: { solc: version, settings: { optimizer: settings.optimizer, evmVersion: settings.evmVersion } },
      abi: c.abi,
      bytecode: "0x" + c.evm.bytecode.object,
      deployedBytecode: "0x" + c.evm.deployedBytecode.object,
    };
    const file = path.join(outDir, `${name}.json`);
    const tmp = `${file}.tmp`;
    fs.writeFileSync(tmp, JSON.stringify(artifact, null, 2) + "\n");
    fs.renameSync(tmp, file);
  }
}
