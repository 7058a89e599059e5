//! The VM's API: a state, a preimage oracle and the guest's output; one reference step at a time
//! (with or without its proof), or fast runs on the JIT or the interpreter. The reference step is
//! in `step.rs` and `syscall.rs`, the interpreter in `interp.rs`, the JIT in `jit/`.

use crate::decode::CodeCache;
use crate::error::VmError;
use crate::state::State;
use verdict_fpvm::memory::MEMORY_PROOF_SIZE;
use verdict_fpvm::{Hash, PreimageRead, PreimageStop, PreimageWitness, StepWitness};
use verdict_preimage::{NoOracle, Oracle};

pub use verdict_fpvm::guest_io::Output;

/// Dirty pages that make `run` start hashing in the background (4 MiB), when it does.
const BACKGROUND_PAGES: usize = 1024;

/// The fault proof VM: a state, a preimage oracle and the guest's output.
pub struct Vm<O: Oracle = NoOracle> {
    /// The machine state.
    pub state: State,
    pub(crate) oracle: O,
    pub(crate) stdout: Output,
    pub(crate) stderr: Output,
    pub(crate) last_preimage_key: Hash,
    /// The last preimage fetched, with its length prefix.
    pub(crate) last_preimage: Option<Vec<u8>>,
    /// The preimage offset read this step, or u64::MAX if none.
    pub(crate) last_preimage_offset: u64,
    /// Reads after which `run` stops.
    pub(crate) preimage_stop: PreimageStop,
    /// Set by a read the stop matches; ends the current `run`.
    pub(crate) halted: bool,
    pub(crate) proofs: Vec<[u8; MEMORY_PROOF_SIZE]>,
    pub(crate) proof_addrs: Vec<u64>,
    pub(crate) code: CodeCache,
    /// Dirty pages at which `run` hands them to a hashing thread (0: never).
    pub(crate) background_pages: usize,
    #[cfg(target_arch = "x86_64")]
    pub(crate) jit: crate::jit::Jit,
}

impl Vm<NoOracle> {
    /// A VM without a preimage oracle; guest output is discarded.
    pub fn new(state: State) -> Self {
        Vm::with_oracle(state, NoOracle)
    }
}

impl<O: Oracle> Vm<O> {
    /// A VM reading preimages from `oracle`; guest output is discarded.
    pub fn with_oracle(state: State, oracle: O) -> Self {
        Vm {
            state,
            oracle,
            stdout: Output::Discard,
            stderr: Output::Discard,
            last_preimage_key: [0; 32],
            last_preimage: None,
            last_preimage_offset: u64::MAX,
            preimage_stop: PreimageStop::default(),
            halted: false,
            proofs: Vec::new(),
            proof_addrs: Vec::new(),
            code: CodeCache::default(),
            background_pages: 0,
            #[cfg(target_arch = "x86_64")]
            jit: Default::default(),
        }
    }

    /// Collects the guest's stdout and stderr in memory.
    pub fn capture_output(&mut self) {
        self.stdout = Output::Capture(Vec::new());
        self.stderr = Output::Capture(Vec::new());
    }

    /// Sends the guest's stdout and stderr to writers.
    pub fn set_output(&mut self, stdout: Output, stderr: Output) {
        self.stdout = stdout;
        self.stderr = stderr;
    }

    /// Captured stdout (empty unless capturing).
    pub fn stdout(&self) -> &[u8] {
        self.stdout.captured()
    }

    /// Captured stderr (empty unless capturing).
    pub fn stderr(&self) -> &[u8] {
        self.stderr.captured()
    }

    /// The oracle.
    pub fn oracle(&self) -> &O {
        &self.oracle
    }

    /// The oracle, mutably.
    pub fn oracle_mut(&mut self) -> &mut O {
        &mut self.oracle
    }

    /// The last preimage fetched (with its length prefix), if any.
    pub fn last_preimage(&self) -> Option<&[u8]> {
        self.last_preimage.as_deref()
    }

    /// Whether the last step read preimage data.
    pub fn last_step_read_preimage(&self) -> bool {
        self.last_preimage_offset != u64::MAX
    }

    /// The read of the last step, if it read preimage data.
    pub fn last_preimage_read(&self) -> Option<PreimageRead> {
        let value = self.last_preimage.as_ref()?;
        self.last_step_read_preimage().then_some(PreimageRead {
            key: self.last_preimage_key,
            offset: self.last_preimage_offset,
            prefixed_len: value.len() as u64,
        })
    }

    /// Sets the reads after which `run` stops, right after the reading step.
    pub fn set_preimage_stop(&mut self, stop: PreimageStop) {
        self.preimage_stop = stop;
    }

    /// Whether the last `run` ended right after a read the preimage stop matched.
    pub fn stopped_at_preimage(&self) -> bool {
        self.halted
    }

    /// Executes one instruction (nothing happens once the program has exited). On error the state is
    /// unchanged except for memory written before the failing access (never by the reference's rules).
    pub fn step(&mut self) -> Result<(), VmError> {
        self.last_preimage_offset = u64::MAX;
        self.run_step::<false>()
    }

