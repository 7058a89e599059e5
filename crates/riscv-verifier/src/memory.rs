//! Memory seen through merkle proofs: reading a leaf verifies its proof against the current
//! root, writing a leaf recomputes the root from the same proof's siblings.

use crate::{keccak256_pair, StepError, MEMORY_PROOF_SIZE};

/// Number of sibling hashes in a memory proof (64-bit addresses, 32-byte leaves).
pub(crate) const TREE_DEPTH: usize = 59;

/// Memory of one step: the proof bytes and the current memory root.
pub(crate) struct ProvenMemory<'a> {
    proof: &'a [u8],
    pub root: [u8; 32],
    /// One past the highest proof slot read so far (the onchain step ignores bytes beyond it).
    slots_used: core::cell::Cell<usize>,
}

/// A 32-byte aligned address of the leaf holding `addr`.
fn leaf_addr(addr: u64) -> u64 {
    addr & !31
}

impl<'a> ProvenMemory<'a> {
    pub fn new(proof: &'a [u8], root: [u8; 32]) -> Self {
        ProvenMemory {
            proof,
            root,
            slots_used: core::cell::Cell::new(0),
        }
    }

    /// How many proof bytes the step has read so far (whole slots up to the highest used).
    pub fn proof_bytes_used(&self) -> usize {
        self.slots_used.get() * MEMORY_PROOF_SIZE
    }

    /// The leaf and the sibling bytes of proof slot `slot`.
    fn slot(&self, slot: u8) -> Result<(&'a [u8; 32], &'a [u8]), StepError> {
        let missing = StepError::MissingProofSlot {
            slot,
            proof_len: self.proof.len(),
        };
        let start = usize::from(slot) * MEMORY_PROOF_SIZE;
        self.slots_used
            .set(self.slots_used.get().max(usize::from(slot) + 1));
        self.proof
            .get(start..start + MEMORY_PROOF_SIZE)
            .and_then(|s| s.split_first_chunk::<32>())
            .ok_or(missing)
    }

    /// Root of the tree with `leaf` at `addr` and the given siblings (bottom-up).
    fn root_with(leaf: &[u8; 32], siblings: &[u8], addr: u64) -> [u8; 32] {
        let path = addr >> 5;
        let mut node = *leaf;
        for (level, sibling) in siblings.chunks_exact(32).take(TREE_DEPTH).enumerate() {
            node = if (path >> level) & 1 == 1 {
                keccak256_pair(sibling, &node)
            } else {
                keccak256_pair(&node, sibling)
            };
        }
        node
    }

    /// Reads the leaf at the 32-byte aligned `addr`, verifying proof slot `slot`.
    pub fn read_leaf(&self, addr: u64, slot: u8) -> Result<[u8; 32], StepError> {
        let (leaf, siblings) = self.slot(slot)?;
        if Self::root_with(leaf, siblings, addr) != self.root {
            return Err(StepError::BadMemoryProof { slot, addr });
        }
        Ok(*leaf)
    }

    /// Writes the leaf at the 32-byte aligned `addr` using the siblings of slot `slot`
    /// (which must have been verified by a read of the same leaf).
    pub fn write_leaf(&mut self, addr: u64, leaf: &[u8; 32], slot: u8) -> Result<(), StepError> {
        let (_, siblings) = self.slot(slot)?;
        self.root = Self::root_with(leaf, siblings, addr);
        Ok(())
    }

    /// Loads `size` (at most 8) bytes little-endian from `addr`, optionally sign-extended.
    /// The left leaf is proven by `slot_l`, a right leaf (if the access crosses) by `slot_r`.
    pub fn load(
        &self,
        addr: u64,
        size: u64,
        signed: bool,
        slot_l: u8,
        slot_r: Option<u8>,
    ) -> Result<u64, StepError> {
        if size > 8 {
            return Err(StepError::LoadTooLarge { size });
        }
        let left_addr = leaf_addr(addr);
        let left = self.read_leaf(left_addr, slot_l)?;
        let right_addr = leaf_addr(addr.wrapping_add(size.wrapping_sub(1)));
        let right = if right_addr != left_addr {
            let slot = slot_r.ok_or(StepError::MissingRightProof {
                addr,
                size,
                store: false,
            })?;
            self.read_leaf(right_addr, slot)?
        } else {
            [0u8; 32]
        };
        let mut out = 0u64;
        for i in (0..size).rev() {
            let a = addr.wrapping_add(i);
            let leaf = if leaf_addr(a) == left_addr {
                &left
            } else {
                &right
            };
            let byte = leaf.get((a & 31) as usize).copied().unwrap_or(0);
            out = (out << 8) | u64::from(byte);
        }
        if signed && size > 0 {
            out = crate::exec::sign_extend(out, (size * 8 - 1) as u32);
        }
        Ok(out)
    }

    /// Stores `bytes` (at most 32, in memory order) at `addr`: the left leaf is read with
    /// `slot_l`, patched and written; if the store crosses into the next leaf, that leaf is then
    /// read with `slot_r` against the updated root, patched and written.
    pub fn store(
        &mut self,
        addr: u64,
        bytes: &[u8],
        slot_l: u8,
        slot_r: Option<u8>,
    ) -> Result<(), StepError> {
        let size = bytes.len() as u64;
        let alignment = (addr & 31) as usize;
        let left_addr = leaf_addr(addr);
        let right_addr = leaf_addr(addr.wrapping_add(size.wrapping_sub(1)));

        let mut left = self.read_leaf(left_addr, slot_l)?;
        for (k, b) in bytes.iter().enumerate() {
            if let Some(dst) = left.get_mut(alignment + k) {
                *dst = *b;
            }
        }
        self.write_leaf(left_addr, &left, slot_l)?;

        if left_addr == right_addr {
            return Ok(());
        }
        let slot = slot_r.ok_or(StepError::MissingRightProof {
            addr,
            size,
            store: true,
        })?;
        let mut right = self.read_leaf(right_addr, slot)?;
        for (k, b) in bytes.iter().enumerate() {
            if let Some(dst) = (alignment + k)
                .checked_sub(32)
                .and_then(|pos| right.get_mut(pos))
            {
                *dst = *b;
            }
        }
        self.write_leaf(right_addr, &right, slot)
    }
}
