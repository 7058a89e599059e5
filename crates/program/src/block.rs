//! Building one L2 block from its parent and the payload attributes: system calls, the
//! transactions on op-revm, receipts, roots and the header.

use crate::config::{Fork, RollupConfig};
use crate::error::ProgramError;
use crate::oracle::{NoNodes, Preimages};
use crate::state::State;
use crate::trie::{Trie, EMPTY_ROOT};
use alloc::format;
use alloc::string::ToString;
use alloc::vec::Vec;
use alloy_consensus::constants::EMPTY_OMMER_ROOT_HASH;
use alloy_consensus::Header;
use alloy_eips::eip1559::BaseFeeParams;
use alloy_eips::eip2718::{Decodable2718, Encodable2718};
use alloy_eips::eip7685::EMPTY_REQUESTS_HASH;
use alloy_primitives::{address, b256, Address, Bloom, Bytes, TxKind, B256, B64, U256};
use op_alloy_consensus::{OpReceiptEnvelope, OpTxEnvelope, OpTxType};
use op_revm::{DefaultOp, L1BlockInfo, OpBuilder, OpSpecId, OpTransaction};
use revm::context::result::EVMError;
use revm::context::{BlockEnv, CfgEnv, TxEnv};
use revm::context_interface::block::BlobExcessGasAndPrice;
use revm::context_interface::either::Either;
use revm::database_interface::Database;
use revm::handler::system_call::SYSTEM_ADDRESS;
use revm::handler::SystemCallEvm;
use revm::{Context, ExecuteEvm};
use verdict_preimage::PreimageOracle;

/// The EIP-4788 beacon block roots contract.
pub const BEACON_ROOTS_ADDRESS: Address = address!("000F3df6D732807Ef1319fB7B8bB8522d0Beac02");
/// The EIP-2935 block hashes contract (from Isthmus).
pub const HISTORY_STORAGE_ADDRESS: Address = address!("0000F90827F1C53a10cb7A02335B175320002935");
/// The L2ToL1MessagePasser, whose storage root is the withdrawals root from Isthmus.
pub const L2_TO_L1_MESSAGE_PASSER: Address = address!("4200000000000000000000000000000000000016");
/// The create2 deployer, whose code is put in place at Canyon activation.
pub const CREATE2_DEPLOYER: Address = address!("13b0D85CcB8bf860b6b79AF3029fCA081AE9beF2");
/// The code hash of the create2 deployer (its code is fetched by this hash when called).
pub const CREATE2_DEPLOYER_CODE_HASH: B256 =
    b256!("b0550b5b431e30d38000efb7107aaa0ade03d48a7198a140edda9d27134468b2");

/// The payload attributes of the block to build (the engine API's `PayloadAttributesV3` with the
/// OP Stack extensions).
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct PayloadAttributes {
    /// Block timestamp.
    pub timestamp: u64,
    /// `prevRandao` (the header's mix hash).
    pub prev_randao: B256,
    /// The fee recipient (the header's beneficiary).
    pub suggested_fee_recipient: Address,
    /// The parent beacon block root (from Ecotone).
    pub parent_beacon_block_root: Option<B256>,
    /// The transactions, EIP-2718 encoded; the first is the L1 info deposit.
    pub transactions: Vec<Bytes>,
    /// The block gas limit.
    pub gas_limit: Option<u64>,
    /// Holocene EIP-1559 parameters: denominator (u32 BE) ++ elasticity (u32 BE).
    pub eip1559_params: Option<B64>,
}

/// A built block.
#[derive(Clone, Debug)]
pub struct ExecutedBlock {
    /// Its header.
    pub header: Header,
    /// keccak256 of the RLP header.
    pub hash: B256,
    /// The receipts of its transactions.
    pub receipts: Vec<OpReceiptEnvelope>,
    /// The storage root of the L2ToL1MessagePasser after the block (an output root commits to
    /// it; from Isthmus it is also the header's withdrawals root): from Isthmus on, or when asked
    /// for ([`execute_block_with_output`]).
    pub message_passer_storage_root: Option<B256>,
}

