//! Translation of one decoded code page into x86-64 machine code.
//!
//! The page is cut into blocks: straight runs of instructions that start at a *leader* (the page's
//! first instruction, a branch target in the page, or the instruction after a jump, branch or slow
//! instruction) and end at a jump or branch. A block's first instruction checks that the step
//! budget covers the whole block and takes it at once; every other way out of the block gives
//! back the steps it did not run. Direct jumps inside the page go straight to their target's
//! code, indirect ones through the page's jump table; a jump to another page (direct, indirect or
//! off the page's end) writes the allocated registers back and continues in the other page's
//! translated block if the chain ([`Ctx::chain`]) knows it, else returns to the dispatcher with
//! the next pc; anything else returns to the dispatcher.
//!
//! Loads and stores through the same base register inside a block share one TLB lookup when
//! nothing between them writes the base ([`find_groups`]); any other access looks up the TLB on
//! its own. A load in a short loop, or through sp, gp or tp, first tries the page last found for
//! its base register ([`Tlbs::by_base`]), whose addend is read before the address is known: on a
//! hit the load waits for no other load.
//!
//! Registers while translated code runs: `rbx` the guest registers (`[u64; 32]`, x0 stays zero
//! because writes to it are never emitted), `r12` the [`Ctx`], `r15` the remaining step budget,
//! `rax`, `rcx` and `rdx` scratch, and up to nine more the guest registers the page uses most
//! ([`Alloc`]).

use super::alloc::{
    get, get32, loop_depths, op_eax, op_one, op_rax, op_reg, set, set_imm, Alloc, Loc,
};
use super::tlb::{ReadEntry, TlbEntry, Tlbs, TLB_ENTRIES};
use super::{Assembler, ChainEntry, Ctx, Exit, CHAIN_ENTRIES};
use crate::asm::reg;
use crate::decode::{DecodedPage, Kind, Op, SINK};
use crate::memory::PAGE_SIZE;
use dynasmrt::{dynasm, DynamicLabel, DynasmApi, DynasmLabelApi};
use std::mem::offset_of;
use verdict_fpvm::code_arena::PageOffsets;

/// Instructions per page.
const OPS: usize = PAGE_SIZE / 4;

/// Translated code's entry point: runs from `target` (an address inside the translation).
type EnterFn = unsafe extern "sysv64" fn(ctx: *mut Ctx, regs: *mut u64, target: usize);

/// The machine code of one page, in the JIT's code arena.
pub(crate) struct Translation {
    /// Where the dispatcher enters the code.
    enter: usize,
    /// Where translated code of another page continues into this one (see [`Ctx::chain`]).
    chain_enter: usize,
    /// Code address of each instruction that begins a block, or 0 (the dispatcher interprets it).
    entries: Box<[usize; OPS]>,
    /// The instructions that begin blocks.
    pub(crate) leaders: Box<[bool; OPS]>,
    /// Where an indirect jump into this page goes: a block's code, or the exit that hands the
    /// target to the dispatcher. Read by the translated code itself.
    _jump_table: Box<[usize; OPS]>,
}

impl Translation {
    /// The code address for the instruction at `pc` (in this page), if it begins a block.
    pub(crate) fn entry(&self, pc: u64) -> Option<usize> {
        let target = self.entries[((pc >> 2) as usize) & (OPS - 1)];
        (target != 0).then_some(target)
    }

    /// The code address at which translated code of another page, its registers written back,
    /// enters this page's code at the block whose address is in rdx.
    pub(crate) fn chain_entry(&self) -> usize {
        self.chain_enter
    }

    /// Runs translated code from `target` (from [`Translation::entry`]) until it exits.
    ///
    /// # Safety
    /// The code must still be in the arena (no reset since it was placed); `ctx` must point to a
    /// valid context whose memory pointer is valid and not otherwise borrowed for the duration;
    /// `regs` to the guest's 32 registers with x0 zero.
    pub(crate) unsafe fn run(&self, ctx: *mut Ctx, regs: *mut u64, target: usize) {
        let enter: EnterFn = std::mem::transmute(self.enter);
        enter(ctx, regs, target)
    }
}

/// A page's machine code before it is placed in the code arena: position-independent (jumps
/// inside it are relative; the helpers, the jump table and the context are reached by absolute
/// address), with the offsets of its entry points.
pub(crate) struct Assembled {
    /// The machine code.
    pub(crate) code: Vec<u8>,
    enter: usize,
    chain_enter: usize,
    /// Where its blocks and exits are.
    offsets: PageOffsets,
    leaders: Box<[bool; OPS]>,
    jump_table: Box<[usize; OPS]>,
    /// The page's first address.
    base: u64,
}

impl Assembled {
    /// The translation, its code copied to `at` (the code's address in the arena): the jump
    /// table and the entries filled with absolute addresses.
    pub(crate) fn place(self, at: usize) -> Translation {
        let mut jump_table = self.jump_table;
        let mut entries: Box<[usize; OPS]> = Box::new([0; OPS]);
        self.offsets
            .place(at, self.base, "rv", &mut jump_table[..], &mut entries[..]);
        Translation {
            enter: at + self.enter,
            chain_enter: at + self.chain_enter,
            entries,
            leaders: self.leaders,
            _jump_table: jump_table,
        }
    }
}

/// Offsets into [`Ctx`] used by the generated code.
const REMAINING: i32 = offset_of!(Ctx, remaining) as i32;
const PC: i32 = offset_of!(Ctx, pc) as i32;
const EXIT: i32 = offset_of!(Ctx, exit) as i32;
const RTLB: i32 = (offset_of!(Ctx, tlb) + offset_of!(Tlbs, read)) as i32;
const WTLB: i32 = (offset_of!(Ctx, tlb) + offset_of!(Tlbs, write)) as i32;
const BY_BASE: i32 = (offset_of!(Ctx, tlb) + offset_of!(Tlbs, by_base)) as i32;
const CHAIN: i32 = offset_of!(Ctx, chain) as i32;
const CHAIN_CODE: i32 = offset_of!(ChainEntry, code) as i32;
const CHAIN_ENTER: i32 = offset_of!(ChainEntry, enter) as i32;
const TLB_PAGE: i32 = offset_of!(TlbEntry, page) as i32;
const TLB_ADDEND: i32 = offset_of!(ReadEntry, addend) as i32;
const _: () = assert!(
    std::mem::size_of::<TlbEntry>() == 16
        && std::mem::size_of::<ReadEntry>() == 16
        && TLB_ENTRIES.is_power_of_two()
        && std::mem::size_of::<ChainEntry>() == 32
        && offset_of!(ChainEntry, pc) == 0
);

