//! Fetching keccak256 preimages (trie nodes, code, headers): verified and counted.

use crate::error::{PreimageKind, ProgramError};
use alloc::string::ToString;
use alloc::vec::Vec;
use alloy_primitives::{Address, B256, U256};
use core::cell::Cell;
use verdict_preimage::{PreimageError, PreimageKey, PreimageOracle, VerifiedOracle};

/// What the executor is about to read from the state of block `block` (the parent's), told to a
/// host that fetches state on demand (kona's `l2-account-proof`, `l2-account-storage-proof` and
/// `l2-code` hints).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StateRead {
    /// An account.
    Account {
        /// The block whose state is read.
        block: u64,
        /// The account.
        address: Address,
    },
    /// A storage slot.
    Storage {
        /// The block whose state is read.
        block: u64,
        /// The account.
        address: Address,
        /// The slot.
        slot: U256,
    },
    /// Contract code by hash.
    Code(B256),
}

/// An oracle that can be told what the executor is about to read.
pub trait StateHints {
    /// Tells the host about `read` before it happens.
    fn state_hint(&self, read: StateRead);
}

impl<T: StateHints + ?Sized> StateHints for &T {
    fn state_hint(&self, read: StateRead) {
        (**self).state_hint(read)
    }
}

/// The program's view of the preimage oracle: every value is checked against its keccak256 key,
/// and reads are counted.
pub struct Preimages<O> {
    oracle: VerifiedOracle<O>,
    reads: Cell<u64>,
    bytes: Cell<u64>,
    state_hints: Option<fn(&O, StateRead)>,
}

impl<O: PreimageOracle> Preimages<O> {
    /// Wraps `oracle` (it need not verify: this does).
    pub fn new(oracle: O) -> Self {
        Preimages {
            oracle: VerifiedOracle(oracle),
            reads: Cell::new(0),
            bytes: Cell::new(0),
            state_hints: None,
        }
    }

    /// Wraps `oracle`, and tells it what the executor is about to read from the state.
    pub fn with_state_hints(oracle: O) -> Self
    where
        O: StateHints,
    {
        Preimages {
            state_hints: Some(<O as StateHints>::state_hint),
            ..Self::new(oracle)
        }
    }

    /// Tells the oracle about `read`, if it wants to know.
    pub(crate) fn hint(&self, read: StateRead) {
        if let Some(hint) = self.state_hints {
            hint(&self.oracle.0, read);
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