/// Decodes Holocene `extraData`: version 0 ++ denominator (u32) ++ elasticity (u32).
pub fn decode_holocene_extra_data(extra: &[u8]) -> Result<(u32, u32), ProgramError> {
    if extra.len() != 9 || extra[0] != 0 {
        return Err(ProgramError::BadHeader(format!(
            "Holocene extraData must be version 0 and 9 bytes, found 0x{}",
            hex(extra)
        )));
    }
    let denominator = u32::from_be_bytes(extra[1..5].try_into().expect("4 bytes"));
    let elasticity = u32::from_be_bytes(extra[5..9].try_into().expect("4 bytes"));
    if denominator == 0 {
        return Err(ProgramError::BadHeader(
            "Holocene extraData denominator is 0".into(),
        ));
    }
    Ok((denominator, elasticity))
}

fn hex(data: &[u8]) -> alloc::string::String {
    use core::fmt::Write;
    let mut s = alloc::string::String::with_capacity(data.len() * 2);
    for b in data {
        let _ = write!(s, "{b:02x}");
    }
    s
}

/// The base fee of the block after `parent` at `timestamp`.
pub fn next_base_fee(
    config: &RollupConfig,
    parent: &Header,
    timestamp: u64,
) -> Result<u64, ProgramError> {
    let (denominator, elasticity) = if config.is_active(Fork::Holocene, parent.timestamp) {
        let (d, e) = decode_holocene_extra_data(&parent.extra_data)?;
        (d as u64, e as u64)
    } else {
        config.base_fee_params(timestamp)
    };
    if elasticity == 0 || denominator == 0 {
        return Err(ProgramError::BadInput(
            "EIP-1559 parameters must not be 0".into(),
        ));
    }
    let parent_base_fee = parent
        .base_fee_per_gas
        .ok_or_else(|| ProgramError::BadHeader("parent has no base fee".into()))?;
    let params = BaseFeeParams::new(denominator as u128, elasticity as u128);
    Ok(params.next_block_base_fee(parent.gas_used, parent.gas_limit, parent_base_fee))
}

/// The Holocene `extraData` of the new block from the payload's `eip1559Params` (zero params
/// mean the chain's defaults).
pub fn holocene_extra_data(
    config: &RollupConfig,
    params: Option<B64>,
    timestamp: u64,
) -> Result<Bytes, ProgramError> {
    let params = params
        .ok_or_else(|| ProgramError::BadPayload("eip1559Params missing after Holocene".into()))?;
    let mut denominator = u32::from_be_bytes(params.0[..4].try_into().expect("4 bytes"));
    let mut elasticity = u32::from_be_bytes(params.0[4..].try_into().expect("4 bytes"));
    if denominator == 0 && elasticity == 0 {
        let (d, e) = config.base_fee_params(timestamp);
        denominator = u32::try_from(d)
            .map_err(|_| ProgramError::BadInput("EIP-1559 denominator exceeds u32".into()))?;
        elasticity = u32::try_from(e)
            .map_err(|_| ProgramError::BadInput("EIP-1559 elasticity exceeds u32".into()))?;
    } else if denominator == 0 {
        return Err(ProgramError::BadPayload(
            "eip1559Params has a zero denominator and a non-zero elasticity".into(),
        ));
    }
    let mut extra = Vec::with_capacity(9);
    extra.push(0);
    extra.extend_from_slice(&denominator.to_be_bytes());
    extra.extend_from_slice(&elasticity.to_be_bytes());
    Ok(extra.into())
}