/// Code emitted after the page's body, reached only on rare paths.
enum Stub {
    /// Leaves with `pc` and `exit`, first giving back `refund` steps.
    Exit {
        label: DynamicLabel,
        pc: u64,
        exit: Exit,
        refund: u64,
    },
    /// Leaves for `pc` (in another page, 4-byte aligned) through the chain (see [`Ctx::chain`]):
    /// straight into its translated block if the chain knows it, else to the dispatcher.
    Chain { label: DynamicLabel, pc: u64 },
    /// A load its base register's entry ([`Tlbs::by_base`]) could not serve: the read TLB
    /// serves it and refills the entry (rcx = the addend, then back to `found`), else `miss`.
    Probe {
        label: DynamicLabel,
        found: DynamicLabel,
        base: u8,
        size: i32,
        miss: DynamicLabel,
    },
    /// A load the TLB could not serve: the helper reads it (address in rax) into `rd`.
    Load {
        label: DynamicLabel,
        back: DynamicLabel,
        kind: Kind,
        rd: Loc,
    },
    /// A store the TLB could not serve: the helper writes it (address in rax); if it wrote code,
    /// leave through `code_written`.
    Store {
        label: DynamicLabel,
        back: DynamicLabel,
        size: u8,
        rs2: u8,
        code_written: DynamicLabel,
    },
}

/// Whether the instruction ends a block by transferring control.
fn is_transfer(kind: Kind) -> bool {
    use Kind::*;
    matches!(kind, Jal | Jalr | Beq | Bne | Blt | Bge | Bltu | Bgeu)
}

/// The in-page direct target of a jump or branch, if it has one.
fn direct_target(op: &Op, here: u64) -> Option<u64> {
    use Kind::*;
    matches!(op.kind, Jal | Beq | Bne | Blt | Bge | Bltu | Bgeu)
        .then(|| here.wrapping_add(op.imm as i64 as u64))
}

