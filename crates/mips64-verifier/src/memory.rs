//! Memory seen through the proof's slots (§3, §9.3): reading a word verifies its slot against the
//! current root, writing one recomputes the root from the same slot's siblings.

use crate::error::{Detail, StepError};
use crate::keccak;
use verdict_mips64_consts::{Revert, MEMORY_PROOF_SIZE, MEMORY_TREE_DEPTH, THREAD_WITNESS_SIZE};

/// The memory proof slots of a step proof and the current root.
pub(crate) struct Slots<'a> {
    proof: &'a [u8],
    pub root: [u8; 32],
    /// Which slots were read.
    pub read: [bool; 3],
}

impl<'a> Slots<'a> {
    pub fn new(proof: &'a [u8], root: [u8; 32]) -> Self {
        Slots {
            proof,
            root,
            read: [false; 3],
        }
    }

    /// The leaf and siblings of `slot`, if the proof holds all of its bytes.
    fn slot(&mut self, slot: u8, addr: u64) -> Result<(&'a [u8], &'a [u8]), StepError> {
        let start = THREAD_WITNESS_SIZE + usize::from(slot) * MEMORY_PROOF_SIZE;
        let bytes = self
            .proof
            .get(start..start + MEMORY_PROOF_SIZE)
            .ok_or(StepError::reverts(
                Revert::MemoryProofMissing,
                Detail::Slot(slot, addr),
            ))?;
        if let Some(r) = self.read.get_mut(usize::from(slot)) {
            *r = true;
        }
        Ok(bytes.split_at(32))
    }

    /// The root of the tree holding `leaf` at `addr` with `siblings`, bottom up.
    fn climb(leaf: [u8; 32], siblings: &[u8], addr: u64) -> [u8; 32] {
        let path = addr >> 5;
        let mut node = leaf;
        for (level, sibling) in siblings
            .chunks_exact(32)
            .take(MEMORY_TREE_DEPTH)
            .enumerate()
        {
            node = if (path >> level) & 1 == 0 {
                keccak(&[&node, sibling])
            } else {
                keccak(&[sibling, &node])
            };
        }
        node
    }

    fn leaf_of(bytes: &[u8]) -> [u8; 32] {
        let mut leaf = [0u8; 32];
        leaf.copy_from_slice(bytes);
        leaf
    }

    /// Whether `slot` proves the word at `addr` (8-aligned) against the current root.
    pub fn valid(&mut self, addr: u64, slot: u8) -> Result<bool, StepError> {
        let (leaf, siblings) = self.slot(slot, addr)?;
        Ok(Self::climb(Self::leaf_of(leaf), siblings, addr) == self.root)
    }

    /// The word at `addr` (8-aligned), proven by `slot`.
    pub fn read(&mut self, addr: u64, slot: u8) -> Result<u64, StepError> {
        if !self.valid(addr, slot)? {
            return Err(StepError::reverts(
                Revert::InvalidMemoryProof,
                Detail::Slot(slot, addr),
            ));
        }
        let (leaf, _) = self.slot(slot, addr)?;
        let at = (addr & 31) as usize;
        let mut word = [0u8; 8];
        word.copy_from_slice(&leaf[at..at + 8]);
        Ok(u64::from_be_bytes(word))
    }

    /// Writes the word at `addr` (8-aligned) into `slot`'s leaf and takes the new root.
    pub fn write(&mut self, addr: u64, slot: u8, value: u64) -> Result<(), StepError> {
        let (leaf, siblings) = self.slot(slot, addr)?;
        let mut leaf = Self::leaf_of(leaf);
        let at = (addr & 31) as usize;
        leaf[at..at + 8].copy_from_slice(&value.to_be_bytes());
        self.root = Self::climb(leaf, siblings, addr);
        Ok(())
    }
}