/// The revm transaction of a decoded payload transaction.
fn tx_env(
    tx: &OpTxEnvelope,
    raw: &Bytes,
    index: usize,
) -> Result<OpTransaction<TxEnv>, ProgramError> {
    let invalid =
        |reason: alloc::string::String| ProgramError::InvalidTransaction { index, reason };
    let recover = |r: Result<Address, alloy_consensus::crypto::RecoveryError>| {
        // As alloy's `recover_signer`: EIP-2 (s in the lower half of the curve order) enforced.
        r.map_err(|e| invalid(format!("cannot recover the sender: {e}")))
    };
    let mut base = TxEnv::default();
    let mut deposit = op_revm::transaction::deposit::DepositTransactionParts::default();
    match tx {
        OpTxEnvelope::Legacy(s) => {
            let t = s.tx();
            base.tx_type = 0;
            base.caller = recover(crate::secp256k1::sender(s))?;
            base.gas_limit = t.gas_limit;
            base.gas_price = t.gas_price;
            base.kind = t.to;
            base.value = t.value;
            base.data = t.input.clone();
            base.nonce = t.nonce;
            base.chain_id = t.chain_id;
        }
        OpTxEnvelope::Eip2930(s) => {
            let t = s.tx();
            base.tx_type = 1;
            base.caller = recover(crate::secp256k1::sender(s))?;
            base.gas_limit = t.gas_limit;
            base.gas_price = t.gas_price;
            base.kind = t.to;
            base.value = t.value;
            base.data = t.input.clone();
            base.nonce = t.nonce;
            base.chain_id = Some(t.chain_id);
            base.access_list = t.access_list.clone();
        }
        OpTxEnvelope::Eip1559(s) => {
            let t = s.tx();
            base.tx_type = 2;
            base.caller = recover(crate::secp256k1::sender(s))?;
            base.gas_limit = t.gas_limit;
            base.gas_price = t.max_fee_per_gas;
            base.gas_priority_fee = Some(t.max_priority_fee_per_gas);
            base.kind = t.to;
            base.value = t.value;
            base.data = t.input.clone();
            base.nonce = t.nonce;
            base.chain_id = Some(t.chain_id);
            base.access_list = t.access_list.clone();
        }
        OpTxEnvelope::Eip7702(s) => {
            let t = s.tx();
            base.tx_type = 4;
            base.caller = recover(crate::secp256k1::sender(s))?;
            base.gas_limit = t.gas_limit;
            base.gas_price = t.max_fee_per_gas;
            base.gas_priority_fee = Some(t.max_priority_fee_per_gas);
            base.kind = TxKind::Call(t.to);
            base.value = t.value;
            base.data = t.input.clone();
            base.nonce = t.nonce;
            base.chain_id = Some(t.chain_id);
            base.access_list = t.access_list.clone();
            base.authorization_list = t
                .authorization_list
                .iter()
                .map(|a| Either::Right(a.clone().into_recovered()))
                .collect();
        }
        OpTxEnvelope::Deposit(d) => {
            let t = d.inner();
            base.tx_type = OpTxType::Deposit as u8;
            base.caller = t.from;
            base.gas_limit = t.gas_limit;
            base.gas_price = 0;
            base.kind = t.to;
            base.value = t.value;
            base.data = t.input.clone();
            deposit.source_hash = t.source_hash;
            deposit.mint = Some(t.mint);
            deposit.is_system_transaction = t.is_system_transaction;
        }
        OpTxEnvelope::PostExec(_) => {
            return Err(invalid(
                "post-exec (0x7d) transactions are not supported".into(),
            ));
        }
    }
    Ok(OpTransaction {
        base,
        enveloped_tx: Some(raw.clone()),
        deposit,
    })
}

/// The ordered trie root of `items` (keys are the RLP of the indices).
fn ordered_root<'a>(items: impl Iterator<Item = &'a [u8]>) -> Result<B256, ProgramError> {
    let mut trie = Trie::empty();
    for (i, item) in items.enumerate() {
        trie.insert(&alloy_rlp::encode(i), item.to_vec(), &NoNodes)?;
    }
    Ok(trie.root())
}

fn evm_error(index: usize, e: EVMError<ProgramError, op_revm::OpTransactionError>) -> ProgramError {
    match e {
        EVMError::Database(e) => e,
        EVMError::Transaction(e) => ProgramError::InvalidTransaction {
            index,
            reason: e.to_string(),
        },
        EVMError::Header(e) => ProgramError::BadPayload(e.to_string()),
        EVMError::Custom(e) => ProgramError::InvalidTransaction { index, reason: e },
        other => ProgramError::InvalidTransaction {
            index,
            reason: format!("{other:?}"),
        },
    }
}

/// The post-state a block leaves, as preimages: what a host needs to serve the next block.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PostState {
    /// The RLP of every state-trie and storage-trie node of the post-state that the block held in
    /// memory: the new nodes and those it read (a node's key is its keccak256).
    pub nodes: Vec<Vec<u8>>,
    /// The code of every contract the block created or called (a code's key is its keccak256).
    pub code: Vec<Bytes>,
}

/// Executes the block after `parent` built from `attrs`, reading the parent state from
/// `preimages`, and returns it with its hash.
pub fn execute_block<O: PreimageOracle>(
    preimages: &Preimages<O>,
    config: &RollupConfig,
    parent: &Header,
    attrs: &PayloadAttributes,
) -> Result<ExecutedBlock, ProgramError> {
    execute(preimages, config, parent, attrs, false, |_| ())
}