/// Translates the decoded page `page` (page number), with blocks beginning at least at `entries`
/// (instruction indexes) besides those the page's own code shows. None only if the assembler
/// reports an error (a label left undefined: a bug).
pub(crate) fn translate(
    page: u64,
    ops: &DecodedPage,
    entries: &[bool; OPS],
    helpers: &Helpers,
) -> Option<Assembled> {
    let base = page << 12;
    let in_page = |target: u64| target >> 12 == page && target & 3 == 0;
    let mut leader = Box::new(*entries);
    leader[0] = true;
    for (i, op) in ops.iter().enumerate() {
        if (is_transfer(op.kind) || op.kind == Kind::Slow) && i + 1 < OPS {
            leader[i + 1] = true;
        }
        if let Some(t) = direct_target(op, base + 4 * i as u64) {
            if in_page(t) {
                leader[((t >> 2) as usize) & (OPS - 1)] = true;
            }
        }
    }
    let block_len = |i: usize| -> u64 {
        let mut len = 0;
        let mut j = i;
        while ops[j].kind != Kind::Slow {
            len += 1;
            if is_transfer(ops[j].kind) || j + 1 == OPS || leader[j + 1] {
                break;
            }
            j += 1;
        }
        len
    };

    // Sized for a typical page, so that the buffers rarely grow.
    let mut a = Assembler::new_with_capacity(0, 96 << 10, 0, 0, 4 * OPS, 0, 4 * OPS);
    let labels: Vec<DynamicLabel> = (0..OPS).map(|_| a.new_dynamic_label()).collect();
    let jump_table: Box<[usize; OPS]> = Box::new([0; OPS]);
    let table_addr = jump_table.as_ptr() as i64;
    let mut stubs: Vec<Stub> = Vec::new();
    let depths = loop_depths(ops);
    let alloc = Alloc::for_page(ops, &depths);
    // The loads that try their base register's page first: those in short loops (walks through
    // arrays, mostly on one page for many steps) and those through sp, gp or tp. A miss costs
    // more than the TLB alone (a mispredicted branch, the entry refilled): on the fault proof
    // program's blocks a quarter of the loops' loads and over a third of the others missed,
    // and trying every load made them 5% slower.
    let tries_base_page: Vec<bool> = depths
        .iter()
        .zip(ops.iter())
        .map(|(&depth, op)| depth > 0 || (reg::SP..=reg::TP).contains(&u32::from(op.rs1)))
        .collect();

    let exit = a.new_dynamic_label();
    let leave = a.new_dynamic_label();
    let exit_indirect = a.new_dynamic_label();
    let chain_miss = a.new_dynamic_label();
    let enter = a.offset().0;
    dynasm!(a
        ; .arch x64
        ; push rbx
        ; push rbp
        ; push r12
        ; push r13
        ; push r14
        ; push r15
        ; sub rsp, 8
        ; mov r12, rdi
        ; mov rbx, rsi
        ; mov r15, QWORD [r12 + REMAINING]
    );
    // Translated code of another page enters here (the frame, rbx, r12 and r15 as they are).
    let chain_enter = a.offset().0;
    alloc.load_all(&mut a);
    dynasm!(a
        ; jmp rdx
        ; =>exit
    );
    alloc.store_all(&mut a);
    dynasm!(a
        ; =>leave
        ; mov QWORD [r12 + REMAINING], r15
        ; add rsp, 8
        ; pop r15
        ; pop r14
        ; pop r13
        ; pop r12
        ; pop rbp
        ; pop rbx
        ; ret
        ; =>exit_indirect
    );
    // A jump to another page (pc in rax): the registers written back, the chain's slot for the
    // pc ([`super::chain_slot`] * 32: ((pc ^ (pc >> 10)) << 3) with the bits below 5 and above the
    // table masked off) names the block to continue in if its tag is the pc; that block checks
    // the step budget as any block does.
    alloc.store_all(&mut a);
    let chain_mask = ((CHAIN_ENTRIES - 1) << 5) as i32;
    dynasm!(a
        ; mov ecx, eax
        ; mov edx, eax
        ; shr edx, 10
        ; xor ecx, edx
        ; shl ecx, 3
        ; and ecx, chain_mask
        ; cmp rax, QWORD [r12 + rcx + CHAIN]
        ; jne =>chain_miss
        ; mov rdx, QWORD [r12 + rcx + CHAIN + CHAIN_CODE]
        ; jmp QWORD [r12 + rcx + CHAIN + CHAIN_ENTER]
        ; =>chain_miss
        ; mov QWORD [r12 + PC], rax
        ; mov QWORD [r12 + EXIT], Exit::Jump as i32
        ; jmp =>leave
    );

    // Emits the instruction at `i` with `k` steps of its block still to come after it; in a
    // group's fast path (`group`: the group's lowest offset) its memory access goes straight to
    // the host address in rdx (see [`find_groups`]).
    let emit = |a: &mut Assembler, stubs: &mut Vec<Stub>, i: usize, k: u64, group: Option<i32>| {
        let op = ops[i];
        let here = base + 4 * i as u64;
        let (rs1, rs2) = (alloc.of(op.rs1), alloc.of(op.rs2));
        let imm = op.imm;
        let writes = op.rd != SINK;
        // Where the result goes (only looked at when the instruction writes).
        let rd = if writes { alloc.of(op.rd) } else { Loc::Mem(0) };
        // Where a taken jump to `t` goes.
        let target_label = |a: &mut Assembler, stubs: &mut Vec<Stub>, t: u64| {
            if in_page(t) {
                labels[((t >> 2) as usize) & (OPS - 1)]
            } else {
                chain_stub(a, stubs, t)
            }
        };
        use Kind::*;
        match op.kind {
            Slow | Ecall | Atomic | Illegal => unreachable!("the fast form makes these Slow"),
            Nop | BranchNever => {}
            Zero | Lui if writes => set_imm(a, rd, imm as i64),
            Auipc if writes => set_imm(a, rd, here.wrapping_add(imm as i64 as u64) as i64),
            Zero | Lui | Auipc => {}
            Jal => {
                if writes {
                    set_imm(a, rd, (here + 4) as i64);
                }
                let t = target_label(a, stubs, here.wrapping_add(imm as i64 as u64));
                dynasm!(a ; jmp =>t);
            }
            Jalr => {
                // An unaligned target is reported by the generic step: give this step back.
                let slow = exit_stub(a, stubs, here, Exit::Slow, k + 1);
                get(a, RAX, rs1);
                dynasm!(a
                    ; add rax, imm
                    ; and rax, -2
                    ; test al, 3
                    ; jnz =>slow
                );
                if writes {
                    set_imm(a, rd, (here + 4) as i64);
                }
                dynasm!(a
                    ; mov rcx, rax
                    ; shr rcx, 12
                    ; mov rdx, QWORD page as i64
                    ; cmp rcx, rdx
                    ; jne =>exit_indirect
                    ; mov ecx, eax
                    ; and ecx, 0xffc
                    ; mov rdx, QWORD table_addr
                    ; jmp QWORD [rdx + rcx * 2]
                );
            }
            Beq | Bne | Blt | Bge | Bltu | Bgeu => {
                let t = target_label(a, stubs, here.wrapping_add(imm as i64 as u64));
                let left = match rs1 {
                    Loc::Host(h) => h,
                    Loc::Mem(_) => {
                        get(a, RAX, rs1);
                        RAX
                    }
                };
                op_reg!(a, cmp, left, rs2);
                match op.kind {
                    Beq => dynasm!(a ; je =>t),
                    Bne => dynasm!(a ; jne =>t),
                    Blt => dynasm!(a ; jl =>t),
                    Bge => dynasm!(a ; jge =>t),
                    Bltu => dynasm!(a ; jb =>t),
                    _ => dynasm!(a ; jae =>t),
                }
            }
            // In a group's fast path rdx holds the host address of the group's lowest byte.
            Lb | Lh | Lw | Ld | Lbu | Lhu | Lwu if writes && group.is_some() => {
                let d = imm - group.unwrap_or(0);
                let dst = result_reg(rd);
                match op.kind {
                    Lb => dynasm!(a ; movsx Rq(dst), BYTE [rdx + d]),
                    Lh => dynasm!(a ; movsx Rq(dst), WORD [rdx + d]),
                    Lw => dynasm!(a ; movsxd Rq(dst), DWORD [rdx + d]),
                    Ld => dynasm!(a ; mov Rq(dst), QWORD [rdx + d]),
                    Lbu => dynasm!(a ; movzx Rd(dst), BYTE [rdx + d]),
                    Lhu => dynasm!(a ; movzx Rd(dst), WORD [rdx + d]),
                    _ => dynasm!(a ; mov Rd(dst), DWORD [rdx + d]),
                }
                finish(a, rd, dst);
            }
            // The group's check found the page in the write TLB.
            Sb | Sh | Sw | Sd if group.is_some() => {
                let d = imm - group.unwrap_or(0);
                store_at(a, store_size(op.kind), rs2, d);
            }
            Lb | Lh | Lw | Ld | Lbu | Lhu | Lwu if writes => {
                let size = load_size(op.kind);
                let slow = a.new_dynamic_label();
                let back = a.new_dynamic_label();
                address(a, rs1, imm);
                // (the stub's label, where it comes back) when the base register's page is tried.
                let probe = tries_base_page[i].then(|| {
                    let (probe, found) = (a.new_dynamic_label(), a.new_dynamic_label());
                    by_base_lookup(a, op.rs1, size, probe);
                    dynasm!(a ; =>found);
                    (probe, found)
                });
                if probe.is_none() {
                    read_addend(a, size, slow);
                }
                let dst = result_reg(rd);
                match op.kind {
                    Lb => dynasm!(a ; movsx Rq(dst), BYTE [rax + rcx]),
                    Lh => dynasm!(a ; movsx Rq(dst), WORD [rax + rcx]),
                    Lw => dynasm!(a ; movsxd Rq(dst), DWORD [rax + rcx]),
                    Ld => dynasm!(a ; mov Rq(dst), QWORD [rax + rcx]),
                    Lbu => dynasm!(a ; movzx Rd(dst), BYTE [rax + rcx]),
                    Lhu => dynasm!(a ; movzx Rd(dst), WORD [rax + rcx]),
                    _ => dynasm!(a ; mov Rd(dst), DWORD [rax + rcx]),
                }
                finish(a, rd, dst);
                dynasm!(a ; =>back);
                if let Some((label, found)) = probe {
                    stubs.push(Stub::Probe {
                        label,
                        found,
                        base: op.rs1,
                        size,
                        miss: slow,
                    });
                }
                stubs.push(Stub::Load {
                    label: slow,
                    back,
                    kind: op.kind,
                    rd,
                });
            }
            // A load into x0 has no effect: reads never allocate or fail.
            Lb | Lh | Lw | Ld | Lbu | Lhu | Lwu => {}
            Sb | Sh | Sw | Sd => {
                let size = store_size(op.kind);
                let slow = a.new_dynamic_label();
                let back = a.new_dynamic_label();
                let code_written = exit_stub(a, stubs, here + 4, Exit::Jump, k);
                address(a, rs1, imm);
                // A page in the write TLB has every chunk marked dirty: the store marks none.
                write_lookup(a, size, slow);
                store_value(a, size, rs2);
                dynasm!(a ; =>back);
                stubs.push(Stub::Store {
                    label: slow,
                    back,
                    size: size as u8,
                    rs2: op.rs2,
                    code_written,
                });
            }
            _ if !writes => {}
            Addi | Xori | Ori | Andi | Slli | Srli | Srai => immediate(a, op.kind, rd, rs1, imm),
            Addiw => {
                get(a, RAX, rs1);
                dynasm!(a ; add eax, imm);
                sign_extend_eax(a, rd);
            }
            Slti | Sltiu | Slt | Sltu => {
                dynasm!(a ; xor ecx, ecx);
                get(a, RAX, rs1);
                if matches!(op.kind, Slti | Sltiu) {
                    dynasm!(a ; cmp rax, imm);
                } else {
                    op_rax!(a, cmp, rs2);
                }
                if matches!(op.kind, Slti | Slt) {
                    dynasm!(a ; setl cl);
                } else {
                    dynasm!(a ; setb cl);
                }
                set(a, rd, RCX);
            }
            Add | Sub | Xor | Or | And | Mul => binary(a, op.kind, rd, rs1, rs2),
            // x86 masks 64-bit shift counts to 6 bits and 32-bit ones to 5, as RISC-V does.
            Sll | Srl | Sra => {
                get(a, RCX, rs2);
                get(a, RAX, rs1);
                match op.kind {
                    Sll => dynasm!(a ; shl rax, cl),
                    Srl => dynasm!(a ; shr rax, cl),
                    _ => dynasm!(a ; sar rax, cl),
                }
                set(a, rd, RAX);
            }
            Slliw | Srliw | Sraiw => {
                let sh = imm as i8;
                get32(a, RAX, rs1);
                match op.kind {
                    Slliw => dynasm!(a ; shl eax, sh),
                    Srliw => dynasm!(a ; shr eax, sh),
                    _ => dynasm!(a ; sar eax, sh),
                }
                sign_extend_eax(a, rd);
            }
            Addw | Subw | Mulw => {
                get32(a, RAX, rs1);
                match op.kind {
                    Addw => op_eax!(a, add, rs2),
                    Subw => op_eax!(a, sub, rs2),
                    _ => op_eax!(a, imul, rs2),
                }
                sign_extend_eax(a, rd);
            }
            Sllw | Srlw | Sraw => {
                get32(a, RCX, rs2);
                get32(a, RAX, rs1);
                match op.kind {
                    Sllw => dynasm!(a ; shl eax, cl),
                    Srlw => dynasm!(a ; shr eax, cl),
                    _ => dynasm!(a ; sar eax, cl),
                }
                sign_extend_eax(a, rd);
            }
            // In a group's fast path rdx (the group's address) waits in rcx meanwhile.
            Mulh | Mulhu => {
                if group.is_some() {
                    dynasm!(a ; mov rcx, rdx);
                }
                get(a, RAX, rs1);
                if op.kind == Mulh {
                    op_one!(a, imul, rs2);
                } else {
                    op_one!(a, mul, rs2);
                }
                set(a, rd, RDX);
                if group.is_some() {
                    dynasm!(a ; mov rdx, rcx);
                }
            }
            // The unsigned high product, less rs2 when rs1 is negative.
            Mulhsu => {
                get(a, RAX, rs1);
                dynasm!(a ; mov rcx, rax);
                op_one!(a, mul, rs2);
                dynasm!(a ; sar rcx, 63);
                match rs2 {
                    Loc::Host(h) => dynasm!(a ; and rcx, Rq(h)),
                    Loc::Mem(o) => dynasm!(a ; and rcx, QWORD [rbx + o]),
                }
                dynasm!(a ; sub rdx, rcx);
                set(a, rd, RDX);
            }
            Div | Divu | Rem | Remu | Divw | Divuw | Remw | Remuw => {
                divide(a, op.kind, rd, rs1, rs2)
            }
        }
        // Falling off the page's end (a conditional branch not taken, too) continues in the next.
        if i + 1 == OPS && !matches!(op.kind, Jal | Jalr) {
            let out = chain_stub(a, stubs, base + PAGE_SIZE as u64);
            dynasm!(a ; jmp =>out);
        }
    };

    let groups = find_groups(ops, &leader);
    let mut groups = groups.iter().peekable();
    // Steps of the current block still to come after the instruction being emitted.
    let mut left_in_block = 0u64;
    let mut i = 0;
    while i < OPS {
        let op = ops[i];
        let here = base + 4 * i as u64;
        if leader[i] {
            dynasm!(a ; =>labels[i]);
            left_in_block = block_len(i);
            if left_in_block > 0 {
                // Taken at once; if the budget was short (the subtraction borrowed), given back
                // on the way out.
                let out = exit_stub(&mut a, &mut stubs, here, Exit::Budget, left_in_block);
                let len = left_in_block as i32;
                dynasm!(a
                    ; sub r15, len
                    ; jb =>out
                );
            }
        }
        if op.kind == Kind::Slow {
            let out = exit_stub(&mut a, &mut stubs, here, Exit::Slow, 0);
            dynasm!(a ; jmp =>out);
            i += 1;
            continue;
        }
        let Some(g) = groups.next_if(|g| g.start == i) else {
            left_in_block -= 1;
            emit(&mut a, &mut stubs, i, left_in_block, None);
            i += 1;
            continue;
        };
        // One TLB check for the whole group; on a miss, every access on its own as usual.
        let slow = a.new_dynamic_label();
        let done = a.new_dynamic_label();
        group_check(&mut a, g, alloc.of(ops[i].rs1), slow);
        let before = left_in_block;
        for j in g.start..=g.end {
            left_in_block -= 1;
            emit(&mut a, &mut stubs, j, left_in_block, Some(g.low));
        }
        dynasm!(a ; jmp =>done ; =>slow);
        left_in_block = before;
        for j in g.start..=g.end {
            left_in_block -= 1;
            emit(&mut a, &mut stubs, j, left_in_block, None);
        }
        dynasm!(a ; =>done);
        i = g.end + 1;
    }

    let stubs_start = a.offset().0;
    emit_stubs(&mut a, stubs, base, helpers, &alloc, exit, exit_indirect);
    let offsets = PageOffsets {
        // A label is bound only at a leader.
        blocks: labels
            .iter()
            .map(|label| a.labels().resolve_dynamic(*label).ok().map(|o| o.0))
            .collect(),
        enterable: (0..OPS)
            .map(|i| leader[i] && ops[i].kind != Kind::Slow)
            .collect(),
        exit_indirect: a.labels().resolve_dynamic(exit_indirect).ok()?.0,
        stubs_start,
    };
    let code = a.finalize().ok()?;
    Some(Assembled {
        code,
        enter,
        chain_enter,
        offsets,
        leaders: leader,
        jump_table,
        base,
    })
}

