//! The claim loop: from the agreed L2 head, derive each next block from L1 (never past the L1
//! head) and execute it, up to the claimed block number; then compare output roots.

use crate::blobs::OracleBlobs;
use crate::boot::BootInputs;
use crate::chains::{configs, ChainConfigs};
use crate::error::ClaimError;
use crate::hints::Hint;
use crate::l1::OracleL1;
use crate::l2::{read_l2_header, L2Block, OracleL2};
use crate::oracle::ClaimOracle;
use crate::output::Output;
use alloc::format;
use alloc::string::{String, ToString};
use alloy_primitives::B256;
use core::fmt;
use verdict_derive::pipeline::{start_block_number, Pipeline};
use verdict_derive::provider::BytecodeSource;
use verdict_derive::{DeriveError, Fork};
use verdict_preimage::{HintWriter, PreimageOracle};
use verdict_program::{execute_block_with_output, Preimages, ProgramError};

/// Why derivation stopped where it did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stop {
    /// The claimed block is at or below the agreed one: the claim is the agreed output root.
    AtOrBelowAgreed,
    /// The claimed block was derived and executed.
    ReachedClaim,
    /// The L1 data up to the L1 head ran out first: the claim is judged at the safe head.
    EndOfL1,
}

/// What the program did and found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Report {
    /// The chain.
    pub chain: String,
    /// The agreed L2 block.
    pub agreed_block: u64,
    /// The claimed L2 block.
    pub claimed_block: u64,
    /// The L2 block the claim was judged at.
    pub judged_block: u64,
    /// Blocks derived and executed.
    pub blocks: u64,
    /// Blocks whose batch was invalid and were replaced by their deposits (Holocene).
    pub deposits_only: u64,
    /// Why derivation stopped.
    pub stop: Stop,
    /// The output root computed at the judged block.
    pub computed_root: B256,
    /// The claimed output root.
    pub claimed_root: B256,
    /// Preimages read from the host and their bytes.
    pub preimages: (u64, u64),
}

impl Report {
    /// Whether the claim holds.
    pub fn valid(&self) -> bool {
        self.computed_root == self.claimed_root
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let stop = match self.stop {
            Stop::AtOrBelowAgreed => "at or below the agreed block",
            Stop::ReachedClaim => "reached the claimed block",
            Stop::EndOfL1 => "the L1 data ran out: judged at the safe head",
        };
        write!(
            f,
            "{}: agreed block {}, claimed block {}; derived and executed {} blocks ({} deposits-only \
             replacements); {stop}; output root at block {}: computed {}, claimed {}: {} ({} \
             preimages, {} bytes read)",
            self.chain,
            self.agreed_block,
            self.claimed_block,
            self.blocks,
            self.deposits_only,
            self.judged_block,
            self.computed_root,
            self.claimed_root,
            if self.valid() { "VALID" } else { "INVALID" },
            self.preimages.0,
            self.preimages.1
        )
    }
}

/// Contract bytecode (the network upgrade transactions') as keccak256 preimages.
struct OracleCode<'a, O, H>(&'a ClaimOracle<O, H>);

impl<O: PreimageOracle, H: HintWriter> BytecodeSource for OracleCode<'_, O, H> {
    fn bytecode(&mut self, hash: B256) -> Result<alloy_primitives::Bytes, DeriveError> {
        self.0
            .keccak("upgrade bytecode", hash)
            .map(Into::into)
            .map_err(|e| DeriveError::Provider(e.to_string()))
    }
}

/// A derivation error, classified by the host failure behind it if there was one.
fn classify<O, H>(host: &ClaimOracle<O, H>, e: DeriveError) -> ClaimError
where
    O: PreimageOracle,
    H: HintWriter,
{
    if let Some(failure) = host.failure() {
        return failure;
    }
    match e {
        DeriveError::BadL1(m) => ClaimError::BadPreimage(format!("L1 data: {m}")),
        DeriveError::BadL2(m) => ClaimError::BadPreimage(format!("L2 data: {m}")),
        e => ClaimError::Failed(format!("derivation: {e}")),
    }
}

/// An execution error: a host failure, or a block that cannot be built.
fn execution_error<O, H>(host: &ClaimOracle<O, H>, number: u64, e: ProgramError) -> ClaimError
where
    O: PreimageOracle,
    H: HintWriter,
{
    if let Some(failure) = host.failure() {
        return failure;
    }
    match e {
        ProgramError::MissingPreimage { .. } | ProgramError::PreimageMismatch { .. } => {
            ClaimError::BadPreimage(format!("executing L2 block {number}: {e}"))
        }
        e => ClaimError::Failed(format!("executing L2 block {number}: {e}")),
    }
}

