//! The L2 chain up to the safe head: the agreed chain read from the host (headers by hash and the
//! transactions their roots commit to, walking parent hashes back from the agreed head), then the
//! blocks the program executes itself.

use crate::error::ClaimError;
use crate::hints::Hint;
use crate::l1::read_header;
use crate::list_trie::list_values;
use crate::oracle::ClaimOracle;
use alloc::collections::BTreeMap;
use alloc::format;
use alloc::string::ToString;
use alloc::vec::Vec;
use alloy_consensus::Header;
use alloy_primitives::{Bytes, B256};
use verdict_derive::config::{Fork, RollupConfig};
use verdict_derive::l1_info::{decode_l1_info, L1InfoFields};
use verdict_derive::provider::L2Provider;
use verdict_derive::{BlockId, DeriveError, L2BlockRef, SystemConfig};
use verdict_preimage::{HintWriter, PreimageOracle};

/// An L2 block as the program knows it.
#[derive(Clone, Debug)]
pub struct L2Block {
    /// Its header.
    pub header: Header,
    /// Its hash.
    pub hash: B256,
    /// Its transactions, EIP-2718 encoded (the L1 info deposit first).
    pub transactions: Vec<Bytes>,
    /// What derivation knows of it.
    pub block_ref: L2BlockRef,
    /// The system config in effect after it.
    pub system_config: SystemConfig,
}

impl L2Block {
    /// The block with `header` (whose hash is `hash`) and `transactions`, under `cfg`.
    pub fn new(
        cfg: &RollupConfig,
        header: Header,
        hash: B256,
        transactions: Vec<Bytes>,
    ) -> Result<Self, ClaimError> {
        if header.number == cfg.genesis.l2.number {
            if hash != cfg.genesis.l2.hash {
                return Err(ClaimError::BadPreimage(format!(
                    "L2 block {} is the genesis number but its hash {hash} is not the config's {}",
                    header.number, cfg.genesis.l2.hash
                )));
            }
            let block_ref = L2BlockRef {
                hash,
                number: header.number,
                parent_hash: header.parent_hash,
                timestamp: header.timestamp,
                l1_origin: cfg.genesis.l1,
                sequence_number: 0,
            };
            return Ok(L2Block {
                system_config: cfg.genesis.system_config,
                header,
                hash,
                transactions,
                block_ref,
            });
        }
        let info = l1_info_of(&transactions).ok_or_else(|| {
            ClaimError::BadPreimage(format!("L2 block {hash} has no L1 info deposit first"))
        })?;
        let block_ref = L2BlockRef {
            hash,
            number: header.number,
            parent_hash: header.parent_hash,
            timestamp: header.timestamp,
            l1_origin: BlockId {
                hash: info.hash,
                number: info.number,
            },
            sequence_number: info.sequence_number,
        };
        let system_config = system_config_of(cfg, &header, &info)?;
        Ok(L2Block {
            header,
            hash,
            transactions,
            block_ref,
            system_config,
        })
    }
}

/// The fields of the block's first transaction, an L1 info deposit.
fn l1_info_of(transactions: &[Bytes]) -> Option<L1InfoFields> {
    use alloy_eips::eip2718::Decodable2718;
    let first = transactions.first()?;
    let tx = op_alloy_consensus::OpTxEnvelope::decode_2718(&mut first.as_ref()).ok()?;
    match tx {
        op_alloy_consensus::OpTxEnvelope::Deposit(d) => decode_l1_info(&d.inner().input),
        _ => None,
    }
}

/// The system config a block carries: from its L1 info deposit, its gas limit, and from Holocene
/// the EIP-1559 parameters in its extra data.
fn system_config_of(
    cfg: &RollupConfig,
    header: &Header,
    info: &L1InfoFields,
) -> Result<SystemConfig, ClaimError> {
    let mut sc = SystemConfig {
        batcher_address: info.batcher,
        overhead: info.overhead,
        scalar: info.scalar,
        gas_limit: header.gas_limit,
        operator_fee_scalar: info.operator_fee_scalar,
        operator_fee_constant: info.operator_fee_constant,
        da_footprint_gas_scalar: info.da_footprint_gas_scalar,
        ..SystemConfig::default()
    };
    if cfg.is_active(Fork::Holocene, header.timestamp) {
        let extra = &header.extra_data;
        if extra.len() < 9 || !matches!(extra[0], 0 | 1) {
            return Err(ClaimError::BadPreimage(format!(
                "L2 block {}: extra data {extra} is not Holocene's",
                header.number
            )));
        }
        sc.eip1559_denominator = u32::from_be_bytes(extra[1..5].try_into().expect("4 bytes"));
        sc.eip1559_elasticity = u32::from_be_bytes(extra[5..9].try_into().expect("4 bytes"));
        if extra[0] == 1 && extra.len() == 17 {
            sc.min_base_fee = u64::from_be_bytes(extra[9..17].try_into().expect("8 bytes"));
        }
    }
    Ok(sc)
}

