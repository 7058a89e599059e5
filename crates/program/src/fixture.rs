//! Test fixtures (`fixture.json` + `preimages.json`, see `shared/fixtures/README.md`): loading,
//! and running one block. Host only (`std`).

use crate::block::{execute_block, ExecutedBlock, PayloadAttributes};
use crate::config::RollupConfig;
use crate::error::ProgramError;
use crate::json::{bad, field, fixed, hex_bytes, req};
pub use crate::json::{parse_attributes, parse_header, parse_rollup_config};
use crate::oracle::Preimages;
use alloy_consensus::Header;
use alloy_primitives::B256;
use serde_json::Value;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};
use verdict_preimage::PreimageKey;

/// One fixture: a block to build and what it must hash to.
#[derive(Clone, Debug)]
pub struct Fixture {
    /// The rollup config.
    pub config: RollupConfig,
    /// The parent header.
    pub parent: Header,
    /// The payload attributes of the block.
    pub attributes: PayloadAttributes,
    /// The real hash of the block.
    pub expected_block_hash: B256,
    /// The preimages: keccak256 key -> value.
    pub preimages: HashMap<PreimageKey, Vec<u8>>,
}

/// The outcome of running a fixture.
#[derive(Clone, Debug)]
pub struct Run {
    /// The built block.
    pub block: ExecutedBlock,
    /// Preimages read.
    pub preimages_read: u64,
    /// Bytes of preimages read.
    pub preimage_bytes_read: u64,
    /// Time spent executing (not loading).
    pub elapsed: Duration,
}

/// Parses `preimages.json` (`{"0x<keccak256(value)>": "0x<value>"}`) into keccak256 preimage keys.
/// The values are not checked here (the program checks what it reads).
pub fn parse_preimages(v: &Value) -> Result<HashMap<PreimageKey, Vec<u8>>, ProgramError> {
    let obj = v
        .as_object()
        .ok_or_else(|| bad("preimages", "not an object"))?;
    let mut map = HashMap::with_capacity(obj.len());
    for (k, value) in obj {
        let path = format!("preimages[{k}]");
        let key = fixed::<32>(&Value::String(k.clone()), &path)?;
        map.insert(PreimageKey::from_keccak_hash(key), hex_bytes(value, &path)?);
    }
    Ok(map)
}

fn read_json(path: &Path) -> Result<Value, ProgramError> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| ProgramError::BadInput(format!("{}: {e}", path.display())))?;
    serde_json::from_str(&text)
        .map_err(|e| ProgramError::BadInput(format!("{}: {e}", path.display())))
}

impl Fixture {
    /// Loads `dir/fixture.json` and `dir/preimages.json`.
    pub fn load(dir: &Path) -> Result<Fixture, ProgramError> {
        let f = read_json(&dir.join("fixture.json"))?;
        let preimages = parse_preimages(&read_json(&dir.join("preimages.json"))?)?;
        Self::from_json(&f, preimages)
    }

    /// A fixture from the parsed `fixture.json` and preimages.
    pub fn from_json(
        f: &Value,
        preimages: HashMap<PreimageKey, Vec<u8>>,
    ) -> Result<Fixture, ProgramError> {
        Ok(Fixture {
            config: parse_rollup_config(field(f, "fixture", "rollup_config")?)?,
            parent: parse_header(field(f, "fixture", "parent_header")?, "parent_header")?,
            attributes: parse_attributes(field(f, "fixture", "executing_payload")?)?,
            expected_block_hash: req(f, "fixture", "expected_block_hash", fixed::<32>)?.into(),
            preimages,
        })
    }

    /// Builds the block.
    pub fn run(&self) -> Result<Run, ProgramError> {
        let start = Instant::now();
        let preimages = Preimages::new(&self.preimages);
        let block = execute_block(&preimages, &self.config, &self.parent, &self.attributes)?;
        Ok(Run {
            block,
            preimages_read: preimages.reads(),
            preimage_bytes_read: preimages.bytes_read(),
            elapsed: start.elapsed(),
        })
    }
}

/// Where the shared fixtures are: `$VERDICT_FIXTURES`, else `<workspace>/../shared/fixtures`.
pub fn fixtures_dir() -> PathBuf {
    match std::env::var_os("VERDICT_FIXTURES") {
        Some(p) => PathBuf::from(p),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/fixtures"),
    }
}

/// A header as a keccak256 preimage: (its hash, its RLP).
pub fn header_preimage(header: &Header) -> (B256, Vec<u8>) {
    let rlp = alloy_rlp::encode(header);
    (alloy_primitives::keccak256(&rlp), rlp)
}