/// Bytes a group's accesses may span (from the lowest byte of any to the highest).
const GROUP_SPAN: i32 = 2048;

/// A run of instructions inside one block whose memory accesses (at least two) all use the same
/// base register, which nothing in the run writes but maybe its last access (a load): one TLB
/// lookup covers them all, for the whole span in one page. Nothing in the run touches rdx but the
/// accesses (no helper calls, divisions or mulhsu; mulh and mulhu put it back), so rdx holds the
/// span's host address throughout the fast path.
struct Group {
    /// The first and last instruction (both accesses).
    start: usize,
    end: usize,
    /// The lowest offset from the base of any access, and the bytes from there to the end of the
    /// highest.
    low: i32,
    span: i32,
    /// Whether the group stores (then the write TLB serves it, else the read TLB).
    stores: bool,
}

/// The size of the access `op` makes and whether it is a store, if it is a load into a register
/// other than x0 or a store.
fn access(op: &Op) -> Option<(i32, bool)> {
    use Kind::*;
    match op.kind {
        Lb | Lh | Lw | Ld | Lbu | Lhu | Lwu if op.rd != SINK => Some((load_size(op.kind), false)),
        Sb | Sh | Sw | Sd => Some((store_size(op.kind), true)),
        _ => None,
    }
}

/// Whether the translated instruction uses rdx (or ends the block, or calls a helper, outside a
/// group's fast path). (mulh and mulhu keep it in rcx in a group's fast path.)
fn breaks_group(kind: Kind) -> bool {
    use Kind::*;
    is_transfer(kind)
        || matches!(
            kind,
            Slow | Mulhsu | Div | Divu | Rem | Remu | Divw | Divuw | Remw | Remuw
        )
}