/// The L2 header with `hash`.
pub fn read_l2_header<O: PreimageOracle, H: HintWriter>(
    host: &ClaimOracle<O, H>,
    hash: B256,
) -> Result<Header, ClaimError> {
    read_header(host, Hint::L2BlockHeader(hash), "L2 header", hash)
}

/// The safe L2 chain as the program reads it.
pub struct OracleL2<'a, O, H> {
    host: &'a ClaimOracle<O, H>,
    cfg: RollupConfig,
    blocks: BTreeMap<u64, L2Block>,
}

fn provider(e: ClaimError) -> DeriveError {
    DeriveError::Provider(e.to_string())
}

impl<'a, O: PreimageOracle, H: HintWriter> OracleL2<'a, O, H> {
    /// The chain ending at the agreed head, whose header (with hash `hash`) was read.
    pub fn new(
        host: &'a ClaimOracle<O, H>,
        cfg: RollupConfig,
        header: Header,
        hash: B256,
    ) -> Result<Self, ClaimError> {
        let mut l2 = OracleL2 {
            host,
            cfg,
            blocks: BTreeMap::new(),
        };
        let head = l2.read_transactions(header, hash)?;
        l2.blocks.insert(head.header.number, head);
        Ok(l2)
    }

    fn read_block(&self, hash: B256) -> Result<L2Block, ClaimError> {
        let header = read_l2_header(self.host, hash)?;
        self.read_transactions(header, hash)
    }

    fn read_transactions(&self, header: Header, hash: B256) -> Result<L2Block, ClaimError> {
        self.host.hint(Hint::L2Transactions(hash))?;
        let host = self.host;
        let raw = list_values(header.transactions_root, &mut |h| {
            host.keccak("L2 transaction trie node", h)
        })?;
        L2Block::new(
            &self.cfg,
            header,
            hash,
            raw.into_iter().map(Bytes::from).collect(),
        )
        .map_err(|e| self.host.fail(e))
    }

    /// The block `number` of the safe chain (walking back from the lowest block known).
    pub fn block(&mut self, number: u64) -> Result<&L2Block, ClaimError> {
        let (&highest, _) = self.blocks.iter().next_back().expect("the head is known");
        if number > highest {
            return Err(ClaimError::Failed(format!(
                "L2 block {number} is past the safe head {highest}"
            )));
        }
        while !self.blocks.contains_key(&number) {
            let (&lowest, block) = self.blocks.iter().next().expect("the head is known");
            if lowest <= self.cfg.genesis.l2.number {
                return Err(ClaimError::Failed(format!(
                    "L2 block {number} is before genesis"
                )));
            }
            let parent = self.read_block(block.header.parent_hash)?;
            if parent.header.number + 1 != lowest {
                return Err(self.host.fail(ClaimError::BadPreimage(format!(
                    "L2 block {} is numbered {}, but its child is {lowest}",
                    parent.hash, parent.header.number
                ))));
            }
            self.blocks.insert(parent.header.number, parent);
        }
        Ok(&self.blocks[&number])
    }

    /// The safe head.
    pub fn head(&self) -> &L2Block {
        self.blocks.values().next_back().expect("the head is known")
    }

    /// Appends a block the program executed (the new safe head).
    pub fn push(&mut self, block: L2Block) {
        self.blocks.insert(block.header.number, block);
    }
}

impl<O: PreimageOracle, H: HintWriter> L2Provider for OracleL2<'_, O, H> {
    fn block_ref(&mut self, number: u64) -> Result<L2BlockRef, DeriveError> {
        self.block(number).map(|b| b.block_ref).map_err(provider)
    }

    fn sequenced_transactions(&mut self, number: u64) -> Result<Vec<Bytes>, DeriveError> {
        let block = self.block(number).map_err(provider)?;
        Ok(block
            .transactions
            .iter()
            .filter(|t| t.first() != Some(&0x7e))
            .cloned()
            .collect())
    }

    fn system_config(&mut self, number: u64) -> Result<SystemConfig, DeriveError> {
        self.block(number)
            .map(|b| b.system_config)
            .map_err(provider)
    }
}