/// Judges the claim the boot inputs make. `Err` when the program cannot tell (its exit code
/// says why).
pub fn run<O: PreimageOracle, H: HintWriter>(oracle: O, hints: H) -> Result<Report, ClaimError> {
    let host = ClaimOracle::new(oracle, hints);
    let boot = BootInputs::read(&host)?;
    let chain = configs(boot.chain_id)?;
    host.hint(Hint::StartingL2Output(boot.agreed_output_root))?;
    let agreed_preimage = host.keccak("the agreed output root", boot.agreed_output_root)?;
    let agreed = Output::decode(&agreed_preimage).ok_or_else(|| {
        ClaimError::BadPreimage(format!(
            "the agreed output root {} is not a version-0 output ({} bytes)",
            boot.agreed_output_root,
            agreed_preimage.len()
        ))
    })?;
    let head = read_l2_header(&host, agreed.block_hash)?;
    if head.state_root != agreed.state_root {
        return Err(ClaimError::BadPreimage(format!(
            "the agreed output root's state root {} is not its block's {}",
            agreed.state_root, head.state_root
        )));
    }
    let agreed_block = head.number;
    let mut report = Report {
        chain: chain.name.into(),
        agreed_block,
        claimed_block: boot.claimed_block_number,
        judged_block: agreed_block,
        blocks: 0,
        deposits_only: 0,
        stop: Stop::AtOrBelowAgreed,
        computed_root: boot.agreed_output_root,
        claimed_root: boot.claimed_output_root,
        preimages: (0, 0),
    };
    if boot.claimed_block_number > agreed_block {
        let l2 = OracleL2::new(&host, chain.derive.clone(), head, agreed.block_hash)?;
        derive_and_execute(&host, &boot, &chain, l2, &mut report)?;
    }
    report.preimages = host.read_counts();
    Ok(report)
}

/// Derives and executes blocks after the agreed head up to the claimed block or the end of
/// the L1 data, recording the output root of the last block in `report`.
fn derive_and_execute<O: PreimageOracle, H: HintWriter>(
    host: &ClaimOracle<O, H>,
    boot: &BootInputs,
    chain: &ChainConfigs,
    l2: OracleL2<'_, O, H>,
    report: &mut Report,
) -> Result<(), ClaimError> {
    let cfg = &chain.derive;
    let safe_head = l2.head().block_ref;
    let l1 = OracleL1::new(host, boot.l1_head)?;
    if safe_head.l1_origin.number > l1.head().number {
        return Err(ClaimError::Failed(format!(
            "the agreed L2 head's L1 origin {} is past the L1 head {}",
            safe_head.l1_origin.number,
            l1.head().number
        )));
    }
    let start = start_block_number(cfg, &safe_head);
    let mut pipeline = Pipeline::new(
        cfg.clone(),
        l1,
        OracleBlobs::new(host),
        l2,
        OracleCode(host),
        safe_head,
        start,
    )
    .map_err(|e| classify(host, e))?;
    let preimages = Preimages::with_state_hints(host);
    report.stop = Stop::ReachedClaim;
    while pipeline.safe_head().number < boot.claimed_block_number {
        let derived = match pipeline.next_attributes() {
            Ok(d) => d,
            Err(DeriveError::EndOfL1) => {
                report.stop = Stop::EndOfL1;
                break;
            }
            Err(e) => return Err(classify(host, e)),
        };
        let parent = pipeline.l2_mut().head().header.clone();
        let number = parent.number + 1;
        let mut attributes = to_executable(&derived.attributes)?;
        // The host fetches the state the block reads (an execution witness) before it runs.
        let payload = payload_json(&derived.attributes);
        host.hint(Hint::L2PayloadWitness {
            parent: parent.hash_slow(),
            payload: &payload,
        })?;
        let execute = |attributes: &verdict_program::PayloadAttributes| {
            execute_block_with_output(&preimages, &chain.execute, &parent, attributes, true)
        };
        let executed = match execute(&attributes) {
            Ok(b) => b,
            Err(ProgramError::InvalidTransaction { .. })
                if cfg.is_active(Fork::Holocene, derived.attributes.timestamp) =>
            {
                // Holocene: an invalid payload is replaced by its deposits.
                let replacement = pipeline
                    .payload_invalid(&derived)
                    .expect("Holocene replaces invalid payloads");
                attributes = to_executable(&replacement)?;
                report.deposits_only += 1;
                execute(&attributes).map_err(|e| execution_error(host, number, e))?
            }
            Err(ProgramError::InvalidTransaction { .. }) => {
                // Before Holocene the batch is dropped and derivation goes on.
                let _ = pipeline.payload_invalid(&derived);
                continue;
            }
            Err(e) => return Err(execution_error(host, number, e)),
        };
        let output = Output {
            state_root: executed.header.state_root,
            message_passer_storage_root: executed.message_passer_storage_root.expect("asked for"),
            block_hash: executed.hash,
        };
        let block = L2Block::new(cfg, executed.header, executed.hash, attributes.transactions)?;
        pipeline.advance(block.block_ref);
        pipeline.l2_mut().push(block);
        report.blocks += 1;
        report.judged_block = number;
        report.computed_root = output.root();
    }
    Ok(())
}

