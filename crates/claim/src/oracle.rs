//! The program's window on the host: preimages by key (keccak256 ones checked against their
//! hash), hints, the preimages the program made itself (the trie nodes of the states it built,
//! served before asking the host), and counts of what was read.

use crate::error::ClaimError;
use crate::hints::Hint;
use alloc::collections::BTreeMap;
use alloc::format;
use alloc::vec::Vec;
use alloy_primitives::{keccak256, B256};
use core::cell::{Cell, RefCell};
use verdict_preimage::{HintWriter, PreimageError, PreimageKey, PreimageOracle};

/// The host, as the program sees it.
pub struct ClaimOracle<O, H> {
    oracle: O,
    hints: H,
    own: RefCell<BTreeMap<PreimageKey, Vec<u8>>>,
    reads: Cell<u64>,
    bytes: Cell<u64>,
    failure: RefCell<Option<ClaimError>>,
}

impl<O: PreimageOracle, H: HintWriter> ClaimOracle<O, H> {
    /// The host behind `oracle` and `hints`.
    pub fn new(oracle: O, hints: H) -> Self {
        ClaimOracle {
            oracle,
            hints,
            own: RefCell::new(BTreeMap::new()),
            reads: Cell::new(0),
            bytes: Cell::new(0),
            failure: RefCell::new(None),
        }
    }

    /// Sends `hint` (the host fetches what it names before the reads that follow).
    pub fn hint(&self, hint: Hint<'_>) -> Result<(), ClaimError> {
        self.hints.hint(hint.encode().as_bytes()).map_err(|e| {
            self.fail(ClaimError::BadPreimage(format!(
                "hint {}: {e}",
                hint.name()
            )))
        })
    }

    /// The value whose keccak256 is `hash` (`what` names it in errors).
    pub fn keccak(&self, what: &str, hash: B256) -> Result<Vec<u8>, ClaimError> {
        let value = self
            .get(PreimageKey::from_keccak_hash(hash.0))
            .map_err(|e| self.fail(ClaimError::BadPreimage(format!("{what} {hash}: {e}"))))?;
        if keccak256(&value) != hash {
            return Err(self.fail(ClaimError::BadPreimage(format!(
                "{what} {hash}: the host's value hashes to {}",
                keccak256(&value)
            ))));
        }
        Ok(value)
    }

    /// The value of any key, as the host serves it (`what` names it in errors).
    pub fn value(&self, what: &str, key: PreimageKey) -> Result<Vec<u8>, ClaimError> {
        self.get(key)
            .map_err(|e| self.fail(ClaimError::BadPreimage(format!("{what} ({key}): {e}"))))
    }

    /// Keeps preimages the program made (served before the host's).
    pub fn remember(&self, items: impl IntoIterator<Item = (PreimageKey, Vec<u8>)>) {
        self.own.borrow_mut().extend(items);
    }

    /// Records `e` as the first failure (derivation reports provider failures as text: the
    /// program classifies them by this record), and returns it.
    pub fn fail(&self, e: ClaimError) -> ClaimError {
        self.failure.borrow_mut().get_or_insert_with(|| e.clone());
        e
    }

    /// The first failure recorded, if any.
    pub fn failure(&self) -> Option<ClaimError> {
        self.failure.borrow().clone()
    }

    /// How many preimages were read from the host, and their bytes.
    pub fn read_counts(&self) -> (u64, u64) {
        (self.reads.get(), self.bytes.get())
    }
}

impl<O: PreimageOracle, H> PreimageOracle for ClaimOracle<O, H> {
    fn get(&self, key: PreimageKey) -> Result<Vec<u8>, PreimageError> {
        if let Some(v) = self.own.borrow().get(&key) {
            return Ok(v.clone());
        }
        let value = self.oracle.get(key)?;
        self.reads.set(self.reads.get() + 1);
        self.bytes.set(self.bytes.get() + value.len() as u64);
        Ok(value)
    }
}

impl<O: PreimageOracle, H: HintWriter> verdict_program::StateHints for ClaimOracle<O, H> {
    /// kona's hints for what the executor reads: a host without execution witnesses fetches
    /// account and storage proofs and code on them.
    fn state_hint(&self, read: verdict_program::StateRead) {
        use verdict_program::StateRead;
        let hint = match read {
            StateRead::Account { block, address } => Hint::L2AccountProof { block, address },
            StateRead::Storage {
                block,
                address,
                slot,
            } => Hint::L2AccountStorageProof {
                block,
                address,
                slot,
            },
            StateRead::Code(hash) => Hint::L2Code(hash),
        };
        // A failed hint is recorded; the read that follows fails and says why.
        let _ = self.hint(hint);
    }
}
