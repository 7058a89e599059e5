//! In-memory chains: the L1 chain the pipeline reads ([`MemL1`]), a fake L2 engine and chain
//! ([`FakeL2`]) and bytecode by hash ([`CodeStore`]).

use crate::attributes::PayloadAttributes;
use crate::config::RollupConfig;
use crate::error::DeriveError;
use crate::l1_info::decode_l1_info;
use crate::provider::{Blob, BlobProvider, BytecodeSource, L1Provider, L2Provider};
use crate::system_config::SystemConfig;
use crate::types::{BlockId, L1BlockRef, L2BlockRef};
use alloy_consensus::{Header, ReceiptEnvelope, TxEnvelope};
use alloy_eips::eip2718::Decodable2718;
use alloy_primitives::{keccak256, Bytes, B256};
use op_alloy_consensus::TxDeposit;
use std::collections::HashMap;

/// An in-memory L1 chain.
#[derive(Clone, Debug, Default)]
pub struct MemL1 {
    /// Headers from the first block on.
    pub headers: Vec<Header>,
    /// Their hashes.
    pub hashes: Vec<B256>,
    /// Each block's transactions.
    pub txs: Vec<Vec<TxEnvelope>>,
    /// Each block's receipts.
    pub receipts: Vec<Vec<ReceiptEnvelope>>,
    /// Blobs by versioned hash.
    pub blobs: HashMap<B256, ([u8; 48], Blob)>,
}

impl MemL1 {
    fn index(&self, hash: B256) -> Result<usize, DeriveError> {
        self.hashes
            .iter()
            .position(|h| *h == hash)
            .ok_or_else(|| DeriveError::Provider(format!("no L1 block {hash}")))
    }
    /// The reference of block `i` (from the first).
    pub fn block_ref(&self, i: usize) -> L1BlockRef {
        L1BlockRef::from_header(&self.headers[i])
    }
}

impl L1Provider for &MemL1 {
    fn header_by_number(&mut self, number: u64) -> Result<Option<Header>, DeriveError> {
        let first = self.headers.first().map_or(0, |h| h.number);
        Ok(number
            .checked_sub(first)
            .and_then(|i| self.headers.get(i as usize))
            .cloned())
    }
    fn header_by_hash(&mut self, hash: B256) -> Result<Header, DeriveError> {
        Ok(self.headers[self.index(hash)?].clone())
    }
    fn receipts(&mut self, hash: B256) -> Result<Vec<ReceiptEnvelope>, DeriveError> {
        Ok(self.receipts[self.index(hash)?].clone())
    }
    fn transactions(&mut self, hash: B256) -> Result<Vec<TxEnvelope>, DeriveError> {
        Ok(self.txs[self.index(hash)?].clone())
    }
}

impl BlobProvider for &MemL1 {
    fn blob(
        &mut self,
        _block: &crate::types::L1BlockRef,
        _index: u64,
        hash: B256,
    ) -> Result<([u8; 48], Blob), DeriveError> {
        self.blobs
            .get(&hash)
            .cloned()
            .ok_or_else(|| DeriveError::Provider(format!("no blob {hash}")))
    }
}

/// A fake L2 engine and chain: a block's hash is the keccak of its parent hash and attributes;
/// its system config is read back from its attributes as a node reads it from the block.
#[derive(Clone, Debug)]
pub struct FakeL2 {
    cfg: RollupConfig,
    /// The blocks: reference, sequenced transactions, system config after it.
    pub blocks: Vec<(L2BlockRef, Vec<Bytes>, SystemConfig)>,
    /// Real block hashes by the fake hash of the same block (a recorded chain's: executing
    /// exactly a real block's attributes on its real parent gives its real hash; anything else
    /// a fake one). Empty for generated chains.
    pub hashes: HashMap<B256, B256>,
}

impl FakeL2 {
    /// A chain holding the genesis block.
    pub fn new(cfg: &RollupConfig) -> Self {
        let genesis = L2BlockRef {
            hash: cfg.genesis.l2.hash,
            number: cfg.genesis.l2.number,
            timestamp: cfg.genesis.l2_time,
            l1_origin: cfg.genesis.l1,
            ..Default::default()
        };
        Self {
            cfg: cfg.clone(),
            blocks: vec![(genesis, vec![], cfg.genesis.system_config)],
            hashes: HashMap::new(),
        }
    }

    /// With the real hashes of a recorded chain (see [`FakeL2::hashes`]).
    pub fn with_hashes(mut self, hashes: HashMap<B256, B256>) -> Self {
        self.hashes = hashes;
        self
    }