/// The page's groups (see [`Group`]), in order; the page's last instruction is never in one.
fn find_groups(ops: &DecodedPage, leader: &[bool; OPS]) -> Vec<Group> {
    let mut groups = Vec::new();
    let mut i = 0;
    while i + 1 < OPS {
        let first = &ops[i];
        let Some((size, store)) = access(first) else {
            i += 1;
            continue;
        };
        let b = first.rs1;
        // (offset, size, store) of each access.
        let mut accesses = vec![(first.imm, size, store)];
        let (mut lo, mut hi) = (first.imm, first.imm + size);
        let mut end = i;
        let mut j = i + 1;
        while first.rd != b && j + 1 < OPS && !leader[j] && !breaks_group(ops[j].kind) {
            let op = &ops[j];
            match access(op) {
                Some((size, store)) => {
                    let (l, h) = (lo.min(op.imm), hi.max(op.imm + size));
                    if op.rs1 != b || h - l > GROUP_SPAN {
                        break;
                    }
                    (lo, hi, end) = (l, h, j);
                    accesses.push((op.imm, size, store));
                    if op.rd == b {
                        break;
                    }
                }
                None if op.rd == b => break,
                None => {}
            }
            j += 1;
        }
        if accesses.len() < 2 {
            i += 1;
            continue;
        }
        groups.push(Group {
            start: i,
            end,
            low: lo,
            span: hi - lo,
            stores: accesses.iter().any(|a| a.2),
        });
        i = end + 1;
    }
    groups
}