    /// Executes one instruction and returns what is needed to prove it onchain.
    pub fn step_with_proof(&mut self) -> Result<StepWitness, VmError> {
        let root = self.state.memory.merkle_root();
        let witness = self.state.witness_with_root(&root);
        self.proofs.clear();
        self.proof_addrs.clear();
        self.last_preimage_offset = u64::MAX;
        self.run_step::<true>()?;
        let mut proof = Vec::with_capacity(self.proofs.len() * MEMORY_PROOF_SIZE);
        for p in &self.proofs {
            proof.extend_from_slice(p);
        }
        let preimage = match (&self.last_preimage, self.last_preimage_offset) {
            (Some(value), offset) if offset != u64::MAX => Some(PreimageWitness {
                key: self.last_preimage_key,
                value: value.clone(),
                offset,
            }),
            _ => None,
        };
        Ok(StepWitness {
            state: witness.to_vec(),
            proof,
            preimage,
        })
    }

    /// Executes up to `n` instructions, stopping early when the program exits, right after a
    /// read the preimage stop matches, or once memory has grown past its limit
    /// ([`Memory::set_limit`](verdict_fpvm::Memory::set_limit)). Returns the steps run. This is the fast path: the same
    /// semantics as `step`, on decoded (or translated) code.
    pub fn run(&mut self, n: u64) -> Result<u64, VmError> {
        let start = self.state.step;
        if n > 0 && start == u64::MAX && !self.state.exited {
            return Err(VmError::StepCounterExhausted);
        }
        let n = n.min(u64::MAX - start);
        self.last_preimage_offset = u64::MAX;
        self.halted = false;
        if self.state.memory.over_limit() {
            return Ok(0);
        }
        if self.code.memory_id != self.state.memory.id() {
            // Another memory (a clone, or a state replaced): none of the code caches apply.
            self.code.reset(self.state.memory.id());
            #[cfg(target_arch = "x86_64")]
            self.jit.clear();
        }
        // Code written by `step` since the last run: its decodings and translations are stale.
        if self.state.memory.code_was_written() {
            self.forget_written_code();
        }
        #[cfg(target_arch = "x86_64")]
        if self.jit.enabled() {
            self.run_jit(n)?;
            return Ok(self.state.step - start);
        }
        self.run_decoded(n)?;
        Ok(self.state.step - start)
    }

    /// Whether `run` hashes written pages on another thread while it runs, so that a root or
    /// proof after a run that wrote much memory once has little left to hash. Off by default:
    /// each page it hashes leaves the JIT's write TLB, so a page written again costs a trip
    /// through the store helper, and measured on the fault proof program's blocks (the whole `vm
    /// run`, final state included) and on memtouch it cost more than it saved (BENCHMARKS.md).
    /// Results are the same either way.
    pub fn set_background_hashing(&mut self, on: bool) {
        self.background_pages = if on { BACKGROUND_PAGES } else { 0 };
    }

    /// Starts background hashing from `pages` dirty pages instead of the default 1024 (tests use
    /// small numbers to exercise it often); 0 turns it off.
    #[doc(hidden)]
    pub fn set_background_hashing_pages(&mut self, pages: usize) {
        self.background_pages = pages;
    }

    /// Hands the dirty pages to the background hasher if there are enough of them.
    #[inline]
    pub(crate) fn maybe_rehash_in_background(&mut self) {
        if self.background_pages != 0
            && self.state.memory.dirty_page_count() >= self.background_pages
        {
            self.state
                .memory
                .rehash_in_background(self.background_pages);
        }
    }

    /// Whether `run` translates code pages into machine code (x86-64; on by default unless the
    /// environment sets `VERDICT_JIT=0`) or interprets pre-decoded instructions. Both give the
    /// same states as `step`.
    pub fn set_jit(&mut self, on: bool) {
        #[cfg(target_arch = "x86_64")]
        self.jit.set_enabled(on);
        #[cfg(not(target_arch = "x86_64"))]
        let _ = on;
    }

    /// Sizes the JIT's code arena (256 MiB by default; every translation made so far goes). When
    /// it is full, every translation goes and translating starts again: tests make it small to
    /// see that happen.
    #[doc(hidden)]
    pub fn set_jit_code_bytes(&mut self, bytes: usize) {
        #[cfg(target_arch = "x86_64")]
        self.jit.set_arena_bytes(bytes);
        #[cfg(not(target_arch = "x86_64"))]
        let _ = bytes;
    }

    /// Bytes of translated code in the JIT's code arena.
    #[doc(hidden)]
    pub fn jit_code_bytes(&self) -> usize {
        #[cfg(target_arch = "x86_64")]
        return self.jit.code_space.used();
        #[cfg(not(target_arch = "x86_64"))]
        0
    }

    /// Times a full code arena made every translation go (0 without the JIT).
    #[doc(hidden)]
    pub fn jit_code_resets(&self) -> u64 {
        #[cfg(target_arch = "x86_64")]
        return self.jit.code_space.resets();
        #[cfg(not(target_arch = "x86_64"))]
        0
    }

    /// Times `run` has entered translated code from its dispatcher (0 without the JIT): tests
    /// use it to see that translated code continues from page to page without returning.
    #[doc(hidden)]
    pub fn jit_runs(&self) -> u64 {
        #[cfg(target_arch = "x86_64")]
        return self.jit.runs();
        #[cfg(not(target_arch = "x86_64"))]
        0
    }
}
