//! The executed L2 chain: blocks with their header, transactions, receipts, output root and the
//! derivation view of them (block reference, system config), and the output root.

use crate::error::{Error, Result};
use crate::preimages::PreimageMap;
use alloy_consensus::Header;
use alloy_eips::eip2718::Decodable2718;
use alloy_primitives::{keccak256, Bytes, B256};
use op_alloy_consensus::{OpReceiptEnvelope, TxDeposit};
use verdict_derive::l1_info::decode_l1_info;
use verdict_derive::provider::L2Provider;
use verdict_derive::types::BlockId;
use verdict_derive::{DeriveError, Fork, L2BlockRef, RollupConfig, SystemConfig};
use verdict_program::block::{decode_holocene_extra_data, L2_TO_L1_MESSAGE_PASSER};
use verdict_program::state::TrieAccount;
use verdict_program::{Trie, EMPTY_ROOT};

/// The preimage of a version-0 output root: 32 zero bytes, the state root, the
/// L2ToL1MessagePasser's storage root, the block hash.
pub fn output_root_preimage(state_root: B256, message_passer_root: B256, hash: B256) -> [u8; 128] {
    let mut out = [0u8; 128];
    out[32..64].copy_from_slice(state_root.as_slice());
    out[64..96].copy_from_slice(message_passer_root.as_slice());
    out[96..].copy_from_slice(hash.as_slice());
    out
}

/// The L2ToL1MessagePasser's storage root in the state with root `state_root`.
pub fn message_passer_root(pre: &PreimageMap, state_root: B256) -> Result<B256> {
    let nodes = pre.nodes();
    let mut trie = Trie::new(state_root);
    match trie.get(keccak256(L2_TO_L1_MESSAGE_PASSER).as_slice(), &nodes)? {
        None => Ok(EMPTY_ROOT),
        Some(v) => Ok(TrieAccount::decode(v)
            .map_err(|e| Error::new(format!("message passer account: {e}")))?
            .storage_root),
    }
}

/// One executed L2 block.
#[derive(Clone, Debug)]
pub struct L2Block {
    /// Its header.
    pub header: Header,
    /// Its hash.
    pub hash: B256,
    /// Its transactions, EIP-2718 encoded.
    pub transactions: Vec<Bytes>,
    /// Its receipts.
    pub receipts: Vec<OpReceiptEnvelope>,
    /// The message passer's storage root after it.
    pub message_passer_root: B256,
    /// Its output root.
    pub output_root: B256,
    /// What derivation knows of it.
    pub block_ref: L2BlockRef,
    /// The system config after it, as read from the block.
    pub system_config: SystemConfig,
}

impl L2Block {
    /// The output root's preimage.
    pub fn output_root_preimage(&self) -> [u8; 128] {
        output_root_preimage(self.header.state_root, self.message_passer_root, self.hash)
    }

    /// A block after genesis, its derivation view read from its L1 info deposit and header as a
    /// node reads it.
    pub fn new(
        cfg: &RollupConfig,
        header: Header,
        transactions: Vec<Bytes>,
        receipts: Vec<OpReceiptEnvelope>,
        message_passer_root: B256,
        parent: &SystemConfig,
    ) -> Result<Self> {
        let hash = header.hash_slow();
        let bad = |why: String| Error::new(format!("L2 block {}: {why}", header.number));
        let first = transactions
            .first()
            .ok_or_else(|| bad("no L1 info deposit".into()))?;
        let info_tx = TxDeposit::decode_2718(&mut first.as_ref())
            .map_err(|e| bad(format!("first transaction is no deposit: {e}")))?;
        let info = decode_l1_info(&info_tx.input)
            .ok_or_else(|| bad("first transaction is no L1 info deposit".into()))?;
        let mut sc = *parent;
        sc.batcher_address = info.batcher;
        sc.overhead = info.overhead;
        sc.scalar = info.scalar;
        sc.gas_limit = header.gas_limit;
        sc.operator_fee_scalar = info.operator_fee_scalar;
        sc.operator_fee_constant = info.operator_fee_constant;
        if cfg.is_active(Fork::Holocene, header.timestamp) {
            let (d, e) = decode_holocene_extra_data(&header.extra_data)?;
            sc.eip1559_denominator = d;
            sc.eip1559_elasticity = e;
        }
        let output_root = keccak256(output_root_preimage(
            header.state_root,
            message_passer_root,
            hash,
        ));
        Ok(L2Block {
            block_ref: L2BlockRef {
                hash,
                number: header.number,
                parent_hash: header.parent_hash,
                timestamp: header.timestamp,
                l1_origin: BlockId {
                    hash: info.hash,
                    number: info.number,
                },
                sequence_number: info.sequence_number,
            },
            system_config: sc,
            header,
            hash,
            transactions,
            receipts,
            message_passer_root,
            output_root,
        })
    }
}

/// An executed L2 chain, genesis first; derivation's [`L2Provider`].
#[derive(Clone, Debug)]
pub struct L2Chain {
    /// The blocks, genesis first.
    pub blocks: Vec<L2Block>,
}

impl L2Chain {
    /// The chain holding only its genesis (`header`, with the message passer's storage root).
    pub fn genesis(cfg: &RollupConfig, header: Header, message_passer_root: B256) -> Self {
        let hash = header.hash_slow();
        let block = L2Block {
            block_ref: L2BlockRef {
                hash,
                number: header.number,
                parent_hash: header.parent_hash,
                timestamp: header.timestamp,
                l1_origin: cfg.genesis.l1,
                sequence_number: 0,
            },
            system_config: cfg.genesis.system_config,
            output_root: keccak256(output_root_preimage(
                header.state_root,
                message_passer_root,
                hash,
            )),
            header,
            hash,
            transactions: vec![],
            receipts: vec![],
            message_passer_root,
        };
        L2Chain {
            blocks: vec![block],
        }
    }

    /// The head block.
    pub fn head(&self) -> &L2Block {
        self.blocks.last().expect("a chain has its genesis")
    }

    /// Block `number`.
    pub fn block(&self, number: u64) -> Option<&L2Block> {
        let first = self.blocks.first()?.header.number;
        self.blocks.get(number.checked_sub(first)? as usize)
    }

    fn get(&self, number: u64) -> std::result::Result<&L2Block, DeriveError> {
        self.block(number)
            .ok_or_else(|| DeriveError::Provider(format!("no L2 block {number}")))
    }
}

impl L2Provider for L2Chain {
    fn block_ref(&mut self, number: u64) -> std::result::Result<L2BlockRef, DeriveError> {
        Ok(self.get(number)?.block_ref)
    }

    fn sequenced_transactions(
        &mut self,
        number: u64,
    ) -> std::result::Result<Vec<Bytes>, DeriveError> {
        let b = self.get(number)?;
        let deposits = b
            .transactions
            .iter()
            .take_while(|t| t.first() == Some(&0x7e))
            .count();
        Ok(b.transactions[deposits..].to_vec())
    }

    fn system_config(&mut self, number: u64) -> std::result::Result<SystemConfig, DeriveError> {
        Ok(self.get(number)?.system_config)
    }
}
