//! The interpreter: runs decoded code pages in a tight loop, and hands every instruction the
//! decoder marked [`Kind::Slow`] (syscalls, LL/SC, divisions, reverts) — and every step that is
//! not an instruction (a preemption, an exited thread) — to the reference step. Results come
//! from [`alu`](crate::alu), shared with the reference step.

use crate::alu::{self, select, update};
use crate::decode::{decode_page, DecodedPage, Kind, SINK};
use crate::error::VmError;
use crate::step::{read_word, write_word};
use crate::vm::Vm;
use verdict_mips64_consts::{reg, SCHED_QUANTUM};
use verdict_preimage::Oracle;

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

    /// Drops the decodings and translations of code pages that were written.
    pub(crate) fn forget_written_code(&mut self) {
        for page in self.state.memory.take_code_writes() {
            self.code.note_rewrite(page);
            #[cfg(target_arch = "x86_64")]
            self.jit.forget(page);
        }
    }

    /// The reference step, kept out of the interpreter's loop so that its code does not crowd
    /// the loop's registers.
    #[inline(never)]
    fn step_out_of_line(&mut self) -> Result<(), VmError> {
        self.step()
    }

    /// Runs up to `n` steps, stopping early at exit, when a read halts the run, or past the
    /// memory limit.
    pub(crate) fn run_decoded(&mut self, n: u64) -> Result<(), VmError> {
        let mut remaining = n;
        while remaining > 0 && !self.state.exited && !self.state.memory.over_limit() {
            self.maybe_rehash_in_background();
            let fast = match self.state.current() {
                Some(t) => {
                    !t.exited
                        && self.state.steps_since_switch < SCHED_QUANTUM
                        && t.pc & 3 == 0
                        && !self.code.unstable(t.pc >> 12)
                }
                None => false,
            };
            if !fast {
                self.step_out_of_line()?;
                remaining -= 1;
                if self.state.memory.code_was_written() {
                    self.forget_written_code();
                }
                if self.halted {
                    break;
                }
                continue;
            }
            let budget = remaining.min(SCHED_QUANTUM - self.state.steps_since_switch);
            let (done, slow) = self.run_thread(budget);
            self.state.step += done;
            self.state.steps_since_switch += done;
            remaining -= done;
            if slow && remaining > 0 {
                // The instruction the fast loop stopped at, on the reference step.
                self.step_out_of_line()?;
                remaining -= 1;
                if self.state.memory.code_was_written() {
                    self.forget_written_code();
                }
                if self.halted {
                    break;
                }
            }
        }
        Ok(())
    }

    /// Runs the active thread for at most `budget` instructions on decoded code; returns the
    /// instructions executed and whether it stopped at one for the reference step.
    fn run_thread(&mut self, budget: u64) -> (u64, bool) {
        let t = *self.state.current().expect("checked by the caller");
        // Indexed by u8 register numbers (r0..r31, and 32 absorbing writes to r0): no access
        // needs a bounds check.
        let mut r = [0u64; 256];
        r[..32].copy_from_slice(&t.regs);
        let (mut pc, mut npc, mut hi, mut lo) = (t.pc, t.next_pc, t.hi, t.lo);
        let mut done = 0u64;
        let mut slow = false;
        'outer: while done < budget {
            if pc & 3 != 0 || self.code.unstable(pc >> 12) {
                slow = true;
                break;
            }
            let page = pc >> 12;
            let ops = self.decoded(page);
            while done < budget {
                let o = ops[((pc >> 2) & 1023) as usize];
                let (a, b) = (r[o.rs as usize], r[o.rt as usize]);
                let imm = o.imm64();
                let sa = o.sa as u32;
                let d = o.dst as usize;
                macro_rules! next {
                    () => {{
                        pc = npc;
                        npc = npc.wrapping_add(4);
                    }};
                }
                macro_rules! jump {
                    ($target:expr, $link:expr) => {{
                        if npc != pc.wrapping_add(4) {
                            slow = true;
                            break 'outer;
                        }
                        r[$link as usize] = pc.wrapping_add(8);
                        let target = $target;
                        pc = npc;
                        npc = target;
                    }};
                }
                macro_rules! branch {
                    ($taken:expr, $link:expr) => {{
                        if npc != pc.wrapping_add(4) {
                            slow = true;
                            break 'outer;
                        }
                        if $link {
                            r[reg::RA] = pc.wrapping_add(8);
                        }
                        let from = pc;
                        pc = npc;
                        npc = if $taken {
                            from.wrapping_add(4).wrapping_add(imm << 2)
                        } else {
                            npc.wrapping_add(4)
                        };
                    }};
                }
                macro_rules! load {
                    (|$addr:ident, $mem:ident| $value:expr) => {{
                        let $addr = a.wrapping_add(imm);
                        let $mem = read_word(&self.state.memory, $addr & !7);
                        r[d] = $value;
                        next!();
                    }};
                }
                macro_rules! store {
                    (|$addr:ident, $mem:ident| $value:expr) => {{
                        let $addr = a.wrapping_add(imm);
                        let word = $addr & !7;
                        let $mem = read_word(&self.state.memory, word);
                        write_word(&mut self.state.memory, word, $value);
                        self.state.note_memory_write(word);
                        next!();
                        if self.state.memory.code_was_written() || self.state.memory.over_limit() {
                            done += 1;
                            self.forget_written_code();
                            break 'outer;
                        }
                    }};
                }
                use Kind::*;
                match o.kind {
                    Slow => {
                        slow = true;
                        break 'outer;
                    }
                    Sll => (r[d], _) = (alu::sll(b, sa), next!()),
                    Srl => (r[d], _) = (alu::srl(b, sa), next!()),
                    Sra => (r[d], _) = (alu::sra(b, sa), next!()),
                    Sllv => (r[d], _) = (alu::sll(b, (a & 31) as u32), next!()),
                    Srlv => (r[d], _) = (alu::srl(b, (a & 31) as u32), next!()),
                    Srav => (r[d], _) = (alu::sra(b, (a & 31) as u32), next!()),
                    Jr => jump!(a, SINK),
                    Jalr => jump!(a, d),
                    J => jump!((npc & 0xffff_ffff_f000_0000) | o.imm as u32 as u64, SINK),
                    Jal => jump!((npc & 0xffff_ffff_f000_0000) | o.imm as u32 as u64, reg::RA),
                    Movz => {
                        if b == 0 {
                            r[d] = a;
                        }
                        next!()
                    }
                    Movn => {
                        if b != 0 {
                            r[d] = a;
                        }
                        next!()
                    }
                    Sync => (r[d], _) = (a, next!()),
                    Mfhi | Mthi | Mflo | Mtlo | Dsllv | Dsrlv | Dsrav | Mult | Multu | Dmult
                    | Dmultu => {
                        r[d] = alu::hilo(o.kind, a, b, &mut hi, &mut lo).unwrap_or(0);
                        next!()
                    }
                    Add => (r[d], _) = (alu::add32(a, b), next!()),
                    Sub => (r[d], _) = (alu::sub32(a, b), next!()),
                    And => (r[d], _) = (a & b, next!()),
                    Or => (r[d], _) = (a | b, next!()),
                    Xor => (r[d], _) = (a ^ b, next!()),
                    Nor => (r[d], _) = (!(a | b), next!()),
                    Slt => (r[d], _) = (alu::slt(a, b), next!()),
                    Sltu => (r[d], _) = (alu::sltu(a, b), next!()),
                    Dadd => (r[d], _) = (a.wrapping_add(b), next!()),
                    Dsub => (r[d], _) = (a.wrapping_sub(b), next!()),
                    Dsll => (r[d], _) = (b << sa, next!()),
                    Dsrl => (r[d], _) = (b >> sa, next!()),
                    Dsra => (r[d], _) = (((b as i64) >> sa) as u64, next!()),
                    Dsll32 => (r[d], _) = (b << (sa + 32), next!()),
                    Dsrl32 => (r[d], _) = (b >> (sa + 32), next!()),
                    Dsra32 => (r[d], _) = (((b as i64) >> (sa + 32)) as u64, next!()),
                    Addi => (r[d], _) = (alu::add32(a, imm), next!()),
                    Slti => (r[d], _) = (alu::slt(a, imm), next!()),
                    Sltiu => (r[d], _) = (alu::sltu(a, imm), next!()),
                    Andi => (r[d], _) = (a & imm, next!()),
                    Ori => (r[d], _) = (a | imm, next!()),
                    Xori => (r[d], _) = (a ^ imm, next!()),
                    Daddi => (r[d], _) = (a.wrapping_add(imm), next!()),
                    Lui => (r[d], _) = (alu::lui(imm), next!()),
                    Mul => (r[d], _) = (alu::mul(a, b), next!()),
                    Clz => (r[d], _) = (alu::clz(a), next!()),
                    Clo => (r[d], _) = (alu::clo(a), next!()),
                    Dclz => (r[d], _) = (alu::dclz(a), next!()),
                    Dclo => (r[d], _) = (alu::dclo(a), next!()),
                    Beq => branch!(a == b, false),
                    Bne => branch!(a != b, false),
                    Blez => branch!((a as i64) <= 0, false),
                    Bgtz => branch!((a as i64) > 0, false),
                    Bltz => branch!((a as i64) < 0, false),
                    Bgez => branch!((a as i64) >= 0, false),
                    Bltzal => branch!((a as i64) < 0, true),
                    Bgezal => branch!((a as i64) >= 0, true),
                    BranchNever => branch!(false, false),
                    Lb => load!(|addr, mem| select(addr, mem, 1, true)),
                    Lh => load!(|addr, mem| select(addr, mem, 2, true)),
                    Lw => load!(|addr, mem| select(addr, mem, 4, true)),
                    Ld => load!(|_addr, mem| mem),
                    Lbu => load!(|addr, mem| select(addr, mem, 1, false)),
                    Lhu => load!(|addr, mem| select(addr, mem, 2, false)),
                    Lwu => load!(|addr, mem| alu::lwu(addr, mem)),
                    Lwl => load!(|addr, mem| alu::lwl(addr, mem, b)),
                    Lwr => load!(|addr, mem| alu::lwr(addr, mem, b)),
                    Ldl => load!(|addr, mem| alu::ldl(addr, mem, b)),
                    Ldr => load!(|addr, mem| alu::ldr(addr, mem, b)),
                    Sb => store!(|addr, mem| update(addr, mem, 1, b)),
                    Sh => store!(|addr, mem| update(addr, mem, 2, b)),
                    Sw => store!(|addr, mem| update(addr, mem, 4, b)),
                    Sd => store!(|_addr, _mem| b),
                    Swl => store!(|addr, mem| alu::swl(addr, mem, b)),
                    Swr => store!(|addr, mem| alu::swr(addr, mem, b)),
                    Sdl => store!(|addr, mem| alu::sdl(addr, mem, b)),
                    Sdr => store!(|addr, mem| alu::sdr(addr, mem, b)),
                    Syscall | Ll | Lld | Sc | Scd | Div | Divu | Ddiv | Ddivu | Invalid
                    | InvalidAfterLoad => unreachable!("the fast form makes these Slow"),
                }
                done += 1;
                if pc >> 12 != page || pc & 3 != 0 {
                    continue 'outer;
                }
            }
        }
        let t = self
            .state
            .current_mut()
            .expect("the thread is still active");
        t.regs.copy_from_slice(&r[..32]);
        (t.pc, t.next_pc, t.hi, t.lo) = (pc, npc, hi, lo);
        (done, slow)
    }
}
