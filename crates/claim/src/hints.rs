//! The hints the program sends before reading what they name, with the names and payloads of
//! kona's program, so that kona's host can serve this program and ours can serve kona's. On the
//! wire a hint is its name, a space and its payload in hex.

use alloc::string::String;
use alloy_primitives::{hex, Address, B256, U256};

/// A hint and its payload.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Hint<'a> {
    /// `l1-block-header`: the L1 header with this hash.
    L1BlockHeader(B256),
    /// `l1-transactions`: the transactions of the L1 block with this hash.
    L1Transactions(B256),
    /// `l1-receipts`: the receipts of the L1 block with this hash.
    L1Receipts(B256),
    /// `l1-blob`: a blob by versioned hash, index in its block, and the block's timestamp.
    L1Blob {
        /// The blob's versioned hash.
        versioned_hash: B256,
        /// Its index among the block's blobs.
        index: u64,
        /// The L1 block's timestamp.
        timestamp: u64,
    },
    /// `l2-block-header`: the L2 header with this hash.
    L2BlockHeader(B256),
    /// `l2-transactions`: the transactions of the L2 block with this hash.
    L2Transactions(B256),
    /// `l2-code`: contract code by code hash.
    L2Code(B256),
    /// `starting-l2-output`: the agreed output root's preimage.
    StartingL2Output(B256),
    /// `l2-state-node`: a state or storage trie node by hash.
    L2StateNode(B256),
    /// `l2-account-proof`: the proof of `address` in the state of block `block`.
    L2AccountProof {
        /// The block whose state is read (the parent of the one executed).
        block: u64,
        /// The account.
        address: Address,
    },
    /// `l2-account-storage-proof`: the proof of `slot` of `address` in the state of `block`.
    L2AccountStorageProof {
        /// The block whose state is read.
        block: u64,
        /// The account.
        address: Address,
        /// The slot.
        slot: U256,
    },
    /// `l2-payload-witness`: the execution witness of building `payload` (JSON payload
    /// attributes) on the block with hash `parent`.
    L2PayloadWitness {
        /// The parent block hash.
        parent: B256,
        /// The payload attributes, JSON.
        payload: &'a [u8],
    },
}

impl Hint<'_> {
    /// The hint's name.
    pub fn name(&self) -> &'static str {
        match self {
            Hint::L1BlockHeader(_) => "l1-block-header",
            Hint::L1Transactions(_) => "l1-transactions",
            Hint::L1Receipts(_) => "l1-receipts",
            Hint::L1Blob { .. } => "l1-blob",
            Hint::L2BlockHeader(_) => "l2-block-header",
            Hint::L2Transactions(_) => "l2-transactions",
            Hint::L2Code(_) => "l2-code",
            Hint::StartingL2Output(_) => "starting-l2-output",
            Hint::L2StateNode(_) => "l2-state-node",
            Hint::L2AccountProof { .. } => "l2-account-proof",
            Hint::L2AccountStorageProof { .. } => "l2-account-storage-proof",
            Hint::L2PayloadWitness { .. } => "l2-payload-witness",
        }
    }

    /// The hint as sent: `<name> 0x<payload hex>`.
    pub fn encode(&self) -> String {
        let mut payload = alloc::vec::Vec::new();
        match self {
            Hint::L1BlockHeader(h)
            | Hint::L1Transactions(h)
            | Hint::L1Receipts(h)
            | Hint::L2BlockHeader(h)
            | Hint::L2Transactions(h)
            | Hint::L2Code(h)
            | Hint::StartingL2Output(h)
            | Hint::L2StateNode(h) => payload.extend_from_slice(h.as_slice()),
            Hint::L1Blob {
                versioned_hash,
                index,
                timestamp,
            } => {
                payload.extend_from_slice(versioned_hash.as_slice());
                payload.extend_from_slice(&index.to_be_bytes());
                payload.extend_from_slice(&timestamp.to_be_bytes());
            }
            Hint::L2AccountProof { block, address } => {
                payload.extend_from_slice(&block.to_be_bytes());
                payload.extend_from_slice(address.as_slice());
            }
            Hint::L2AccountStorageProof {
                block,
                address,
                slot,
            } => {
                payload.extend_from_slice(&block.to_be_bytes());
                payload.extend_from_slice(address.as_slice());
                payload.extend_from_slice(&slot.to_be_bytes::<32>());
            }
            Hint::L2PayloadWitness { parent, payload: p } => {
                payload.extend_from_slice(parent.as_slice());
                payload.extend_from_slice(p);
            }
        }
        alloc::format!("{} 0x{}", self.name(), hex::encode(payload))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloy_primitives::address;

    #[test]
    fn hints_are_kona_s_names_and_payloads() {
        let h = B256::repeat_byte(0xab);
        assert_eq!(
            Hint::L1BlockHeader(h).encode(),
            alloc::format!("l1-block-header 0x{}", "ab".repeat(32))
        );
        let blob = Hint::L1Blob {
            versioned_hash: h,
            index: 2,
            timestamp: 0x10,
        };
        assert_eq!(
            blob.encode(),
            alloc::format!("l1-blob 0x{}{:016x}{:016x}", "ab".repeat(32), 2, 0x10)
        );
        let a = address!("4200000000000000000000000000000000000016");
        assert_eq!(
            Hint::L2AccountProof {
                block: 7,
                address: a
            }
            .encode(),
            "l2-account-proof 0x00000000000000074200000000000000000000000000000000000016"
        );
        let storage = Hint::L2AccountStorageProof {
            block: 7,
            address: a,
            slot: U256::from(1),
        }
        .encode();
        assert_eq!(storage.len(), "l2-account-storage-proof 0x".len() + 120);
        assert!(storage.ends_with("01"));
    }
}
