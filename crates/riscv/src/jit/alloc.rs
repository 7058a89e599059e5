//! Guest registers kept in host registers while a page's translated code runs.
//!
//! Each page gets its own fixed allocation: the guest registers its instructions name most often
//! live in host registers from the translation's entry to its exit, across every block of the
//! page (jumps inside the page keep them there); the others stay in the register file (`rbx`).
//! The register file is only brought up to date where something else may read it: at the exit
//! to the dispatcher and before a call into a helper. A helper may clobber the caller-saved host
//! registers, so those are reloaded after the call.

use super::Assembler;
use crate::decode::{DecodedPage, Kind, SINK};
use dynasmrt::{dynasm, DynasmApi};

/// Host registers that may hold guest registers: rbp, r13, r14 (callee-saved), then rsi, rdi,
/// r8-r11 (caller-saved). rax, rcx and rdx are scratch; rbx, r12 and r15 are the register file,
/// the context and the step budget.
const POOL: [u8; 9] = [5, 13, 14, 6, 7, 8, 9, 10, 11];

/// Whether a call into a helper may change the host register `host`.
fn caller_saved(host: u8) -> bool {
    (6..=11).contains(&host)
}

/// Uses a guest register needs in a page to get a host register.
const MIN_USES: u32 = 2;
/// How many times more a use inside a loop counts than one outside it, per level of nesting (up
/// to `MAX_LOOP_DEPTH`). Only short loops count (at most `LOOP_SPAN` instructions): the inner
/// loops, where the time goes. (Counting long backward spans too, many of which are branches to
/// a shared exit rather than loops, made sort slower.)
const LOOP_WEIGHT: u32 = 8;
const MAX_LOOP_DEPTH: u32 = 3;
const LOOP_SPAN: usize = 32;

/// Where a guest register is while translated code runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Loc {
    /// In this host register.
    Host(u8),
    /// In the register file, at this byte offset from `rbx`.
    Mem(i32),
}

/// The allocation of one page: where each guest register lives.
pub(crate) struct Alloc {
    loc: [Loc; 32],
    /// (byte offset in the register file, host register) of every register held in a host one.
    mapped: Vec<(i32, u8)>,
}

/// The byte offset of a guest register in the register file.
fn offset(r: usize) -> i32 {
    8 * r as i32
}

impl Alloc {
    /// The allocation for a page: the registers its translated instructions name most often,
    /// uses in short loops counting more (`depths`, from [`loop_depths`]; x0 never: it stays zero
    /// in the register file).
    pub(crate) fn for_page(ops: &DecodedPage, depths: &[u32]) -> Alloc {
        let mut uses = [0u32; 32];
        for (op, &depth) in ops.iter().zip(depths) {
            if op.kind == Kind::Slow {
                continue;
            }
            let weight = LOOP_WEIGHT.pow(depth.min(MAX_LOOP_DEPTH));
            for r in [op.rd, op.rs1, op.rs2] {
                if let Some(n) = uses.get_mut(r as usize) {
                    *n += weight;
                }
            }
        }
        uses[0] = 0;
        let mut by_use: Vec<usize> = (1..32).filter(|&r| uses[r] >= MIN_USES).collect();
        by_use.sort_by_key(|&r| (std::cmp::Reverse(uses[r]), r));
        let mut alloc = Alloc {
            loc: std::array::from_fn(|r| Loc::Mem(offset(r))),
            mapped: Vec::new(),
        };
        for (&r, &host) in by_use.iter().zip(POOL.iter()) {
            alloc.loc[r] = Loc::Host(host);
            alloc.mapped.push((offset(r), host));
        }
        alloc
    }

    /// Where guest register `r` lives (`r` < 32).
    pub(crate) fn of(&self, r: u8) -> Loc {
        self.loc[r as usize]
    }

    /// Loads every allocated register from the register file.
    pub(crate) fn load_all(&self, a: &mut Assembler) {
        for &(off, host) in &self.mapped {
            dynasm!(a ; .arch x64 ; mov Rq(host), QWORD [rbx + off]);
        }
    }

