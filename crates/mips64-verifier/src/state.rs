//! The 188-byte state witness, field by field, single bytes kept raw (§9.1), and its hash.

use crate::WITNESS_SIZE;
use verdict_mips64_consts::{vm_status, witness as off};

/// The decoded state.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct State {
    pub mem_root: [u8; 32],
    pub preimage_key: [u8; 32],
    pub preimage_offset: u64,
    pub heap: u64,
    pub ll_status: u8,
    pub ll_address: u64,
    pub ll_owner: u64,
    pub exit_code: u8,
    pub exited: u8,
    pub step: u64,
    pub steps_since_switch: u64,
    /// Raw: any non-zero byte means the right stack is active.
    pub traverse_right: u8,
    pub left: [u8; 32],
    pub right: [u8; 32],
    pub next_thread_id: u64,
}

fn array<const N: usize>(w: &[u8; WITNESS_SIZE], at: usize) -> [u8; N] {
    let mut out = [0u8; N];
    out.copy_from_slice(&w[at..at + N]);
    out
}

fn u64_at(w: &[u8; WITNESS_SIZE], at: usize) -> u64 {
    u64::from_be_bytes(array(w, at))
}

impl State {
    pub fn decode(w: &[u8; WITNESS_SIZE]) -> Self {
        State {
            mem_root: array(w, off::MEM_ROOT),
            preimage_key: array(w, off::PREIMAGE_KEY),
            preimage_offset: u64_at(w, off::PREIMAGE_OFFSET),
            heap: u64_at(w, off::HEAP),
            ll_status: w[off::LL_STATUS],
            ll_address: u64_at(w, off::LL_ADDRESS),
            ll_owner: u64_at(w, off::LL_OWNER),
            exit_code: w[off::EXIT_CODE],
            exited: w[off::EXITED],
            step: u64_at(w, off::STEP),
            steps_since_switch: u64_at(w, off::STEPS_SINCE_SWITCH),
            traverse_right: w[off::TRAVERSE_RIGHT],
            left: array(w, off::LEFT_STACK),
            right: array(w, off::RIGHT_STACK),
            next_thread_id: u64_at(w, off::NEXT_THREAD_ID),
        }
    }

    pub fn encode(&self) -> [u8; WITNESS_SIZE] {
        let mut w = [0u8; WITNESS_SIZE];
        let mut put = |at: usize, b: &[u8]| w[at..at + b.len()].copy_from_slice(b);
        put(off::MEM_ROOT, &self.mem_root);
        put(off::PREIMAGE_KEY, &self.preimage_key);
        put(off::PREIMAGE_OFFSET, &self.preimage_offset.to_be_bytes());
        put(off::HEAP, &self.heap.to_be_bytes());
        put(off::LL_STATUS, &[self.ll_status]);
        put(off::LL_ADDRESS, &self.ll_address.to_be_bytes());
        put(off::LL_OWNER, &self.ll_owner.to_be_bytes());
        put(off::EXIT_CODE, &[self.exit_code]);
        put(off::EXITED, &[self.exited]);
        put(off::STEP, &self.step.to_be_bytes());
        put(
            off::STEPS_SINCE_SWITCH,
            &self.steps_since_switch.to_be_bytes(),
        );
        put(off::TRAVERSE_RIGHT, &[self.traverse_right]);
        put(off::LEFT_STACK, &self.left);
        put(off::RIGHT_STACK, &self.right);
        put(off::NEXT_THREAD_ID, &self.next_thread_id.to_be_bytes());
        w
    }

    /// The root of the active stack.
    pub fn active_root(&self) -> [u8; 32] {
        if self.traverse_right != 0 {
            self.right
        } else {
            self.left
        }
    }

    /// Sets the root of the active stack.
    pub fn set_active_root(&mut self, root: [u8; 32]) {
        if self.traverse_right != 0 {
            self.right = root;
        } else {
            self.left = root;
        }
    }

    /// The root of the inactive stack.
    pub fn inactive_root(&self) -> [u8; 32] {
        if self.traverse_right != 0 {
            self.left
        } else {
            self.right
        }
    }

    /// Sets the root of the inactive stack.
    pub fn set_inactive_root(&mut self, root: [u8; 32]) {
        if self.traverse_right != 0 {
            self.left = root;
        } else {
            self.right = root;
        }
    }

    /// Flips the traversal as the contract's `!traverseRight` does (the byte becomes 0 or 1).
    pub fn flip(&mut self) {
        self.traverse_right = (self.traverse_right == 0) as u8;
    }
}

/// The state hash: keccak256 of the witness, with its first byte replaced by the VM status (0
/// exited with code 0, 1 exited with code 1, 2 exited with another code, 3 not exited).
pub fn state_hash(witness: &[u8; WITNESS_SIZE]) -> [u8; 32] {
    let mut h = crate::keccak(&[witness]);
    h[0] = vm_status(witness[off::EXITED] == 1, witness[off::EXIT_CODE]);
    h
}
