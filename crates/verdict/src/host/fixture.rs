//! The fixtures `verdict host --fixture DIR` serves: their preimages and the five boot inputs.
//!
//! - A full-claim fixture (`claim.json` + `preimages.json`), for the fault proof program:
//!   `claim.json` holds `l1_head`, `agreed_l2_output_root`, `claimed_l2_output_root` (0x-hex),
//!   `claimed_l2_block_number` and `l2_chain_id` (numbers), and may say more (`expected`,
//!   `agreed_l2_block_number`, `description`); `preimages.json` maps typed preimage keys to
//!   values.
//! - A block fixture (`fixture.json` + `preimages.json`, `shared/fixtures/README.md`), for the
//!   block check program: the preimages, the parent header's RLP as the keccak256 preimage of the
//!   parent hash, and the block check's inputs: 1 = keccak256 of `executing_payload` (JSON, also
//!   served as that hash's preimage), 2 = the parent block hash, 3 = the claimed block hash (the
//!   fixture's expected hash), 4 = the block number, 5 = the chain id.

use anyhow::Context;
use std::path::Path;
use verdict_host::import;
use verdict_preimage::{keccak256, PreimageKey};

/// The five boot inputs.
#[derive(Clone, Copy, Debug)]
pub struct Boot {
    /// 1.
    pub l1_head: [u8; 32],
    /// 2.
    pub agreed_output_root: [u8; 32],
    /// 3.
    pub claimed_output_root: [u8; 32],
    /// 4.
    pub claimed_block_number: u64,
    /// 5.
    pub chain_id: u64,
}

/// What a fixture serves.
pub struct Fixture {
    /// Its preimages, checked against their keys where a key allows it.
    pub preimages: Vec<(PreimageKey, Vec<u8>)>,
    /// Its boot inputs.
    pub boot: Boot,
}

/// Loads the fixture in `dir`: a full claim if it has `claim.json`, else a block fixture.
pub fn load(dir: &Path) -> anyhow::Result<Fixture> {
    if dir.join("claim.json").exists() {
        load_claim(dir)
    } else {
        load_block(dir)
    }
}

fn read_json(path: &Path) -> anyhow::Result<serde_json::Value> {
    let text = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    serde_json::from_slice(&text).with_context(|| format!("parsing {}", path.display()))
}

fn hash_field(json: &serde_json::Value, path: &Path, name: &str) -> anyhow::Result<[u8; 32]> {
    let s = json
        .get(name)
        .and_then(|v| v.as_str())
        .with_context(|| format!("{}: `{name}` is missing or not a string", path.display()))?;
    super::parse_b256(s)
        .map_err(anyhow::Error::msg)
        .with_context(|| format!("{}: `{name}`", path.display()))
}

fn number_field(json: &serde_json::Value, path: &Path, name: &str) -> anyhow::Result<u64> {
    json.get(name)
        .and_then(|v| v.as_u64())
        .with_context(|| format!("{}: `{name}` is missing or not a u64", path.display()))
}

fn load_claim(dir: &Path) -> anyhow::Result<Fixture> {
    let path = dir.join("claim.json");
    let json = read_json(&path)?;
    Ok(Fixture {
        preimages: import::read_preimage_map(&dir.join("preimages.json"))?,
        boot: Boot {
            l1_head: hash_field(&json, &path, "l1_head")?,
            agreed_output_root: hash_field(&json, &path, "agreed_l2_output_root")?,
            claimed_output_root: hash_field(&json, &path, "claimed_l2_output_root")?,
            claimed_block_number: number_field(&json, &path, "claimed_l2_block_number")?,
            chain_id: number_field(&json, &path, "l2_chain_id")?,
        },
    })
}

fn load_block(dir: &Path) -> anyhow::Result<Fixture> {
    let path = dir.join("fixture.json");
    let json = read_json(&path)?;
    let part = |name: &str| {
        json.get(name)
            .with_context(|| format!("{}: no `{name}`", path.display()))
    };
    let config = verdict_program::fixture::parse_rollup_config(part("rollup_config")?)?;
    let parent = verdict_program::fixture::parse_header(part("parent_header")?, "parent_header")?;
    let claimed_hash = hash_field(&json, &path, "expected_block_hash")?;
    let mut preimages = import::read_preimage_map(&dir.join("preimages.json"))?;
    let (parent_hash, parent_rlp) = verdict_program::fixture::header_preimage(&parent);
    preimages.push((PreimageKey::from_keccak_hash(parent_hash.0), parent_rlp));
    let attributes = serde_json::to_vec(part("executing_payload")?)?;
    let attributes_hash = keccak256(&attributes);
    preimages.push((PreimageKey::from_keccak_hash(attributes_hash), attributes));
    Ok(Fixture {
        preimages,
        boot: Boot {
            l1_head: attributes_hash,
            agreed_output_root: parent_hash.0,
            claimed_output_root: claimed_hash,
            claimed_block_number: parent
                .number
                .checked_add(1)
                .context("the parent is the last block")?,
            chain_id: config.l2_chain_id,
        },
    })
}
