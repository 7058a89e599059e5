//! The interpreter: executes one RV64IMA instruction per step, exactly as the onchain step does, and
//! optionally records the memory proofs that step needs.

use crate::arith::{mul_div, mul_div_w, sext32};
use crate::error::VmError;
use crate::fast::{decode_page, CodeCache, DecodedPage, Kind};
use crate::hash::Hash;
use crate::memory::MEMORY_PROOF_SIZE;
use crate::oracle::{NoOracle, PreimageOracle};
use crate::state::{State, WITNESS_SIZE};
use std::io::Write;

/// Where the guest's stdout or stderr goes.
pub enum Output {
    /// Dropped.
    Discard,
    /// Collected in memory.
    Capture(Vec<u8>),
    /// Written to a writer.
    Writer(Box<dyn Write + Send>),
}

/// The preimage a step read: what the onchain oracle must hold before the step can be proven.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PreimageWitness {
    /// The key as the state holds it (local keys are not localized).
    pub key: Hash,
    /// The value with its 8-byte big-endian length prefix.
    pub value: Vec<u8>,
    /// The offset the step read from.
    pub offset: u64,
}

/// Everything needed to prove one step onchain.
#[derive(Clone, Debug)]
pub struct StepWitness {
    /// The pre-state witness.
    pub state: [u8; WITNESS_SIZE],
    /// Memory proofs in their slots (fetch, load/store/syscall, right-hand leaf, ...).
    pub proof: Vec<u8>,
    /// The preimage part the step read, if it read one.
    pub preimage: Option<PreimageWitness>,
}

/// Bytes of code per decoded page.
const PAGE_BYTES: u64 = crate::memory::PAGE_SIZE as u64;

/// Dirty pages that make `run` start hashing in the background (4 MiB).
const BACKGROUND_PAGES: usize = 1024;

/// Largest guest write forwarded to stdout/stderr in one syscall (the step itself succeeds regardless).
const MAX_FORWARDED_OUTPUT: u64 = 1 << 30;
/// Largest buffered, incomplete hint.
const MAX_HINT_BUFFER: usize = 1 << 30;

/// The fault proof VM: a state, a preimage oracle and the guest's output.
pub struct Vm<O: PreimageOracle = NoOracle> {
    /// The machine state.
    pub state: State,
    oracle: O,
    stdout: Output,
    stderr: Output,
    last_preimage_key: Hash,
    /// The last preimage fetched, with its length prefix.
    last_preimage: Option<Vec<u8>>,
    /// The preimage offset read this step, or u64::MAX if none.
    last_preimage_offset: u64,
    proofs: Vec<[u8; MEMORY_PROOF_SIZE]>,
    proof_addrs: Vec<u64>,
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

impl<O: PreimageOracle> Vm<O> {
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
            proofs: Vec::new(),
            proof_addrs: Vec::new(),
            code: CodeCache::default(),
            background_pages: if crate::cores() > 1 {
                BACKGROUND_PAGES
            } else {
                0
            },
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
        match &self.stdout {
            Output::Capture(v) => v,
            _ => &[],
        }
    }

    /// Captured stderr (empty unless capturing).
    pub fn stderr(&self) -> &[u8] {
        match &self.stderr {
            Output::Capture(v) => v,
            _ => &[],
        }
    }

    /// The oracle.
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

    /// Executes one instruction (nothing happens once the program has exited). On error the state is
    /// unchanged except for memory written before the failing access (never by the reference's rules).
    pub fn step(&mut self) -> Result<(), VmError> {
        self.last_preimage_offset = u64::MAX;
        self.run_step::<false>()
    }

    /// Executes up to `n` instructions, stopping early when the program exits. Returns the steps run.
    /// This is the fast path: the same semantics as `step`, on pre-decoded code.
    pub fn run(&mut self, n: u64) -> Result<u64, VmError> {
        let start = self.state.step;
        self.last_preimage_offset = u64::MAX;
        if self.code.memory_id != self.state.memory.id() {
            // Another memory (a clone, or a state replaced): none of the code caches apply.
            self.code.reset(self.state.memory.id());
            #[cfg(target_arch = "x86_64")]
            self.jit.clear();
        }
        #[cfg(target_arch = "x86_64")]
        if self.jit.enabled() {
            self.run_jit(n)?;
            return Ok(self.state.step - start);
        }
        self.run_decoded(n)?;
        Ok(self.state.step - start)
    }