    /// Writes every allocated register back to the register file.
    pub(crate) fn store_all(&self, a: &mut Assembler) {
        for &(off, host) in &self.mapped {
            dynasm!(a ; .arch x64 ; mov QWORD [rbx + off], Rq(host));
        }
    }

    /// Writes back the allocated registers a helper call may clobber.
    pub(crate) fn store_caller_saved(&self, a: &mut Assembler) {
        for &(off, host) in self.mapped.iter().filter(|(_, h)| caller_saved(*h)) {
            dynasm!(a ; .arch x64 ; mov QWORD [rbx + off], Rq(host));
        }
    }

    /// Reloads the allocated registers a helper call may have clobbered.
    pub(crate) fn reload_caller_saved(&self, a: &mut Assembler) {
        for &(off, host) in self.mapped.iter().filter(|(_, h)| caller_saved(*h)) {
            dynasm!(a ; .arch x64 ; mov Rq(host), QWORD [rbx + off]);
        }
    }
}

/// How many short loops of the page each instruction is in. A loop is the span from the target
/// of a backward branch or plain jump (not a call) to that branch or jump, at most `LOOP_SPAN`
/// instructions long, with nothing in it that returns, jumps indirectly or leaves the
/// translation.
pub(crate) fn loop_depths(ops: &DecodedPage) -> Vec<u32> {
    use Kind::*;
    let mut depths = vec![0u32; ops.len()];
    for (i, op) in ops.iter().enumerate() {
        let backward = match op.kind {
            Beq | Bne | Blt | Bge | Bltu | Bgeu => op.imm <= 0,
            Jal => op.rd == SINK && op.imm <= 0,
            _ => false,
        };
        let span = op.imm.unsigned_abs() as usize / 4;
        if !backward || op.imm % 4 != 0 || span > LOOP_SPAN || span > i {
            continue;
        }
        let body = &ops[i - span..i];
        if !body
            .iter()
            .any(|op| op.kind == Slow || (op.kind == Jalr && op.rd == SINK))
        {
            depths[i - span..=i].iter_mut().for_each(|d| *d += 1);
        }
    }
    depths
}

/// Host register `dst` = guest register at `loc` (64 bits).
pub(crate) fn get(a: &mut Assembler, dst: u8, loc: Loc) {
    match loc {
        Loc::Host(h) => dynasm!(a ; .arch x64 ; mov Rq(dst), Rq(h)),
        Loc::Mem(o) => dynasm!(a ; .arch x64 ; mov Rq(dst), QWORD [rbx + o]),
    }
}

/// Host register `dst` = the low 32 bits of the guest register at `loc`, zero-extended.
pub(crate) fn get32(a: &mut Assembler, dst: u8, loc: Loc) {
    match loc {
        Loc::Host(h) => dynasm!(a ; .arch x64 ; mov Rd(dst), Rd(h)),
        Loc::Mem(o) => dynasm!(a ; .arch x64 ; mov Rd(dst), DWORD [rbx + o]),
    }
}

/// Guest register at `loc` = host register `src`.
pub(crate) fn set(a: &mut Assembler, loc: Loc, src: u8) {
    match loc {
        Loc::Host(h) => dynasm!(a ; .arch x64 ; mov Rq(h), Rq(src)),
        Loc::Mem(o) => dynasm!(a ; .arch x64 ; mov QWORD [rbx + o], Rq(src)),
    }
}

/// Guest register at `loc` = `value`.
pub(crate) fn set_imm(a: &mut Assembler, loc: Loc, value: i64) {
    match (loc, i32::try_from(value)) {
        (Loc::Host(h), _) => dynasm!(a ; .arch x64 ; mov Rq(h), QWORD value),
        (Loc::Mem(o), Ok(v)) => dynasm!(a ; .arch x64 ; mov QWORD [rbx + o], v),
        (Loc::Mem(o), Err(_)) => {
            dynasm!(a ; .arch x64 ; mov rax, QWORD value ; mov QWORD [rbx + o], rax)
        }
    }
}