/// [`execute_block`], also reading the L2ToL1MessagePasser's storage root after the block if
/// `with_output` (for the block's output root; before Isthmus this reads the state trie's path
/// to that account, which a block that does not touch it may not have among its preimages).
pub fn execute_block_with_output<O: PreimageOracle>(
    preimages: &Preimages<O>,
    config: &RollupConfig,
    parent: &Header,
    attrs: &PayloadAttributes,
    with_output: bool,
) -> Result<ExecutedBlock, ProgramError> {
    execute(preimages, config, parent, attrs, with_output, |_| ())
}

/// [`execute_block_with_output`], also returning the post-state's trie nodes and code (to execute
/// the blocks after it without asking for them again).
pub fn execute_block_with_post_state<O: PreimageOracle>(
    preimages: &Preimages<O>,
    config: &RollupConfig,
    parent: &Header,
    attrs: &PayloadAttributes,
    with_output: bool,
) -> Result<(ExecutedBlock, PostState), ProgramError> {
    let mut post = PostState::default();
    let block = execute(preimages, config, parent, attrs, with_output, |state| {
        post = state.post_state();
    })?;
    Ok((block, post))
}

/// Builds the block; `finish` sees the state once its root is written.
fn execute<O: PreimageOracle>(
    preimages: &Preimages<O>,
    config: &RollupConfig,
    parent: &Header,
    attrs: &PayloadAttributes,
    with_output: bool,
    finish: impl FnOnce(&mut State<'_, O>),
) -> Result<ExecutedBlock, ProgramError> {
    crate::secp256k1::install_precompile_crypto();
    let timestamp = attrs.timestamp;
    if timestamp <= parent.timestamp {
        return Err(ProgramError::BadPayload(format!(
            "timestamp {timestamp} is not after the parent's {}",
            parent.timestamp
        )));
    }
    let spec = config.spec_at(timestamp)?;
    let fork = config.fork_at(timestamp);
    let number = parent.number.checked_add(1).ok_or_else(|| {
        ProgramError::BadPayload("the parent's number is 2^64-1: no block follows it".into())
    })?;
    let gas_limit = attrs
        .gas_limit
        .ok_or_else(|| ProgramError::BadPayload("gasLimit missing".into()))?;
    let base_fee = next_base_fee(config, parent, timestamp)?;
    let extra_data = if fork >= Fork::Holocene {
        holocene_extra_data(config, attrs.eip1559_params, timestamp)?
    } else if attrs.eip1559_params.is_some() {
        return Err(ProgramError::BadPayload(
            "eip1559Params before Holocene".into(),
        ));
    } else {
        Bytes::new()
    };
    let ecotone = fork >= Fork::Ecotone;
    let parent_beacon_block_root = if ecotone {
        Some(attrs.parent_beacon_block_root.ok_or_else(|| {
            ProgramError::BadPayload("parentBeaconBlockRoot missing after Ecotone".into())
        })?)
    } else {
        None
    };
    let parent_hash = parent.hash_slow();

    let mut state = State::new(preimages, parent, parent_hash);
    if fork >= Fork::Canyon && !config.is_active(Fork::Canyon, parent.timestamp) {
        state.set_code_hash(CREATE2_DEPLOYER, CREATE2_DEPLOYER_CODE_HASH)?;
    }

    let block = BlockEnv {
        number: U256::from(number),
        beneficiary: attrs.suggested_fee_recipient,
        timestamp: U256::from(timestamp),
        gas_limit,
        basefee: base_fee,
        difficulty: U256::ZERO,
        prevrandao: Some(attrs.prev_randao),
        blob_excess_gas_and_price: Some(BlobExcessGasAndPrice::new(
            0,
            revm::primitives::eip4844::BLOB_BASE_FEE_UPDATE_FRACTION_CANCUN,
        )),
        ..Default::default()
    };
    let mut cfg = CfgEnv::new_with_spec(spec);
    cfg.chain_id = config.l2_chain_id;

    let ctx = Context::op()
        .with_db(state)
        .with_block(block)
        .with_cfg(cfg)
        .with_chain(L1BlockInfo::default());
    let mut evm = ctx.build_op();

    // System calls at the start of the block.
    let mut system_calls = Vec::new();
    if let Some(root) = parent_beacon_block_root {
        system_calls.push((
            BEACON_ROOTS_ADDRESS,
            Bytes::copy_from_slice(root.as_slice()),
        ));
    }
    if spec.is_enabled_in(OpSpecId::ISTHMUS) {
        system_calls.push((
            HISTORY_STORAGE_ADDRESS,
            Bytes::copy_from_slice(parent_hash.as_slice()),
        ));
    }
    for (contract, data) in system_calls {
        let mut out = evm
            .system_call_with_caller(SYSTEM_ADDRESS, contract, data)
            .map_err(|e| match e {
                EVMError::Database(e) => e,
                e => ProgramError::SystemCall(format!("{contract}: {e:?}")),
            })?;
        out.state.remove(&SYSTEM_ADDRESS);
        out.state.remove(&attrs.suggested_fee_recipient);
        evm.0.ctx.journaled_state.database.commit(out.state)?;
    }

    // The transactions.
    let regolith = fork >= Fork::Regolith;
    let canyon = fork >= Fork::Canyon;
    let mut cumulative_gas = 0u64;
    let mut receipts = Vec::with_capacity(attrs.transactions.len());
    for (index, raw) in attrs.transactions.iter().enumerate() {
        let tx = OpTxEnvelope::decode_2718_exact(raw.as_ref()).map_err(|e| {
            ProgramError::InvalidTransaction {
                index,
                reason: format!("cannot decode: {e}"),
            }
        })?;
        let is_deposit = tx.is_deposit();
        let tx_gas_limit = alloy_consensus::Transaction::gas_limit(&tx);
        if (regolith || !is_deposit) && tx_gas_limit > gas_limit - cumulative_gas {
            return Err(ProgramError::InvalidTransaction {
                index,
                reason: format!(
                    "gas limit {tx_gas_limit} exceeds the block's remaining gas {}",
                    gas_limit - cumulative_gas
                ),
            });
        }
        let env = tx_env(&tx, raw, index)?;
        let deposit_nonce = if is_deposit && regolith {
            let db = &mut evm.0.ctx.journaled_state.database;
            Some(db.basic(env.base.caller)?.map_or(0, |a| a.nonce))
        } else {
            None
        };
        let out = evm.transact(env).map_err(|e| evm_error(index, e))?;
        evm.0.ctx.journaled_state.database.commit(out.state)?;
        cumulative_gas += out.result.tx_gas_used();
        receipts.push(OpReceiptEnvelope::from_parts(
            out.result.is_success(),
            cumulative_gas,
            out.result.logs(),
            tx.tx_type(),
            deposit_nonce,
            (is_deposit && canyon).then_some(1),
        ));
    }

    let state = &mut evm.0.ctx.journaled_state.database;
    let state_root = state.state_root()?;
    let message_passer_storage_root = if fork >= Fork::Isthmus || with_output {
        Some(state.storage_root(L2_TO_L1_MESSAGE_PASSER)?)
    } else {
        None
    };
    let withdrawals_root = if fork >= Fork::Isthmus {
        message_passer_storage_root
    } else if canyon {
        Some(EMPTY_ROOT)
    } else {
        None
    };
    finish(state);
    let transactions_root = ordered_root(attrs.transactions.iter().map(|t| t.as_ref()))?;
    let encoded: Vec<Vec<u8>> = receipts.iter().map(|r| r.encoded_2718()).collect();
    let receipts_root = ordered_root(encoded.iter().map(|r| r.as_slice()))?;
    let mut logs_bloom = Bloom::ZERO;
    for r in &receipts {
        logs_bloom.accrue_bloom(r.logs_bloom());
    }

    let header = Header {
        parent_hash,
        ommers_hash: EMPTY_OMMER_ROOT_HASH,
        beneficiary: attrs.suggested_fee_recipient,
        state_root,
        transactions_root,
        receipts_root,
        logs_bloom,
        difficulty: U256::ZERO,
        number,
        gas_limit,
        gas_used: cumulative_gas,
        timestamp,
        extra_data,
        mix_hash: attrs.prev_randao,
        nonce: B64::ZERO,
        base_fee_per_gas: Some(base_fee),
        withdrawals_root,
        blob_gas_used: ecotone.then_some(0),
        excess_blob_gas: ecotone.then_some(0),
        parent_beacon_block_root,
        requests_hash: (fork >= Fork::Isthmus).then_some(EMPTY_REQUESTS_HASH),
        ..Default::default()
    };
    let hash = header.hash_slow();
    Ok(ExecutedBlock {
        header,
        hash,
        receipts,
        message_passer_storage_root,
    })
}
