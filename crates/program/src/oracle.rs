//! Fetching keccak256 preimages (trie nodes, code, headers): verified and counted.

use crate::error::{PreimageKind, ProgramError};
use alloc::string::ToString;
use alloc::vec::Vec;
use alloy_primitives::B256;
use core::cell::Cell;
use verdict_preimage::{PreimageError, PreimageKey, PreimageOracle, VerifiedOracle};

/// The program's view of the preimage oracle: every value is checked against its keccak256 key,
/// and reads are counted.
pub struct Preimages<O> {
    oracle: VerifiedOracle<O>,
    reads: Cell<u64>,
    bytes: Cell<u64>,
}

impl<O: PreimageOracle> Preimages<O> {
    /// Wraps `oracle` (it need not verify: this does).
    pub fn new(oracle: O) -> Self {
        Preimages {
            oracle: VerifiedOracle(oracle),
            reads: Cell::new(0),
            bytes: Cell::new(0),
        }
    }

    /// The value whose keccak256 is `hash`, fetched for `kind`.
    pub fn fetch(&self, kind: PreimageKind, hash: B256) -> Result<Vec<u8>, ProgramError> {
        let key = PreimageKey::from_keccak_hash(hash.0);
        match self.oracle.get(key) {
            Ok(v) => {
                self.reads.set(self.reads.get() + 1);
                self.bytes.set(self.bytes.get() + v.len() as u64);
                Ok(v)
            }
            Err(PreimageError::Missing(key)) => {
                Err(ProgramError::MissingPreimage { kind, hash, key })
            }
            Err(PreimageError::Mismatch(key)) => {
                Err(ProgramError::PreimageMismatch { kind, hash, key })
            }
            Err(e) => Err(ProgramError::Oracle(e.to_string())),
        }
    }

    /// How many preimages were read.
    pub fn reads(&self) -> u64 {
        self.reads.get()
    }

    /// How many bytes of preimages were read.
    pub fn bytes_read(&self) -> u64 {
        self.bytes.get()
    }
}

/// Where trie nodes come from.
pub trait NodeSource {
    /// The RLP of the node whose keccak256 is `hash`.
    fn node(&self, hash: B256) -> Result<Vec<u8>, ProgramError>;
}

impl<O: PreimageOracle> NodeSource for Preimages<O> {
    fn node(&self, hash: B256) -> Result<Vec<u8>, ProgramError> {
        self.fetch(PreimageKind::TrieNode, hash)
    }
}

/// A source with no nodes: for tries built entirely in memory (transactions, receipts).
pub struct NoNodes;

impl NodeSource for NoNodes {
    fn node(&self, hash: B256) -> Result<Vec<u8>, ProgramError> {
        Err(ProgramError::MissingPreimage {
            kind: PreimageKind::TrieNode,
            hash,
            key: PreimageKey::from_keccak_hash(hash.0),
        })
    }
}