/// `op <host register dst>, <guest register at loc>` (64-bit), for any two-operand x86
/// instruction `op`.
macro_rules! op_reg {
    ($a:expr, $op:ident, $dst:expr, $loc:expr) => {
        match $loc {
            $crate::jit::alloc::Loc::Host(h) => dynasm!($a ; .arch x64 ; $op Rq($dst), Rq(h)),
            $crate::jit::alloc::Loc::Mem(o) => {
                dynasm!($a ; .arch x64 ; $op Rq($dst), QWORD [rbx + o])
            }
        }
    };
}

/// `op rax, <guest register at loc>` (64-bit).
macro_rules! op_rax {
    ($a:expr, $op:ident, $loc:expr) => {
        $crate::jit::alloc::op_reg!($a, $op, 0u8, $loc)
    };
}

/// `op eax, <low half of the guest register at loc>` (32-bit).
macro_rules! op_eax {
    ($a:expr, $op:ident, $loc:expr) => {
        match $loc {
            $crate::jit::alloc::Loc::Host(h) => dynasm!($a ; .arch x64 ; $op eax, Rd(h)),
            $crate::jit::alloc::Loc::Mem(o) => dynasm!($a ; .arch x64 ; $op eax, DWORD [rbx + o]),
        }
    };
}

/// `op <guest register at loc>` (64-bit, one operand: `mul`, `imul`).
macro_rules! op_one {
    ($a:expr, $op:ident, $loc:expr) => {
        match $loc {
            $crate::jit::alloc::Loc::Host(h) => dynasm!($a ; .arch x64 ; $op Rq(h)),
            $crate::jit::alloc::Loc::Mem(o) => dynasm!($a ; .arch x64 ; $op QWORD [rbx + o]),
        }
    };
}

pub(crate) use {op_eax, op_one, op_rax, op_reg};

#[cfg(test)]
mod tests {
    use super::*;
    use crate::asm::{addi, b, jal};
    use crate::decode::decode_page;

    fn page(instrs: &[u32]) -> Box<DecodedPage> {
        let mut data = [0u8; 4096];
        for (k, w) in instrs.iter().enumerate() {
            data[4 * k..4 * k + 4].copy_from_slice(&w.to_le_bytes());
        }
        decode_page(Some(&data))
    }

    #[test]
    fn short_loops_count_and_calls_returns_and_long_spans_do_not() {
        let ret = crate::asm::i(0x67, 0, 0, 1, 0); // jalr x0, 0(ra)
        let bne = |off| b(1, 5, 6, off);
        let mut code = vec![
            addi(5, 5, 1), // 0: outer loop
            addi(6, 6, 1), // 1: inner loop
            bne(-4),       // 2: -> 1
            bne(-12),      // 3: -> 0
            jal(1, -16),   // 4: a call back to 0: no loop
            addi(7, 7, 1), // 5
            ret,           // 6
            bne(-8),       // 7: -> 5, over a return: no loop
        ];
        code.extend(std::iter::repeat_n(addi(8, 8, 1), LOOP_SPAN)); // 8..
        code.push(bne(-4 * (LOOP_SPAN as i32 + 8))); // back to 0: too long
        let depths = loop_depths(&page(&code));
        assert_eq!(&depths[..8], &[1, 2, 2, 1, 0, 0, 0, 0]);
        assert!(depths[8..code.len()].iter().all(|&d| d == 0));
        // The inner loop's register outranks one used more often outside loops.
        let mut code = vec![addi(9, 9, 1); 10];
        code.extend([addi(6, 6, 1), bne(-4)]);
        let ops = page(&code);
        let alloc = Alloc::for_page(&ops, &loop_depths(&ops));
        let order: Vec<u8> = alloc.mapped.iter().map(|&(o, _)| (o / 8) as u8).collect();
        assert_eq!(&order[..3], &[6, 9, 5], "{order:?}");
    }
}
