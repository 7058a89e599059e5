//! The interpreter: runs decoded code pages in a tight loop, and hands every instruction the
//! decoder marked [`Kind::Slow`] (syscalls, atomics, reverts, unaligned targets) to the reference
//! step. Register results come from [`alu`](crate::alu)'s function of each instruction.

use crate::alu;
use crate::decode::{decode_page, DecodedPage, Kind};
use crate::error::VmError;
use crate::vm::Vm;
use verdict_preimage::Oracle;

/// Bytes of code per decoded page.
const PAGE_BYTES: u64 = crate::memory::PAGE_SIZE as u64;

impl<O: Oracle> Vm<O> {
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

    /// Drops the decodings (and translations) of code pages that were written.
    pub(crate) fn forget_written_code(&mut self) {
        for page in self.state.memory.take_code_writes() {
            self.code.note_rewrite(page);
            #[cfg(target_arch = "x86_64")]
            self.jit.forget(page);
        }
    }

    /// The reference step, kept out of the interpreter's loop so that its code does not crowd the
    /// loop's registers (the loop's counters stay in registers).
    #[inline(never)]
    fn step_out_of_line(&mut self) -> Result<(), VmError> {
        self.step()
    }

    /// Runs up to `n` steps on decoded code, stopping early at exit or when a read halts the run.
    pub(crate) fn run_decoded(&mut self, n: u64) -> Result<(), VmError> {
        let mut remaining = n;
        // Indexed by u8 register numbers (x0..x31, and 32 absorbing writes to x0): 256 entries, so
        // no access needs a bounds check.
        let mut r = [0u64; 256];
        r[..32].copy_from_slice(&self.state.regs);
        let mut pc = self.state.pc;
        // `remaining` when the state's step counter was last brought up to date.
        let mut flushed = remaining;
        // Runs one instruction with the reference step, with the fast path's state written back
        // first; ends the run if the step's preimage read halts it.
        macro_rules! slow_step {
            ($outer:lifetime) => {{
                self.state.regs.copy_from_slice(&r[..32]);
                self.state.pc = pc;
                self.state.step += flushed - remaining;
                let result = self.step_out_of_line();
                r[..32].copy_from_slice(&self.state.regs);
                pc = self.state.pc;
                if self.state.memory.code_was_written() {
                    self.forget_written_code();
                }
                result?;
                remaining -= 1;
                flushed = remaining;
                if self.halted {
                    break $outer;
                }
            }};
        }
        'outer: while remaining > 0 && !self.state.exited && !self.state.memory.over_limit() {
            if pc & 3 != 0 || self.code.unstable(pc >> 12) {
                slow_step!('outer);
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
                        if self.state.memory.over_limit() {
                            // The store is done; the outer loop stops at the limit.
                            remaining -= 1;
                            pc = here + 4;
                            continue 'outer;
                        }
                    }};
                }
                macro_rules! alu {
                    ($op:ident) => {
                        r[rd] = alu::$op(a, b, imm, here)
                    };
                }
                match o.kind {
                    Kind::Slow => {
                        pc = here;
                        slow_step!('outer);
                        continue 'outer;
                    }
                    Kind::Nop | Kind::BranchNever => {}
                    Kind::Jal => {
                        r[rd] = here + 4;
                        jump!(here.wrapping_add(imm))
                    }
                    Kind::Jalr => {
                        let target = a.wrapping_add(imm) & !1;
                        if target & 3 != 0 {
                            pc = here;
                            slow_step!('outer); // reports the unaligned target
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
                    Kind::Zero => alu!(zero),
                    Kind::Lui => alu!(lui),
                    Kind::Auipc => alu!(auipc),
                    Kind::Addi => alu!(addi),
                    Kind::Slti => alu!(slti),
                    Kind::Sltiu => alu!(sltiu),
                    Kind::Xori => alu!(xori),
                    Kind::Ori => alu!(ori),
                    Kind::Andi => alu!(andi),
                    Kind::Slli => alu!(slli),
                    Kind::Srli => alu!(srli),
                    Kind::Srai => alu!(srai),
                    Kind::Add => alu!(add),
                    Kind::Sub => alu!(sub),
                    Kind::Sll => alu!(sll),
                    Kind::Slt => alu!(slt),
                    Kind::Sltu => alu!(sltu),
                    Kind::Xor => alu!(xor),
                    Kind::Srl => alu!(srl),
                    Kind::Sra => alu!(sra),
                    Kind::Or => alu!(or),
                    Kind::And => alu!(and),
                    Kind::Addiw => alu!(addiw),
                    Kind::Slliw => alu!(slliw),
                    Kind::Srliw => alu!(srliw),
                    Kind::Sraiw => alu!(sraiw),
                    Kind::Addw => alu!(addw),
                    Kind::Subw => alu!(subw),
                    Kind::Sllw => alu!(sllw),
                    Kind::Srlw => alu!(srlw),
                    Kind::Sraw => alu!(sraw),
                    Kind::Mul => alu!(mul),
                    Kind::Mulh => alu!(mulh),
                    Kind::Mulhsu => alu!(mulhsu),
                    Kind::Mulhu => alu!(mulhu),
                    Kind::Div => alu!(div),
                    Kind::Divu => alu!(divu),
                    Kind::Rem => alu!(rem),
                    Kind::Remu => alu!(remu),
                    Kind::Mulw => alu!(mulw),
                    Kind::Divw => alu!(divw),
                    Kind::Divuw => alu!(divuw),
                    Kind::Remw => alu!(remw),
                    Kind::Remuw => alu!(remuw),
                    Kind::Ecall | Kind::Atomic | Kind::Illegal => {
                        unreachable!("the fast form makes these Slow")
                    }
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
}