/// A group's one TLB lookup, for the span at base + `low`: on a hit rdx = the span's host
/// address; on a miss, jumps to `miss`. The write TLB serves a group with a store (it holds only
/// pages the code may write, every chunk of them already marked dirty: never a code page, so a
/// store to one still goes through the helper), the read TLB any other.
fn group_check(a: &mut Assembler, g: &Group, base: Loc, miss: DynamicLabel) {
    address(a, base, g.low);
    if !g.stores {
        read_lookup(a, g.span, miss);
        dynasm!(a ; mov rdx, rax);
        return;
    }
    write_lookup(a, g.span, miss);
    dynasm!(a ; add rdx, rax);
}

/// Scratch host registers, by number.
const RAX: u8 = 0;
const RCX: u8 = 1;
const RDX: u8 = 2;

fn load_size(kind: Kind) -> i32 {
    match kind {
        Kind::Lb | Kind::Lbu => 1,
        Kind::Lh | Kind::Lhu => 2,
        Kind::Lw | Kind::Lwu => 4,
        _ => 8,
    }
}

fn store_size(kind: Kind) -> i32 {
    match kind {
        Kind::Sb => 1,
        Kind::Sh => 2,
        Kind::Sw => 4,
        _ => 8,
    }
}

/// Where an operation writing `rd` puts its result: rd's host register, or rax to be stored with
/// [`finish`].
fn result_reg(rd: Loc) -> u8 {
    match rd {
        Loc::Host(d) => d,
        Loc::Mem(_) => RAX,
    }
}

/// Stores a result left in rax (by [`result_reg`]) into rd's place in the register file.
fn finish(a: &mut Assembler, rd: Loc, result: u8) {
    if result == RAX {
        set(a, rd, RAX);
    }
}

/// rd = eax sign-extended (the result of a 32-bit operation).
fn sign_extend_eax(a: &mut Assembler, rd: Loc) {
    let dst = result_reg(rd);
    dynasm!(a ; movsxd Rq(dst), eax);
    finish(a, rd, dst);
}

/// rd = rs1 `kind` imm for a 64-bit operation with an immediate (addi, xori, ori, andi and the
/// shifts): in rd's host register when it has one, else through rax. Adding, or-ing, xor-ing or
/// shifting by 0 is only a move.
fn immediate(a: &mut Assembler, kind: Kind, rd: Loc, rs1: Loc, imm: i32) {
    let dst = match rd {
        Loc::Host(d) => {
            if rd != rs1 {
                get(a, d, rs1);
            }
            d
        }
        Loc::Mem(_) => {
            get(a, RAX, rs1);
            RAX
        }
    };
    let sh = imm as i8;
    match kind {
        Kind::Andi => dynasm!(a ; and Rq(dst), imm),
        _ if imm == 0 => {}
        Kind::Addi => dynasm!(a ; add Rq(dst), imm),
        Kind::Xori => dynasm!(a ; xor Rq(dst), imm),
        Kind::Ori => dynasm!(a ; or Rq(dst), imm),
        Kind::Slli => dynasm!(a ; shl Rq(dst), sh),
        Kind::Srli => dynasm!(a ; shr Rq(dst), sh),
        _ => dynasm!(a ; sar Rq(dst), sh),
    }
    finish(a, rd, dst);
}

/// rd = rs1 `kind` rs2 for a 64-bit register-register operation (add, sub, xor, or, and, mul):
/// straight into rd's host register when it has one and rs2 is not it, else through rax.
fn binary(a: &mut Assembler, kind: Kind, rd: Loc, rs1: Loc, rs2: Loc) {
    let dst = match rd {
        Loc::Host(d) if rd == rs1 => d,
        Loc::Host(d) if rd != rs2 => {
            get(a, d, rs1);
            d
        }
        _ => {
            get(a, RAX, rs1);
            RAX
        }
    };
    match kind {
        Kind::Add => op_reg!(a, add, dst, rs2),
        Kind::Sub => op_reg!(a, sub, dst, rs2),
        Kind::Xor => op_reg!(a, xor, dst, rs2),
        Kind::Or => op_reg!(a, or, dst, rs2),
        Kind::And => op_reg!(a, and, dst, rs2),
        _ => op_reg!(a, imul, dst, rs2),
    }
    finish(a, rd, dst);
}

/// rd = rs1 `kind` rs2 for the divisions and remainders, computed as the reference step does
/// ([`crate::alu::mul_div`], [`crate::alu::mul_div_w`]): by zero a quotient is all ones and a
/// remainder the dividend; a signed division by -1 is a negation (MIN / -1 = MIN) and its
/// remainder 0 (x86's `idiv` would fault on both); the W forms divide the low halves (rs2's
/// upper half never counts, so a value with a zero low half divides by zero) and sign-extend the
/// 32-bit result.
fn divide(a: &mut Assembler, kind: Kind, rd: Loc, rs1: Loc, rs2: Loc) {
    use Kind::*;
    let wide = matches!(kind, Div | Divu | Rem | Remu);
    let signed = matches!(kind, Div | Rem | Divw | Remw);
    let quotient = matches!(kind, Div | Divu | Divw | Divuw);
    let by_zero = a.new_dynamic_label();
    let general = a.new_dynamic_label();
    let done = a.new_dynamic_label();
    if wide {
        get(a, RCX, rs2);
        get(a, RAX, rs1);
        dynasm!(a ; test rcx, rcx ; jz =>by_zero);
        if signed {
            dynasm!(a ; cmp rcx, -1 ; jne =>general);
        }
    } else {
        get32(a, RCX, rs2);
        get32(a, RAX, rs1);
        dynasm!(a ; test ecx, ecx ; jz =>by_zero);
        if signed {
            dynasm!(a ; cmp ecx, -1 ; jne =>general);
        }
    }
    if signed {
        // By -1: the quotient is the negation (MIN stays MIN), the remainder 0.
        match (quotient, wide) {
            (true, true) => dynasm!(a ; neg rax),
            (true, false) => dynasm!(a ; neg eax),
            (false, _) => dynasm!(a ; xor eax, eax),
        }
        dynasm!(a ; jmp =>done);
    }
    dynasm!(a ; =>general);
    match (signed, wide) {
        (true, true) => dynasm!(a ; cqo ; idiv rcx),
        (true, false) => dynasm!(a ; cdq ; idiv ecx),
        (false, true) => dynasm!(a ; xor edx, edx ; div rcx),
        (false, false) => dynasm!(a ; xor edx, edx ; div ecx),
    }
    if quotient {
        // By zero: all ones (for the W forms, once sign-extended).
        dynasm!(a
            ; jmp =>done
            ; =>by_zero
            ; mov rax, -1
        );
    } else {
        // By zero: the dividend, already in rax (its low half for the W forms).
        dynasm!(a
            ; mov rax, rdx
            ; =>by_zero
        );
    }
    dynasm!(a ; =>done);
    if wide {
        set(a, rd, RAX);
    } else {
        sign_extend_eax(a, rd);
    }
}

