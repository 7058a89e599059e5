//! The VM state: memory, the preimage registers, the LL reservation, the two thread stacks and
//! the scheduler's counters; its 188-byte witness and state hash (§9), and the stack operations
//! of the scheduler (§5.2).

use crate::thread::{stack_root, Thread};
use verdict_fpvm::hash::{keccak256, Hash};
use verdict_fpvm::memory::Memory;
use verdict_mips64_consts::{
    layout, vm_status, witness as off, DEFAULT_VERSION, THREAD_WITNESS_SIZE, WITNESS_SIZE,
};

/// VM status, the high byte of a state hash.
pub use verdict_fpvm::VmStatus as Status;

/// The full state of the machine.
#[derive(Clone, Debug)]
pub struct State {
    /// The state version (7 or 8): which rules the state follows.
    pub version: u8,
    /// All of memory.
    pub memory: Memory,
    /// Key of the preimage being read (built up by writes to fd 6).
    pub preimage_key: Hash,
    /// Read offset into the length-prefixed preimage.
    pub preimage_offset: u64,
    /// Next address an anonymous mmap hands out.
    pub heap: u64,
    /// 0 no reservation, 1 after `ll`, 2 after `lld`.
    pub ll_status: u8,
    /// The address `ll`/`lld` reserved.
    pub ll_address: u64,
    /// The thread that holds the reservation.
    pub ll_owner: u64,
    /// Exit code, meaningful once `exited`.
    pub exit_code: u8,
    /// Whether the program has exited.
    pub exited: bool,
    /// Steps executed.
    pub step: u64,
    /// Steps the active thread has run since it was scheduled.
    pub steps_since_switch: u64,
    /// Whether the right stack is the active one.
    pub traverse_right: bool,
    /// The left thread stack, bottom first.
    pub left: Vec<Thread>,
    /// The right thread stack, bottom first.
    pub right: Vec<Thread>,
    /// The id the next cloned thread gets.
    pub next_thread_id: u64,
    /// Hint bytes written to fd 4 and not yet a complete hint (not part of the witness).
    pub last_hint: Vec<u8>,
}

impl State {
    /// The state `load-elf` starts from: one thread at `pc`, the heap at its start.
    pub fn new(pc: u64) -> Self {
        State {
            version: DEFAULT_VERSION,
            memory: Memory::new(),
            preimage_key: [0; 32],
            preimage_offset: 0,
            heap: layout::HEAP_START,
            ll_status: 0,
            ll_address: 0,
            ll_owner: 0,
            exit_code: 0,
            exited: false,
            step: 0,
            steps_since_switch: 0,
            traverse_right: false,
            left: vec![Thread::new(0, pc)],
            right: Vec::new(),
            next_thread_id: 1,
            last_hint: Vec::new(),
        }
    }

    /// The active stack.
    pub fn active(&self) -> &[Thread] {
        if self.traverse_right {
            &self.right
        } else {
            &self.left
        }
    }

    fn stacks_mut(&mut self) -> (&mut Vec<Thread>, &mut Vec<Thread>) {
        if self.traverse_right {
            (&mut self.right, &mut self.left)
        } else {
            (&mut self.left, &mut self.right)
        }
    }

    /// The active thread, if any.
    pub fn current(&self) -> Option<&Thread> {
        self.active().last()
    }

    /// The active thread, mutably.
    pub fn current_mut(&mut self) -> Option<&mut Thread> {
        self.stacks_mut().0.last_mut()
    }

    /// Threads in both stacks.
    pub fn thread_count(&self) -> usize {
        self.left.len() + self.right.len()
    }

    /// Removes the active thread; the traversal turns if its stack is left empty.
    pub fn pop_thread(&mut self) {
        self.stacks_mut().0.pop();
        self.turn_if_active_empty();
        self.steps_since_switch = 0;
    }

    /// Moves the active thread to the other stack; the traversal turns if its stack is left empty.
    pub fn preempt(&mut self) {
        let (active, other) = self.stacks_mut();
        if let Some(t) = active.pop() {
            other.push(t);
        }
        self.turn_if_active_empty();
        self.steps_since_switch = 0;
    }

    /// Pushes a new thread onto the active stack: it runs next.
    pub fn push_thread(&mut self, thread: Thread) {
        self.stacks_mut().0.push(thread);
        self.steps_since_switch = 0;
    }

