//! Block references: what the pipeline knows of an L1 or an L2 block.

use alloy_consensus::Header;
use alloy_primitives::B256;

/// A block's number and hash.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct BlockId {
    /// The block hash.
    pub hash: B256,
    /// The block number.
    pub number: u64,
}

/// An L1 block: its id, parent and time.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct L1BlockRef {
    /// The block hash.
    pub hash: B256,
    /// The block number.
    pub number: u64,
    /// The parent block's hash.
    pub parent_hash: B256,
    /// The block timestamp.
    pub timestamp: u64,
}

impl L1BlockRef {
    /// The reference of a header (hashes it).
    pub fn from_header(header: &Header) -> Self {
        Self {
            hash: header.hash_slow(),
            number: header.number,
            parent_hash: header.parent_hash,
            timestamp: header.timestamp,
        }
    }

    /// The block's number and hash.
    pub fn id(&self) -> BlockId {
        BlockId {
            hash: self.hash,
            number: self.number,
        }
    }
}

/// An L2 block as derivation sees it: its id, parent, time, L1 origin and position in the epoch.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct L2BlockRef {
    /// The block hash.
    pub hash: B256,
    /// The block number.
    pub number: u64,
    /// The parent block's hash.
    pub parent_hash: B256,
    /// The block timestamp.
    pub timestamp: u64,
    /// The L1 origin (epoch) of the block.
    pub l1_origin: BlockId,
    /// The block's distance from the first block of its epoch.
    pub sequence_number: u64,
}

impl L2BlockRef {
    /// The block's number and hash.
    pub fn id(&self) -> BlockId {
        BlockId {
            hash: self.hash,
            number: self.number,
        }
    }
}