    /// The fake hash of a block with `timestamp`, `transactions` (deposits included) and
    /// `gas_limit` on the block `parent`.
    pub fn fake_hash(parent: B256, timestamp: u64, transactions: &[Bytes], gas_limit: u64) -> B256 {
        let mut h = Vec::new();
        h.extend_from_slice(parent.as_slice());
        h.extend_from_slice(&timestamp.to_be_bytes());
        for t in transactions {
            h.extend_from_slice(keccak256(t).as_slice());
        }
        h.extend_from_slice(&gas_limit.to_be_bytes());
        keccak256(&h)
    }

    /// The head block.
    pub fn head(&self) -> L2BlockRef {
        self.blocks.last().map(|b| b.0).unwrap_or_default()
    }

    /// Executes attributes on the head.
    pub fn execute(&mut self, attrs: &PayloadAttributes) -> Result<L2BlockRef, DeriveError> {
        let parent = self.head();
        let parent_sc = self.blocks.last().map(|b| b.2).unwrap_or_default();
        let first = attrs
            .transactions
            .first()
            .ok_or_else(|| DeriveError::BadL2("no L1 info".into()))?;
        let info_tx = TxDeposit::decode_2718(&mut first.as_ref())
            .map_err(|e| DeriveError::BadL2(e.to_string()))?;
        let info = decode_l1_info(&info_tx.input)
            .ok_or_else(|| DeriveError::BadL2("bad L1 info".into()))?;
        let fake = Self::fake_hash(
            parent.hash,
            attrs.timestamp,
            &attrs.transactions,
            attrs.gas_limit,
        );
        let block = L2BlockRef {
            hash: self.hashes.get(&fake).copied().unwrap_or(fake),
            number: parent.number + 1,
            parent_hash: parent.hash,
            timestamp: attrs.timestamp,
            l1_origin: BlockId {
                hash: info.hash,
                number: info.number,
            },
            sequence_number: info.sequence_number,
        };
        let mut sc = parent_sc;
        sc.batcher_address = info.batcher;
        sc.overhead = info.overhead;
        sc.scalar = info.scalar;
        sc.gas_limit = attrs.gas_limit;
        sc.operator_fee_scalar = info.operator_fee_scalar;
        sc.operator_fee_constant = info.operator_fee_constant;
        sc.da_footprint_gas_scalar = info.da_footprint_gas_scalar;
        if let Some(p) = attrs.eip1559_params {
            let (d, e) = if p.is_zero() {
                (
                    self.cfg.eip1559_denominator_canyon as u32,
                    self.cfg.eip1559_elasticity as u32,
                )
            } else {
                (
                    u32::from_be_bytes(p[..4].try_into().unwrap_or_default()),
                    u32::from_be_bytes(p[4..].try_into().unwrap_or_default()),
                )
            };
            sc.eip1559_denominator = d;
            sc.eip1559_elasticity = e;
        }
        if let Some(m) = attrs.min_base_fee {
            sc.min_base_fee = m;
        }
        let sequenced = attrs.transactions[attrs.deposit_count()..].to_vec();
        self.blocks.push((block, sequenced, sc));
        Ok(block)
    }

    fn get(&self, number: u64) -> Result<&(L2BlockRef, Vec<Bytes>, SystemConfig), DeriveError> {
        self.blocks
            .get(number as usize)
            .ok_or_else(|| DeriveError::Provider(format!("no L2 block {number}")))
    }
}

impl L2Provider for FakeL2 {
    fn block_ref(&mut self, number: u64) -> Result<L2BlockRef, DeriveError> {
        Ok(self.get(number)?.0)
    }
    fn sequenced_transactions(&mut self, number: u64) -> Result<Vec<Bytes>, DeriveError> {
        Ok(self.get(number)?.1.clone())
    }
    fn system_config(&mut self, number: u64) -> Result<SystemConfig, DeriveError> {
        Ok(self.get(number)?.2)
    }
}

/// Bytecode by hash, for upgrade transactions.
#[derive(Clone, Debug, Default)]
pub struct CodeStore(pub HashMap<B256, Bytes>);

impl BytecodeSource for CodeStore {
    fn bytecode(&mut self, hash: B256) -> Result<Bytes, DeriveError> {
        self.0
            .get(&hash)
            .cloned()
            .ok_or_else(|| DeriveError::Provider(format!("no bytecode {hash}")))
    }
}