    fn turn_if_active_empty(&mut self) {
        if self.active().is_empty() {
            self.traverse_right = !self.traverse_right;
        }
    }

    /// Clears the LL reservation if `word` (8-aligned) holds the reserved address (§7).
    pub fn note_memory_write(&mut self, word: u64) {
        if word == self.ll_address & !7 {
            self.ll_status = 0;
            self.ll_address = 0;
            self.ll_owner = 0;
        }
    }

    /// The 188-byte witness (computes the memory root).
    pub fn witness(&mut self) -> [u8; WITNESS_SIZE] {
        let root = self.memory.merkle_root();
        self.witness_with_root(&root)
    }

    /// The witness for a given memory root.
    pub fn witness_with_root(&self, root: &Hash) -> [u8; WITNESS_SIZE] {
        let mut w = [0u8; WITNESS_SIZE];
        let mut put = |at: usize, bytes: &[u8]| w[at..at + bytes.len()].copy_from_slice(bytes);
        put(off::MEM_ROOT, root);
        put(off::PREIMAGE_KEY, &self.preimage_key);
        put(off::PREIMAGE_OFFSET, &self.preimage_offset.to_be_bytes());
        put(off::HEAP, &self.heap.to_be_bytes());
        put(off::LL_STATUS, &[self.ll_status]);
        put(off::LL_ADDRESS, &self.ll_address.to_be_bytes());
        put(off::LL_OWNER, &self.ll_owner.to_be_bytes());
        put(off::EXIT_CODE, &[self.exit_code]);
        put(off::EXITED, &[self.exited as u8]);
        put(off::STEP, &self.step.to_be_bytes());
        put(
            off::STEPS_SINCE_SWITCH,
            &self.steps_since_switch.to_be_bytes(),
        );
        put(off::TRAVERSE_RIGHT, &[self.traverse_right as u8]);
        put(off::LEFT_STACK, &stack_root(&self.left));
        put(off::RIGHT_STACK, &stack_root(&self.right));
        put(off::NEXT_THREAD_ID, &self.next_thread_id.to_be_bytes());
        w
    }

    /// The thread witness of a step: the active thread and the root of the rest of its stack.
    pub fn thread_witness(&self) -> Option<[u8; THREAD_WITNESS_SIZE]> {
        let (current, rest) = self.active().split_last()?;
        let mut out = [0u8; THREAD_WITNESS_SIZE];
        out[..current.encode().len()].copy_from_slice(&current.encode());
        out[THREAD_WITNESS_SIZE - 32..].copy_from_slice(&stack_root(rest));
        Some(out)
    }

    /// The VM status.
    pub fn status(&self) -> Status {
        Status::of(self.exited, self.exit_code)
    }

    /// The state hash: keccak256 of the witness with the status in byte 0.
    pub fn state_hash(&mut self) -> Hash {
        state_hash(&self.witness())
    }
}

/// keccak256(witness) with byte 0 replaced by the status the witness encodes.
pub fn state_hash(witness: &[u8; WITNESS_SIZE]) -> Hash {
    let mut h = keccak256(witness);
    h[0] = vm_status(witness[off::EXITED] == 1, witness[off::EXIT_CODE]);
    h
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn traversal_visits_threads_back_and_forth() {
        let mut s = State::new(0x1000);
        for id in 1..4 {
            s.push_thread(Thread::new(id, 0));
        }
        // Pushed 1, 2, 3 on top of 0: 3 runs first, then 2, 1, 0, then 0 again from the right.
        let mut order = vec![];
        for _ in 0..10 {
            order.push(s.current().unwrap().id);
            s.preempt();
        }
        assert_eq!(order, [3, 2, 1, 0, 0, 1, 2, 3, 3, 2]);
    }

    #[test]
    fn witness_fields_are_where_the_layout_says() {
        let mut s = State::new(0x40);
        s.step = 0x0102;
        s.ll_address = 0xaa;
        s.exited = true;
        s.exit_code = 1;
        let w = s.witness();
        assert_eq!(w[off::STEP + 7], 2);
        assert_eq!(w[off::LL_ADDRESS + 7], 0xaa);
        assert_eq!(state_hash(&w)[0], 1);
        assert_eq!(
            &w[off::RIGHT_STACK..off::RIGHT_STACK + 32],
            &stack_root(&[])
        );
    }
}