    /// Whether `run` hashes written pages on another thread while it runs (on by default where
    /// there is more than one CPU), so that a root or proof after a run that wrote much memory
    /// has little left to hash. Results are the same either way.
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

    /// The decoded code of `page`, decoding it on first use.
    fn decoded(&mut self, page: u64) -> std::sync::Arc<DecodedPage> {
        if let Some(ops) = self.code.pages.get(&page) {
            return ops.clone();
        }
        let ops: std::sync::Arc<DecodedPage> =
            decode_page(self.state.memory.page_data(page)).into();
        self.state.memory.mark_code(page);
        self.code.pages.insert(page, ops.clone());
        ops
    }

    pub(crate) fn forget_written_code(&mut self) {
        for page in self.state.memory.take_code_writes() {
            self.code.note_rewrite(page);
            #[cfg(target_arch = "x86_64")]
            self.jit.forget(page);
        }
    }

    pub(crate) fn run_decoded(&mut self, n: u64) -> Result<(), VmError> {
        let mut remaining = n;
        // Indexed by u8 register numbers (x0..x31, and 32 absorbing writes to x0): 256 entries, so
        // no access needs a bounds check.
        let mut r = [0u64; 256];
        r[..32].copy_from_slice(&self.state.regs);
        let mut pc = self.state.pc;
        // `remaining` when the state's step counter was last brought up to date.
        let mut flushed = remaining;
        // Runs one instruction with the generic step, with the fast path's state written back first.
        macro_rules! slow_step {
            () => {{
                self.state.regs.copy_from_slice(&r[..32]);
                self.state.pc = pc;
                self.state.step += flushed - remaining;
                let result = self.step();
                r[..32].copy_from_slice(&self.state.regs);
                pc = self.state.pc;
                if self.state.memory.code_was_written() {
                    self.forget_written_code();
                }
                result?;
                remaining -= 1;
                flushed = remaining;
            }};
        }
        'outer: while remaining > 0 && !self.state.exited {
            if pc & 3 != 0 || self.code.unstable(pc >> 12) {
                slow_step!();
                continue;
            }
            let page = pc >> 12;
            let ops = self.decoded(page);
            let base = page << 12;
            let mut idx = ((pc >> 2) & 1023) as usize;
            loop {
                if remaining == 0 {
                    pc = base + 4 * idx as u64;
                    break 'outer;
                }
                let o = ops[idx & 1023];
                let (rd, a, b) = (o.rd as usize, r[o.rs1 as usize], r[o.rs2 as usize]);
                let imm = o.imm as i64 as u64;
                let here = base + 4 * idx as u64;
                macro_rules! jump {
                    ($target:expr) => {{
                        let target: u64 = $target;
                        remaining -= 1;
                        if target >> 12 == page && target & 3 == 0 {
                            idx = ((target >> 2) & 1023) as usize;
                            continue;
                        }
                        pc = target;
                        continue 'outer;
                    }};
                }
                macro_rules! load {
                    ($size:expr, $signed:expr) => {{
                        let v = self.state.memory.read_le(a.wrapping_add(imm), $size);
                        if $signed && $size < 8 {
                            let shift = 64 - 8 * $size;
                            (((v << shift) as i64) >> shift) as u64
                        } else {
                            v
                        }
                    }};
                }
                macro_rules! store {
                    ($size:expr) => {{
                        self.state.memory.write_le(a.wrapping_add(imm), $size, b);
                        if self.state.memory.code_was_written() {
                            self.forget_written_code();
                            remaining -= 1;
                            pc = here + 4;
                            continue 'outer;
                        }
                    }};
                }
                match o.kind {
                    Kind::Slow => {
                        pc = here;
                        slow_step!();
                        continue 'outer;
                    }
                    Kind::Nop => {}
                    Kind::Zero => r[rd] = 0,
                    Kind::Lui => r[rd] = imm,
                    Kind::Auipc => r[rd] = here.wrapping_add(imm),
                    Kind::Jal => {
                        r[rd] = here + 4;
                        jump!(here.wrapping_add(imm))
                    }
                    Kind::Jalr => {
                        let target = a.wrapping_add(imm) & !1;
                        if target & 3 != 0 {
                            pc = here;
                            slow_step!(); // reports the unaligned target
                            continue 'outer;
                        }
                        r[rd] = here + 4;
                        jump!(target)
                    }
                    Kind::Beq if a == b => jump!(here.wrapping_add(imm)),
                    Kind::Bne if a != b => jump!(here.wrapping_add(imm)),
                    Kind::Blt if (a as i64) < (b as i64) => jump!(here.wrapping_add(imm)),
                    Kind::Bge if (a as i64) >= (b as i64) => jump!(here.wrapping_add(imm)),
                    Kind::Bltu if a < b => jump!(here.wrapping_add(imm)),
                    Kind::Bgeu if a >= b => jump!(here.wrapping_add(imm)),
                    Kind::Beq | Kind::Bne | Kind::Blt | Kind::Bge | Kind::Bltu | Kind::Bgeu => {}
                    Kind::Lb => r[rd] = load!(1, true),
                    Kind::Lh => r[rd] = load!(2, true),
                    Kind::Lw => r[rd] = load!(4, true),
                    Kind::Ld => r[rd] = load!(8, false),
                    Kind::Lbu => r[rd] = load!(1, false),
                    Kind::Lhu => r[rd] = load!(2, false),
                    Kind::Lwu => r[rd] = load!(4, false),
                    Kind::Sb => store!(1),
                    Kind::Sh => store!(2),
                    Kind::Sw => store!(4),
                    Kind::Sd => store!(8),
                    Kind::Addi => r[rd] = a.wrapping_add(imm),
                    Kind::Slti => r[rd] = ((a as i64) < (imm as i64)) as u64,
                    Kind::Sltiu => r[rd] = (a < imm) as u64,
                    Kind::Xori => r[rd] = a ^ imm,
                    Kind::Ori => r[rd] = a | imm,
                    Kind::Andi => r[rd] = a & imm,
                    Kind::Slli => r[rd] = a << imm,
                    Kind::Srli => r[rd] = a >> imm,
                    Kind::Srai => r[rd] = ((a as i64) >> imm) as u64,
                    Kind::Add => r[rd] = a.wrapping_add(b),
                    Kind::Sub => r[rd] = a.wrapping_sub(b),
                    Kind::Sll => r[rd] = a << (b & 0x3f),
                    Kind::Slt => r[rd] = ((a as i64) < (b as i64)) as u64,
                    Kind::Sltu => r[rd] = (a < b) as u64,
                    Kind::Xor => r[rd] = a ^ b,
                    Kind::Srl => r[rd] = a >> (b & 0x3f),
                    Kind::Sra => r[rd] = ((a as i64) >> (b & 0x3f)) as u64,
                    Kind::Or => r[rd] = a | b,
                    Kind::And => r[rd] = a & b,
                    Kind::Addiw => r[rd] = sext32(a.wrapping_add(imm)),
                    Kind::Slliw => r[rd] = sext32(a << imm),
                    Kind::Srliw => r[rd] = sext32(((a as u32) >> imm) as u64),
                    Kind::Sraiw => r[rd] = ((a as u32 as i32) >> imm) as i64 as u64,
                    Kind::Addw => r[rd] = sext32(a.wrapping_add(b)),
                    Kind::Subw => r[rd] = sext32(a.wrapping_sub(b)),
                    Kind::Sllw => r[rd] = sext32(a << (b & 0x1f)),
                    Kind::Srlw => r[rd] = sext32(((a as u32) >> (b & 0x1f)) as u64),
                    Kind::Sraw => r[rd] = ((a as u32 as i32) >> (b & 0x1f)) as i64 as u64,
                    Kind::Mul => r[rd] = mul_div(0, a, b),
                    Kind::Mulh => r[rd] = mul_div(1, a, b),
                    Kind::Mulhsu => r[rd] = mul_div(2, a, b),
                    Kind::Mulhu => r[rd] = mul_div(3, a, b),
                    Kind::Div => r[rd] = mul_div(4, a, b),
                    Kind::Divu => r[rd] = mul_div(5, a, b),
                    Kind::Rem => r[rd] = mul_div(6, a, b),
                    Kind::Remu => r[rd] = mul_div(7, a, b),
                    Kind::Mulw => r[rd] = mul_div_w(0, a, b),
                    Kind::Divw => r[rd] = mul_div_w(4, a, b),
                    Kind::Divuw => r[rd] = mul_div_w(5, a, b),
                    Kind::Remw => r[rd] = mul_div_w(6, a, b),
                    Kind::Remuw => r[rd] = mul_div_w(7, a, b),
                }
                remaining -= 1;
                idx += 1;
                if idx == 1024 {
                    pc = base + PAGE_BYTES;
                    continue 'outer;
                }
            }
        }
        self.state.regs.copy_from_slice(&r[..32]);
        self.state.pc = pc;
        self.state.step += flushed - remaining;
        Ok(())
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
            state: witness,
            proof,
            preimage,
        })
    }

    fn run_step<const PROOF: bool>(&mut self) -> Result<(), VmError> {
        if self.state.exited {
            return Ok(());
        }
        self.state.step += 1;
        let result = self.execute::<PROOF>();
        if result.is_err() {
            self.state.step -= 1;
        }
        result
    }

    /// Records the proof of the leaf at `addr` (32-aligned) in `slot`, as the onchain step reads it.
    #[inline(always)]
    fn track<const PROOF: bool>(&mut self, addr: u64, slot: usize) {
        if !PROOF {
            return;
        }
        if slot < self.proof_addrs.len() {
            // A slot read again must be the same leaf (the AMO store re-reads its load's left leaf).
            debug_assert_eq!(
                self.proof_addrs[slot], addr,
                "proof slot {slot} reused for another leaf"
            );
            return;
        }
        debug_assert_eq!(
            slot,
            self.proof_addrs.len(),
            "proof slots must be filled in order"
        );
        let proof = self.state.memory.merkle_proof(addr);
        self.proofs.push(proof);
        self.proof_addrs.push(addr);
    }

    #[inline(always)]
    fn load<const PROOF: bool>(
        &mut self,
        addr: u64,
        size: u64,
        signed: bool,
        left: usize,
        right: usize,
    ) -> u64 {
        if PROOF {
            self.track::<PROOF>(addr & !31, left);
            let last = addr.wrapping_add(size - 1) & !31;
            if last != addr & !31 {
                self.track::<PROOF>(last, right);
            }
        }
        let v = self.state.memory.read_le(addr, size as usize);
        if signed && size < 8 {
            let shift = 64 - 8 * size;
            (((v << shift) as i64) >> shift) as u64
        } else {
            v
        }
    }

    /// Stores the low `size` bytes (at most 16) of `value` at `addr`, proving the left leaf in `left`
    /// and, for an access crossing into the next leaf, the right leaf (after the left write) in `right`.
    #[inline(always)]
    fn store<const PROOF: bool>(
        &mut self,
        addr: u64,
        size: u64,
        value: u128,
        left: usize,
        right: usize,
    ) {
        let bytes = value.to_le_bytes();
        let left_addr = addr & !31;
        let right_addr = addr.wrapping_add(size - 1) & !31;
        if !PROOF {
            if size <= 8 {
                self.state
                    .memory
                    .write_le(addr, size as usize, value as u64);
            } else {
                self.state.memory.write(addr, &bytes[..size as usize]);
            }
            return;
        }
        self.track::<PROOF>(left_addr, left);
        if left_addr == right_addr {
            self.state.memory.write(addr, &bytes[..size as usize]);
            return;
        }
        let left_len = left_addr.wrapping_add(32).wrapping_sub(addr) as usize;
        self.state.memory.write(addr, &bytes[..left_len]);
        self.track::<PROOF>(right_addr, right);
        self.state
            .memory
            .write(right_addr, &bytes[left_len..size as usize]);
    }

    #[inline(always)]
    fn set_reg(&mut self, rd: usize, v: u64) {
        if rd != 0 {
            self.state.regs[rd] = v;
        }
    }

    #[inline(always)]
    fn execute<const PROOF: bool>(&mut self) -> Result<(), VmError> {
        let pc = self.state.pc;
        if pc & 31 > 28 {
            return Err(VmError::FetchCrossesLeaf { pc });
        }
        let instr = self.load::<PROOF>(pc, 4, false, 0, usize::MAX) as u32;
        let opcode = instr & 0x7f;
        let rd = ((instr >> 7) & 0x1f) as usize;
        let funct3 = (instr >> 12) & 7;
        let rs1 = ((instr >> 15) & 0x1f) as usize;
        let rs2 = ((instr >> 20) & 0x1f) as usize;
        let funct7 = instr >> 25;
        let imm_i = ((instr as i32) >> 20) as i64 as u64;
        let next = pc.wrapping_add(4);
        let regs = self.state.regs;
        let (a, b) = (regs[rs1], regs[rs2]);

        match opcode {
            0x03 => {
                if funct3 == 7 {
                    return Err(VmError::IllegalInstruction {
                        pc,
                        instr,
                        reason: "reserved load encoding (funct3 = 7)",
                        code: Some(0xf001ca11),
                    });
                }
                let size = 1u64 << (funct3 & 3);
                let v = self.load::<PROOF>(a.wrapping_add(imm_i), size, funct3 & 4 == 0, 1, 2);
                self.set_reg(rd, v);
                self.state.pc = next;
            }
            0x23 => {
                let size = 1u64 << funct3;
                if size > 8 {
                    return Err(VmError::StoreTooLarge { pc, size });
                }
                let imm =
                    ((((instr as i32) >> 25) << 5) | ((instr >> 7) & 0x1f) as i32) as i64 as u64;
                self.store::<PROOF>(a.wrapping_add(imm), size, b as u128, 1, 2);
                self.state.pc = next;
            }
            0x63 => {
                let taken = match funct3 {
                    0 => a == b,
                    1 => a != b,
                    4 => (a as i64) < (b as i64),
                    5 => (a as i64) >= (b as i64),
                    6 => a < b,
                    7 => a >= b,
                    _ => false,
                };
                self.state.pc = if taken {
                    let imm = ((((instr as i32) >> 31) << 12) as u32
                        | ((instr >> 7) & 1) << 11
                        | ((instr >> 25) & 0x3f) << 5
                        | ((instr >> 8) & 0xf) << 1) as i32 as i64
                        as u64;
                    pc.wrapping_add(imm)
                } else {
                    next
                };
            }
            0x13 => {
                let shamt = imm_i & 0x3f;
                let v = match funct3 {
                    0 => a.wrapping_add(imm_i),
                    1 => a << shamt,
                    2 => ((a as i64) < (imm_i as i64)) as u64,
                    3 => (a < imm_i) as u64,
                    4 => a ^ imm_i,
                    5 => match imm_i >> 6 {
                        0 => a >> shamt,
                        0x10 => ((a as i64) >> shamt) as u64,
                        _ => 0,
                    },
                    6 => a | imm_i,
                    _ => a & imm_i,
                };
                self.set_reg(rd, v);
                self.state.pc = next;
            }
            0x1b => {
                let shamt = imm_i & 0x1f;
                let v = match funct3 {
                    0 => sext32(a.wrapping_add(imm_i)),
                    1 => sext32(a << shamt),
                    5 => match imm_i >> 5 {
                        0 => sext32(((a as u32) >> shamt) as u64),
                        0x20 => ((a as u32 as i32) >> shamt) as i64 as u64,
                        _ => 0,
                    },
                    _ => 0,
                };
                self.set_reg(rd, v);
                self.state.pc = next;
            }
            0x33 => {
                let v = if funct7 == 1 {
                    mul_div(funct3, a, b)
                } else {
                    match funct3 {
                        0 => match funct7 {
                            0 => a.wrapping_add(b),
                            0x20 => a.wrapping_sub(b),
                            _ => 0,
                        },
                        1 => a << (b & 0x3f),
                        2 => ((a as i64) < (b as i64)) as u64,
                        3 => (a < b) as u64,
                        4 => a ^ b,
                        5 => match funct7 {
                            0 => a >> (b & 0x3f),
                            0x20 => ((a as i64) >> (b & 0x3f)) as u64,
                            _ => 0,
                        },
                        6 => a | b,
                        _ => a & b,
                    }
                };
                self.set_reg(rd, v);
                self.state.pc = next;
            }
            0x3b => {
                let v = if funct7 == 1 {
                    mul_div_w(funct3, a, b)
                } else {
                    let shamt = b & 0x1f;
                    match funct3 {
                        0 => match funct7 {
                            0 => sext32(a.wrapping_add(b)),
                            0x20 => sext32(a.wrapping_sub(b)),
                            _ => 0,
                        },
                        1 => sext32(a << shamt),
                        5 => match funct7 {
                            0 => sext32(((a as u32) >> shamt) as u64),
                            0x20 => ((a as u32 as i32) >> shamt) as i64 as u64,
                            _ => 0,
                        },
                        _ => 0,
                    }
                };
                self.set_reg(rd, v);
                self.state.pc = next;
            }
            0x37 => {
                self.set_reg(rd, (instr & 0xffff_f000) as i32 as i64 as u64);
                self.state.pc = next;
            }
            0x17 => {
                self.set_reg(
                    rd,
                    pc.wrapping_add((instr & 0xffff_f000) as i32 as i64 as u64),
                );
                self.state.pc = next;
            }
            0x6f => {
                let imm = ((((instr as i32) >> 31) << 20) as u32
                    | (instr & 0x000f_f000)
                    | ((instr >> 20) & 1) << 11
                    | ((instr >> 21) & 0x3ff) << 1) as i32 as i64 as u64;
                let target = pc.wrapping_add(imm);
                if target & 3 != 0 {
                    return Err(VmError::UnalignedJump { pc, target });
                }
                self.set_reg(rd, next);
                self.state.pc = target;
            }
            0x67 => {
                let target = a.wrapping_add(imm_i) & !1;
                if target & 3 != 0 {
                    return Err(VmError::UnalignedJump { pc, target });
                }
                self.set_reg(rd, next);
                self.state.pc = target;
            }
            0x73 => {
                match funct3 {
                    0 if instr >> 20 == 0 => self.syscall::<PROOF>(pc)?,
                    0 => {} // EBREAK and the rest of SYSTEM: ignored
                    1 => {
                        if a | regs[rd] != 0 {
                            return Err(VmError::IllegalInstruction {
                                pc,
                                instr,
                                reason: "only a no-op CSRRW (rd and rs1 holding 0) is supported",
                                code: None,
                            });
                        }
                    }
                    _ => self.set_reg(rd, 0), // CSRs read as zero
                }
                self.state.pc = next;
            }
            0x2f => self.atomic::<PROOF>(pc, instr, rd, funct3, funct7, a, b)?,
            0x0f | 0x07 | 0x27 | 0x53 => self.state.pc = next, // fences and floating point: no-ops
            _ => return Err(VmError::UnknownOpcode { pc, instr, opcode }),
        }
        Ok(())
    }

    #[allow(clippy::too_many_arguments)]
    #[inline(always)]
    fn atomic<const PROOF: bool>(
        &mut self,
        pc: u64,
        instr: u32,
        rd: usize,
        funct3: u32,
        funct7: u32,
        addr: u64,
        rs2_value: u64,
    ) -> Result<(), VmError> {
        let size = 1u64 << funct3;
        if !(4..=8).contains(&size) {
            return Err(VmError::BadAtomicSize { pc, size });
        }
        if addr & 3 != 0 {
            return Err(VmError::UnalignedAtomic { pc, addr });
        }
        let op = funct7 >> 2;
        match op {
            0x2 => {
                let v = self.load::<PROOF>(addr, size, true, 1, 2);
                self.set_reg(rd, v);
                self.state.load_reservation = addr;
            }
            0x3 => {
                let mut result = 1;
                if addr == self.state.load_reservation {
                    self.store::<PROOF>(addr, size, rs2_value as u128, 1, 2);
                    result = 0;
                }
                self.set_reg(rd, result);
                self.state.load_reservation = 0;
            }
            _ => {
                let value = if size == 4 {
                    sext32(rs2_value)
                } else {
                    rs2_value
                };
                let old = self.load::<PROOF>(addr, size, true, 1, 2);
                let new = match op {
                    0x00 => old.wrapping_add(value),
                    0x01 => value,
                    0x04 => old ^ value,
                    0x08 => old | value,
                    0x0c => old & value,
                    0x10 => (value as i64).min(old as i64) as u64,
                    0x14 => (value as i64).max(old as i64) as u64,
                    0x18 => value.min(old),
                    0x1c => value.max(old),
                    _ => return Err(VmError::UnknownAtomicOp { pc, op }),
                };
                // The right leaf is proven again (slot 3) because the left write changed the root.
                self.store::<PROOF>(addr, size, new as u128, 1, 3);
                self.set_reg(rd, old);
            }
        }
        let _ = instr;
        self.state.pc = pc.wrapping_add(4);
        Ok(())
    }

    fn syscall<const PROOF: bool>(&mut self, pc: u64) -> Result<(), VmError> {
        let r = self.state.regs;
        let (a0, a1, a2) = (r[10], r[11], r[12]);
        let number = r[17];
        let (ret, errno) = match number {
            93 | 94 => {
                self.state.exit_code = a0 as u8;
                self.state.exited = true;
                return Ok(());
            }
            214 => (1 << 30, 0),
            222 => {
                let (flags, fd) = (r[13], r[14]);
                if flags & 0x20 == 0 || fd != u64::MAX {
                    (u64::MAX, 0x4d)
                } else if a0 == 0 {
                    let mut length = a1;
                    if length & 4095 != 0 {
                        length = length.wrapping_add(4096 - (length & 4095));
                    }
                    let addr = self.state.heap;
                    self.state.heap = addr.wrapping_add(length);
                    (addr, 0)
                } else {
                    (a0, 0)
                }
            }
            63 => match a0 {
                0 => (0, 0),
                3 => (a2, 0),
                5 => (self.read_preimage::<PROOF>(pc, a1, a2)?, 0),
                _ => (u64::MAX, 0x4d),
            },
            64 => match a0 {
                1 | 2 => {
                    self.forward_output(a0, a1, a2)?;
                    (a2, 0)
                }
                4 => {
                    self.write_hint(pc, a1, a2)?;
                    (a2, 0)
                }
                6 => (self.write_preimage_key::<PROOF>(a1, a2), 0),
                _ => (u64::MAX, 0x4d),
            },
            25 => match (a1, a0) {
                (1, 0..=6) => (0, 0),
                (3, 0 | 3 | 5) => (0, 0),
                (3, 1 | 2 | 4 | 6) => (1, 0),
                (1 | 3, _) => (u64::MAX, 0x4d),
                _ => (u64::MAX, 0x16),
            },
            56 => (u64::MAX, 0xd),
            113 => {
                self.store::<PROOF>(a1, 16, 1337 | (42u128 << 64), 1, 2);
                (0, 0)
            }
            220 => (1, 0),
            163 => {
                if a0 != 7 {
                    return Err(VmError::UnrecognizedResource { pc, resource: a0 });
                }
                self.store::<PROOF>(a1, 16, 1024 | (1024u128 << 64), 1, 2);
                (0, 0)
            }
            261 | 422 | 101 => return Err(VmError::UnsupportedSyscall { pc, number }),
            _ => (0, 0),
        };
        self.set_reg(10, ret);
        self.set_reg(11, errno);
        Ok(())
    }

    fn forward_output(&mut self, fd: u64, addr: u64, count: u64) -> Result<(), VmError> {
        let out = if fd == 1 {
            &mut self.stdout
        } else {
            &mut self.stderr
        };
        if matches!(out, Output::Discard) {
            return Ok(());
        }
        let mut buf = vec![0u8; count.min(MAX_FORWARDED_OUTPUT) as usize];
        self.state.memory.read(addr, &mut buf);
        match out {
            Output::Capture(v) => v.extend_from_slice(&buf),
            Output::Writer(w) => w.write_all(&buf)?,
            Output::Discard => {}
        }
        Ok(())
    }

    fn write_hint(&mut self, pc: u64, addr: u64, count: u64) -> Result<(), VmError> {
        if (self.state.last_hint.len() as u64).saturating_add(count) > MAX_HINT_BUFFER as u64 {
            return Err(VmError::Hint {
                pc,
                message: format!("hint of more than {MAX_HINT_BUFFER} bytes"),
            });
        }
        let start = self.state.last_hint.len();
        self.state.last_hint.resize(start + count as usize, 0);
        self.state
            .memory
            .read(addr, &mut self.state.last_hint[start..]);
        let mut consumed = 0;
        let buf = &self.state.last_hint;
        while buf.len() - consumed >= 4 {
            let len = u32::from_be_bytes(buf[consumed..consumed + 4].try_into().unwrap()) as usize;
            if len > buf.len() - consumed - 4 {
                break;
            }
            let hint = &buf[consumed + 4..consumed + 4 + len];
            self.oracle
                .hint(hint)
                .map_err(|message| VmError::Hint { pc, message })?;
            consumed += 4 + len;
        }
        self.state.last_hint.drain(..consumed);
        Ok(())
    }

    fn write_preimage_key<const PROOF: bool>(&mut self, addr: u64, count: u64) -> u64 {
        let alignment = addr & 31;
        let count = count.min(32 - alignment);
        self.track::<PROOF>(addr - alignment, 1);
        let n = count as usize;
        let mut key = [0u8; 32];
        key[..32 - n].copy_from_slice(&self.state.preimage_key[n..]);
        self.state.memory.read(addr, &mut key[32 - n..]);
        self.state.preimage_key = key;
        self.state.preimage_offset = 0;
        count
    }

    fn read_preimage<const PROOF: bool>(
        &mut self,
        pc: u64,
        addr: u64,
        count: u64,
    ) -> Result<u64, VmError> {
        let key = self.state.preimage_key;
        let offset = self.state.preimage_offset;
        if self.last_preimage.is_none() || key != self.last_preimage_key {
            let value = self
                .oracle
                .get_preimage(&key)
                .map_err(|message| VmError::Preimage { pc, key, message })?;
            let mut prefixed = Vec::with_capacity(8 + value.len());
            prefixed.extend_from_slice(&(value.len() as u64).to_be_bytes());
            prefixed.extend_from_slice(&value);
            self.last_preimage_key = key;
            self.last_preimage = Some(prefixed);
        }
        let preimage = self.last_preimage.as_deref().unwrap_or_default();
        let len = preimage.len() as u64;
        if offset >= len {
            return Err(VmError::PreimageOffsetOutOfBounds {
                pc,
                key,
                offset,
                len,
            });
        }
        self.last_preimage_offset = offset;
        let available = (len - offset).min(32);
        let alignment = addr & 31;
        let count = count.min(32 - alignment).min(available);
        let start = offset as usize;
        let mut data = [0u8; 32];
        data[..count as usize].copy_from_slice(&preimage[start..start + count as usize]);
        self.state.preimage_offset = offset + count;
        self.track::<PROOF>(addr - alignment, 1);
        self.state.memory.write(addr, &data[..count as usize]);
        Ok(count)
    }
}