/// rax = rs1 + imm (one `lea` when rs1 is in a host register).
fn address(a: &mut Assembler, rs1: Loc, imm: i32) {
    match rs1 {
        Loc::Host(h) if imm != 0 => dynasm!(a ; lea rax, [Rq(h) + imm]),
        _ => {
            get(a, RAX, rs1);
            if imm != 0 {
                dynasm!(a ; add rax, imm);
            }
        }
    }
}

/// Finds the slot of the `size` bytes at rax in the TLB at `table` (an offset into the [`Ctx`]):
/// on a hit rdx = the slot's byte offset, ((rax >> 12) % TLB_ENTRIES) * 16, computed in one shift
/// and mask; on a miss jumps to `miss` with rax intact. The tag compared is the page of the last
/// byte, so an access crossing into the next page always misses (the first byte's slot never
/// holds the next page).
fn tlb_probe(a: &mut Assembler, table: i32, size: i32, miss: DynamicLabel) {
    let slot_mask = ((TLB_ENTRIES - 1) << 4) as i32;
    dynasm!(a
        ; lea rcx, [rax + size - 1]
        ; mov edx, eax
        ; shr rcx, 12
        ; shr edx, 8
        ; and edx, slot_mask
        ; cmp rcx, QWORD [r12 + rdx + table]
        ; jne =>miss
    );
}

/// Looks up the `size` bytes at rax in the read TLB: on a hit rax = their host address; on a miss
/// jumps to `miss` with rax intact.
fn read_lookup(a: &mut Assembler, size: i32, miss: DynamicLabel) {
    tlb_probe(a, RTLB, size, miss);
    dynasm!(a ; add rax, QWORD [r12 + rdx + RTLB + TLB_ADDEND]);
}

/// Looks up the `size` bytes at rax in the read TLB: on a hit rcx = the addend (the host address
/// is rax + rcx); on a miss jumps to `miss` with rax intact.
fn read_addend(a: &mut Assembler, size: i32, miss: DynamicLabel) {
    tlb_probe(a, RTLB, size, miss);
    dynasm!(a ; mov rcx, QWORD [r12 + rdx + RTLB + TLB_ADDEND]);
}

/// Looks up the `size` bytes at rax in guest register `base`'s entry of [`Tlbs::by_base`]: on a
/// hit rcx = the addend (the host address is rax + rcx); else jumps to `probe`, with rax intact.
/// Only an access aligned to its size hits (it cannot cross into the next page): the address,
/// its bits 3-11 cleared, must equal the entry's page address. The addend is read first, so the
/// load that follows waits only for the address, not for a load from the TLB.
fn by_base_lookup(a: &mut Assembler, base: u8, size: i32, probe: DynamicLabel) {
    let entry = BY_BASE + 16 * base as i32;
    let mask = -(PAGE_SIZE as i32) | (size - 1);
    dynasm!(a
        ; mov rcx, QWORD [r12 + entry + TLB_ADDEND]
        ; mov rdx, rax
        ; and rdx, mask
        ; cmp rdx, QWORD [r12 + entry]
        ; jne =>probe
    );
}

/// Looks up the `size` bytes at rax in the write TLB: on a hit rdx = the page, eax = the offset
/// in it; on a miss, jumps to `miss` with rax intact.
fn write_lookup(a: &mut Assembler, size: i32, miss: DynamicLabel) {
    tlb_probe(a, WTLB, size, miss);
    dynasm!(a
        ; mov rdx, QWORD [r12 + rdx + WTLB + TLB_PAGE]
        ; and eax, 0xfff
    );
}

/// Stores the low `size` bytes of rs2 at [rdx + rax]: straight from rs2's host register for 2 to
/// 8 bytes, else through rcx.
fn store_value(a: &mut Assembler, size: i32, rs2: Loc) {
    match (size, rs2) {
        (2, Loc::Host(h)) => dynasm!(a ; mov WORD [rdx + rax], Rw(h)),
        (4, Loc::Host(h)) => dynasm!(a ; mov DWORD [rdx + rax], Rd(h)),
        (8, Loc::Host(h)) => dynasm!(a ; mov QWORD [rdx + rax], Rq(h)),
        _ => {
            get(a, RCX, rs2);
            match size {
                1 => dynasm!(a ; mov BYTE [rdx + rax], cl),
                2 => dynasm!(a ; mov WORD [rdx + rax], cx),
                4 => dynasm!(a ; mov DWORD [rdx + rax], ecx),
                _ => dynasm!(a ; mov QWORD [rdx + rax], rcx),
            }
        }
    }
}

/// Stores the low `size` bytes of rs2 at [rdx + `disp`]: straight from rs2's host register for 2
/// to 8 bytes, else through rcx (rdx is left as it is).
fn store_at(a: &mut Assembler, size: i32, rs2: Loc, disp: i32) {
    match (size, rs2) {
        (2, Loc::Host(h)) => dynasm!(a ; mov WORD [rdx + disp], Rw(h)),
        (4, Loc::Host(h)) => dynasm!(a ; mov DWORD [rdx + disp], Rd(h)),
        (8, Loc::Host(h)) => dynasm!(a ; mov QWORD [rdx + disp], Rq(h)),
        _ => {
            get(a, RCX, rs2);
            match size {
                1 => dynasm!(a ; mov BYTE [rdx + disp], cl),
                2 => dynasm!(a ; mov WORD [rdx + disp], cx),
                4 => dynasm!(a ; mov DWORD [rdx + disp], ecx),
                _ => dynasm!(a ; mov QWORD [rdx + disp], rcx),
            }
        }
    }
}