/// The payload attributes as the engine API's JSON has them (`OpPayloadAttributes`), the
/// payload of the `l2-payload-witness` hint.
pub fn payload_json(a: &verdict_derive::PayloadAttributes) -> alloc::vec::Vec<u8> {
    use serde_json::{json, Map, Value};
    let quantity = |v: u64| Value::String(format!("{v:#x}"));
    let mut m = Map::new();
    m.insert("timestamp".into(), quantity(a.timestamp));
    m.insert("prevRandao".into(), json!(a.prev_randao.to_string()));
    m.insert(
        "suggestedFeeRecipient".into(),
        json!(a.suggested_fee_recipient.to_string()),
    );
    if a.withdrawals.is_some() {
        m.insert("withdrawals".into(), json!([]));
    }
    if let Some(root) = a.parent_beacon_block_root {
        m.insert("parentBeaconBlockRoot".into(), json!(root.to_string()));
    }
    let txs: alloc::vec::Vec<Value> = a
        .transactions
        .iter()
        .map(|t| json!(t.to_string()))
        .collect();
    m.insert("transactions".into(), Value::Array(txs));
    m.insert("noTxPool".into(), Value::Bool(a.no_tx_pool));
    m.insert("gasLimit".into(), quantity(a.gas_limit));
    if let Some(p) = a.eip1559_params {
        m.insert("eip1559Params".into(), json!(p.to_string()));
    }
    if let Some(fee) = a.min_base_fee {
        m.insert("minBaseFee".into(), quantity(fee));
    }
    serde_json::to_vec(&Value::Object(m)).expect("JSON values serialize")
}

/// Derived attributes as the executor takes them.
fn to_executable(
    a: &verdict_derive::PayloadAttributes,
) -> Result<verdict_program::PayloadAttributes, ClaimError> {
    if a.min_base_fee.is_some() {
        return Err(ClaimError::Failed(format!(
            "the block at {} is a Jovian block, which the executor does not build yet",
            a.timestamp
        )));
    }
    Ok(verdict_program::PayloadAttributes {
        timestamp: a.timestamp,
        prev_randao: a.prev_randao,
        suggested_fee_recipient: a.suggested_fee_recipient,
        parent_beacon_block_root: a.parent_beacon_block_root,
        transactions: a.transactions.clone(),
        gas_limit: Some(a.gas_limit),
        eip1559_params: a.eip1559_params,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloy_primitives::{address, b256, Bytes, B64};

    #[test]
    fn payload_attributes_are_the_engine_apis_json() {
        let a = verdict_derive::PayloadAttributes {
            timestamp: 0x64,
            prev_randao: b256!("0101010101010101010101010101010101010101010101010101010101010101"),
            suggested_fee_recipient: address!("4200000000000000000000000000000000000011"),
            withdrawals: Some(alloc::vec![]),
            parent_beacon_block_root: Some(B256::repeat_byte(2)),
            transactions: alloc::vec![Bytes::from_static(&[0x7e, 1])],
            no_tx_pool: true,
            gas_limit: 30_000_000,
            eip1559_params: Some(B64::from([0, 0, 0, 250, 0, 0, 0, 6])),
            min_base_fee: None,
        };
        let v: serde_json::Value = serde_json::from_slice(&payload_json(&a)).unwrap();
        assert_eq!(v["timestamp"], "0x64");
        assert_eq!(v["gasLimit"], "0x1c9c380");
        assert_eq!(v["transactions"][0], "0x7e01");
        assert_eq!(v["withdrawals"], serde_json::json!([]));
        assert_eq!(v["noTxPool"], true);
        assert_eq!(v["eip1559Params"], "0x000000fa00000006");
        assert!(v.get("minBaseFee").is_none());
        assert_eq!(
            v["suggestedFeeRecipient"].as_str().unwrap().to_lowercase(),
            "0x4200000000000000000000000000000000000011"
        );
    }
}
