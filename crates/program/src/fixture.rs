//! Test fixtures (`fixture.json` + `preimages.json`, see `shared/fixtures/README.md`): loading,
//! and running one block. Host only (`std`).

use crate::block::{execute_block, ExecutedBlock, PayloadAttributes};
use crate::config::RollupConfig;
use crate::error::ProgramError;
use crate::oracle::Preimages;
use alloy_consensus::Header;
use alloy_primitives::{Address, Bloom, Bytes, B256, B64, U256};
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

fn bad(field: &str, why: impl std::fmt::Display) -> ProgramError {
    ProgramError::BadInput(format!("field `{field}`: {why}"))
}

fn field<'a>(obj: &'a Value, path: &str, name: &str) -> Result<&'a Value, ProgramError> {
    let full = format!("{path}.{name}");
    obj.get(name).ok_or_else(|| bad(&full, "missing"))
}

fn as_str<'a>(v: &'a Value, path: &str) -> Result<&'a str, ProgramError> {
    v.as_str().ok_or_else(|| bad(path, "not a string"))
}

fn hex_bytes(v: &Value, path: &str) -> Result<Vec<u8>, ProgramError> {
    let s = as_str(v, path)?;
    let s = s
        .strip_prefix("0x")
        .ok_or_else(|| bad(path, "no 0x prefix"))?;
    alloy_primitives::hex::decode(s).map_err(|e| bad(path, e))
}

fn fixed<const N: usize>(v: &Value, path: &str) -> Result<[u8; N], ProgramError> {
    let b = hex_bytes(v, path)?;
    b.try_into()
        .map_err(|b: Vec<u8>| bad(path, format!("{} bytes, expected {N}", b.len())))
}

/// A quantity: a 0x hex string or a JSON number.
fn quantity(v: &Value, path: &str) -> Result<u64, ProgramError> {
    if let Some(n) = v.as_u64() {
        return Ok(n);
    }
    let s = as_str(v, path)?;
    let s = s
        .strip_prefix("0x")
        .ok_or_else(|| bad(path, "no 0x prefix"))?;
    u64::from_str_radix(s, 16).map_err(|e| bad(path, e))
}

fn u256(v: &Value, path: &str) -> Result<U256, ProgramError> {
    let s = as_str(v, path)?;
    U256::from_str_radix(
        s.strip_prefix("0x")
            .ok_or_else(|| bad(path, "no 0x prefix"))?,
        16,
    )
    .map_err(|e| bad(path, e))
}

fn opt<T>(
    obj: &Value,
    path: &str,
    name: &str,
    f: impl Fn(&Value, &str) -> Result<T, ProgramError>,
) -> Result<Option<T>, ProgramError> {
    match obj.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(v) => f(v, &format!("{path}.{name}")).map(Some),
    }
}

fn req<T>(
    obj: &Value,
    path: &str,
    name: &str,
    f: impl Fn(&Value, &str) -> Result<T, ProgramError>,
) -> Result<T, ProgramError> {
    f(field(obj, path, name)?, &format!("{path}.{name}"))
}

/// Parses the rollup config JSON (op-node's format).
pub fn parse_rollup_config(v: &Value) -> Result<RollupConfig, ProgramError> {
    let p = "rollup_config";
    let op = field(v, p, "chain_op_config")?;
    let opp = "rollup_config.chain_op_config";
    Ok(RollupConfig {
        l2_chain_id: req(v, p, "l2_chain_id", quantity)?,
        block_time: req(v, p, "block_time", quantity)?,
        regolith_time: opt(v, p, "regolith_time", quantity)?,
        canyon_time: opt(v, p, "canyon_time", quantity)?,
        delta_time: opt(v, p, "delta_time", quantity)?,
        ecotone_time: opt(v, p, "ecotone_time", quantity)?,
        fjord_time: opt(v, p, "fjord_time", quantity)?,
        granite_time: opt(v, p, "granite_time", quantity)?,
        holocene_time: opt(v, p, "holocene_time", quantity)?,
        isthmus_time: opt(v, p, "isthmus_time", quantity)?,
        jovian_time: opt(v, p, "jovian_time", quantity)?,
        interop_time: opt(v, p, "interop_time", quantity)?,
        eip1559_elasticity: req(op, opp, "eip1559Elasticity", quantity)?,
        eip1559_denominator: req(op, opp, "eip1559Denominator", quantity)?,
        eip1559_denominator_canyon: req(op, opp, "eip1559DenominatorCanyon", quantity)?,
    })
}

/// Parses a JSON-RPC block header.
pub fn parse_header(v: &Value, p: &str) -> Result<Header, ProgramError> {
    Ok(Header {
        parent_hash: req(v, p, "parentHash", fixed::<32>)?.into(),
        ommers_hash: req(v, p, "sha3Uncles", fixed::<32>)?.into(),
        beneficiary: Address::from(req(v, p, "miner", fixed::<20>)?),
        state_root: req(v, p, "stateRoot", fixed::<32>)?.into(),
        transactions_root: req(v, p, "transactionsRoot", fixed::<32>)?.into(),
        receipts_root: req(v, p, "receiptsRoot", fixed::<32>)?.into(),
        logs_bloom: Bloom::from(req(v, p, "logsBloom", fixed::<256>)?),
        difficulty: req(v, p, "difficulty", u256)?,
        number: req(v, p, "number", quantity)?,
        gas_limit: req(v, p, "gasLimit", quantity)?,
        gas_used: req(v, p, "gasUsed", quantity)?,
        timestamp: req(v, p, "timestamp", quantity)?,
        extra_data: req(v, p, "extraData", hex_bytes)?.into(),
        mix_hash: req(v, p, "mixHash", fixed::<32>)?.into(),
        nonce: B64::from(req(v, p, "nonce", fixed::<8>)?),
        base_fee_per_gas: opt(v, p, "baseFeePerGas", quantity)?,
        withdrawals_root: opt(v, p, "withdrawalsRoot", fixed::<32>)?.map(B256::from),
        blob_gas_used: opt(v, p, "blobGasUsed", quantity)?,
        excess_blob_gas: opt(v, p, "excessBlobGas", quantity)?,
        parent_beacon_block_root: opt(v, p, "parentBeaconBlockRoot", fixed::<32>)?.map(B256::from),
        requests_hash: opt(v, p, "requestsHash", fixed::<32>)?.map(B256::from),
        ..Default::default()
    })
}

/// Parses payload attributes.
pub fn parse_attributes(v: &Value) -> Result<PayloadAttributes, ProgramError> {
    let p = "executing_payload";
    let txs = field(v, p, "transactions")?
        .as_array()
        .ok_or_else(|| bad("executing_payload.transactions", "not an array"))?;
    let transactions = txs
        .iter()
        .enumerate()
        .map(|(i, t)| {
            hex_bytes(t, &format!("executing_payload.transactions[{i}]")).map(Bytes::from)
        })
        .collect::<Result<_, _>>()?;
    Ok(PayloadAttributes {
        timestamp: req(v, p, "timestamp", quantity)?,
        prev_randao: req(v, p, "prevRandao", fixed::<32>)?.into(),
        suggested_fee_recipient: Address::from(req(v, p, "suggestedFeeRecipient", fixed::<20>)?),
        parent_beacon_block_root: opt(v, p, "parentBeaconBlockRoot", fixed::<32>)?.map(B256::from),
        transactions,
        gas_limit: opt(v, p, "gasLimit", quantity)?,
        eip1559_params: opt(v, p, "eip1559Params", fixed::<8>)?.map(B64::from),
    })
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