/// A new exit stub's label.
fn exit_stub(
    a: &mut Assembler,
    stubs: &mut Vec<Stub>,
    pc: u64,
    exit: Exit,
    refund: u64,
) -> DynamicLabel {
    let label = a.new_dynamic_label();
    stubs.push(Stub::Exit {
        label,
        pc,
        exit,
        refund,
    });
    label
}

/// A new stub's label that leaves for `pc` (in another page) through the chain.
fn chain_stub(a: &mut Assembler, stubs: &mut Vec<Stub>, pc: u64) -> DynamicLabel {
    let label = a.new_dynamic_label();
    stubs.push(Stub::Chain { label, pc });
    label
}

/// Emits the rare paths of the page at `base`. They share what they can, so that a page's code
/// stays small: an exit jumps to one tail per reason with the pc's offset in the page, and a
/// load or store the TLB could not serve calls one of two routines ([`emit_helper_call`]).
fn emit_stubs(
    a: &mut Assembler,
    stubs: Vec<Stub>,
    base: u64,
    helpers: &Helpers,
    alloc: &Alloc,
    exit: DynamicLabel,
    exit_indirect: DynamicLabel,
) {
    let (mut load_helper, mut store_helper) = (None, None);
    // The tail for each exit reason, by its number.
    let mut exit_tails: [Option<DynamicLabel>; 3] = [None; 3];
    for stub in stubs {
        match stub {
            Stub::Exit {
                label,
                pc,
                exit: reason,
                refund,
            } => {
                let tail =
                    *exit_tails[reason as usize].get_or_insert_with(|| a.new_dynamic_label());
                dynasm!(a ; =>label);
                if refund > 0 {
                    dynasm!(a ; add r15, refund as i32);
                }
                // At most a page past the page's start (the instruction after its last).
                let offset = (pc - base) as i32;
                dynasm!(a
                    ; mov eax, offset
                    ; jmp =>tail
                );
            }
            Stub::Probe {
                label,
                found,
                base,
                size,
                miss,
            } => {
                let entry = BY_BASE + 16 * base as i32;
                dynasm!(a ; =>label);
                read_addend(a, size, miss);
                dynasm!(a
                    ; mov QWORD [r12 + entry + TLB_ADDEND], rcx
                    ; mov rdx, rax
                    ; and rdx, -(PAGE_SIZE as i32)
                    ; mov QWORD [r12 + entry], rdx
                    ; jmp =>found
                );
            }
            Stub::Chain { label, pc } => {
                dynasm!(a
                    ; =>label
                    ; mov rax, QWORD pc as i64
                    ; jmp =>exit_indirect
                );
            }
            Stub::Load {
                label,
                back,
                kind,
                rd,
            } => {
                let helper = *load_helper.get_or_insert_with(|| a.new_dynamic_label());
                dynasm!(a
                    ; =>label
                    ; mov edx, load_size(kind)
                    ; call =>helper
                );
                match kind {
                    Kind::Lb => dynasm!(a ; movsx rax, al),
                    Kind::Lh => dynasm!(a ; movsx rax, ax),
                    Kind::Lw => dynasm!(a ; movsxd rax, eax),
                    _ => {}
                }
                set(a, rd, RAX);
                dynasm!(a ; jmp =>back);
            }
            Stub::Store {
                label,
                back,
                size,
                rs2,
                code_written,
            } => {
                let helper = *store_helper.get_or_insert_with(|| a.new_dynamic_label());
                dynasm!(a ; =>label);
                get(a, RCX, alloc.of(rs2));
                dynasm!(a
                    ; mov edx, size as i32
                    ; call =>helper
                    ; test rax, rax
                    ; jz =>back
                    ; jmp =>code_written
                );
            }
        }
    }
    for (reason, tail) in [Exit::Jump, Exit::Slow, Exit::Budget]
        .into_iter()
        .zip(exit_tails)
    {
        if let Some(tail) = tail {
            dynasm!(a
                ; =>tail
                ; mov rcx, QWORD base as i64
                ; add rax, rcx
                ; mov QWORD [r12 + PC], rax
                ; mov QWORD [r12 + EXIT], reason as i32
                ; jmp =>exit
            );
        }
    }
    if let Some(label) = load_helper {
        emit_helper_call(a, label, helpers.load, alloc);
    }
    if let Some(label) = store_helper {
        emit_helper_call(a, label, helpers.store, alloc);
    }
}

/// The page's routine (at `label`, reached by `call`) that calls `helper` (ctx, the address in
/// rax, then rdx and rcx as they are) and returns its result in rax. The allocated registers the
/// call may clobber are written back first and reloaded after; the others stay in their host
/// registers (the helpers read no guest register).
fn emit_helper_call(a: &mut Assembler, label: DynamicLabel, helper: usize, alloc: &Alloc) {
    dynasm!(a ; =>label);
    alloc.store_caller_saved(a);
    // The call into this routine left the stack 8 bytes off the 16 the ABI wants.
    dynasm!(a
        ; mov rdi, r12
        ; mov rsi, rax
        ; mov rax, QWORD helper as i64
        ; sub rsp, 8
        ; call rax
        ; add rsp, 8
    );
    alloc.reload_caller_saved(a);
    dynasm!(a ; ret);
}

/// Addresses of the functions translated code calls.
pub(crate) struct Helpers {
    /// `(ctx, addr, size) -> value`, zero-extended.
    pub load: usize,
    /// `(ctx, addr, size, value) -> 1 if a code page was written, else 0`.
    pub store: usize,
}
