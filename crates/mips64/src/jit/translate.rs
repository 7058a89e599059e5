//! Translation of one decoded MIPS64 code page into x86-64 machine code.
//!
//! The page is cut into blocks: straight runs of instructions that start at a *leader* (the page's
//! first instruction, a branch or jump target in the page, the instruction after a delay slot or
//! after one left to the interpreter) and end with a jump or branch and its delay slot. A block's
//! first instruction checks that the step budget covers the whole block and takes it at once;
//! every other way out of the block gives back the steps it did not run.
//!
//! A jump or branch is translated together with its delay slot, which runs after the branch has
//! read its operands and written its link register, exactly as the reference's two steps do; a
//! conditional branch gets one copy of the delay slot on each path. One whose delay slot is not a
//! plain instruction of the same page (a jump, a branch, a slow instruction, the next page) is left
//! to the interpreter, as is every instruction the decoder's fast form marks slow. Direct jumps
//! inside the page go straight to their target's code; `jr`/`jalr` into the page go through a
//! jump table; anything else returns to the dispatcher with the next pc.
//!
//! Registers while translated code runs: `rbx` the guest registers (`[u64; 32]`, with HI and LO
//! at fixed offsets from them in the thread), `r12` the [`Ctx`], `r15` the remaining step budget,
//! `r13` the target of a `jr`/`jalr` while its delay slot runs.

use super::Assembler;
use super::{Ctx, Exit, Helpers};
use crate::decode::{DecodedPage, Kind, Op, SINK};
use crate::thread::Thread;
use dynasmrt::{dynasm, DynamicLabel, DynasmApi, DynasmLabelApi};
use std::mem::offset_of;
use verdict_fpvm::code_arena::PageOffsets;
use verdict_fpvm::memory::PAGE_SIZE;

/// Instructions per page.
pub(crate) const OPS: usize = PAGE_SIZE / 4;

/// Translated code's entry point: runs from `target` (an address inside the translation).
type EnterFn = unsafe extern "sysv64" fn(ctx: *mut Ctx, regs: *mut u64, target: usize);

/// Offsets into [`Ctx`] used by the generated code.
pub(super) const REMAINING: i32 = offset_of!(Ctx, remaining) as i32;
pub(super) const PC: i32 = offset_of!(Ctx, pc) as i32;
pub(super) const NPC: i32 = offset_of!(Ctx, npc) as i32;
pub(super) const EXIT: i32 = offset_of!(Ctx, exit) as i32;
pub(super) const RESERVED: i32 = offset_of!(Ctx, reserved) as i32;
pub(super) const RTLB: i32 = offset_of!(Ctx, rtlb) as i32;
pub(super) const WTLB: i32 = offset_of!(Ctx, wtlb) as i32;
/// HI and LO from the start of the thread's registers.
pub(super) const HI: i32 = offset_of!(Thread, hi) as i32 - offset_of!(Thread, regs) as i32;
pub(super) const LO: i32 = offset_of!(Thread, lo) as i32 - offset_of!(Thread, regs) as i32;

/// The machine code of one page, in the JIT's code arena.
pub(crate) struct Translation {
    /// Where the dispatcher enters the code.
    enter: usize,
    /// Code address of each instruction that begins a block, or 0 (the dispatcher interprets it).
    entries: Box<[usize; OPS]>,
    /// The instructions that begin blocks.
    pub(crate) leaders: Box<[bool; OPS]>,
    /// Where a `jr`/`jalr` into this page goes: a block's code, or the exit that hands the
    /// target to the dispatcher. Read by the translated code itself.
    _jump_table: Box<[usize; OPS]>,
}

impl Translation {
    /// The code address for the instruction at `pc` (in this page), if it begins a block.
    pub(crate) fn entry(&self, pc: u64) -> Option<usize> {
        let target = self.entries[((pc >> 2) as usize) & (OPS - 1)];
        (target != 0).then_some(target)
    }

    /// Runs translated code from `target` (from [`Translation::entry`]) until it exits.
    ///
    /// # Safety
    /// The code must still be in the arena (no reset since it was placed); `ctx` must point to a
    /// valid context whose memory pointer is valid and not otherwise borrowed for the duration;
    /// `regs` to the registers of a [`Thread`] likewise.
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
        self.offsets.place(
            at,
            self.base,
            "mips64",
            &mut jump_table[..],
            &mut entries[..],
        );
        Translation {
            enter: at + self.enter,
            entries,
            leaders: self.leaders,
            _jump_table: jump_table,
        }
    }
}

/// A program counter an exit hands back: known at translation time, or the target of a
/// `jr`/`jalr` (in r13), or that plus 4.
#[derive(Clone, Copy, Debug)]
pub(super) enum Pc {
    At(u64),
    Target,
    AfterTarget,
}

impl Pc {
    /// The pc after this one.
    fn plus4(self) -> Pc {
        match self {
            Pc::At(pc) => Pc::At(pc.wrapping_add(4)),
            _ => Pc::AfterTarget,
        }
    }
}

/// Where an instruction is translated: its address, the pc after it (its next pc: the next
/// instruction, or a jump's target in a delay slot) and the steps of its block after it.
#[derive(Clone, Copy, Debug)]
pub(super) struct Site {
    pub here: u64,
    pub next: Pc,
    pub left: u64,
}

/// Code emitted after the page's body, reached only on rare paths.
pub(super) enum Stub {
    /// Leaves with `pc`, `npc` and `exit`, first giving back `refund` steps.
    Exit {
        label: DynamicLabel,
        pc: Pc,
        npc: Pc,
        exit: Exit,
        refund: u64,
    },
    /// A load the TLB could not serve: the helper computes it (address in rax).
    Load {
        label: DynamicLabel,
        back: DynamicLabel,
        kind: Kind,
        rt: u8,
        dst: u8,
    },
    /// A store the TLB could not serve: the helper does it (address in rax); if it says so,
    /// leave through `after`.
    Store {
        label: DynamicLabel,
        back: DynamicLabel,
        kind: Kind,
        rt: u8,
        after: DynamicLabel,
    },
}

/// The assembler of one page and its pending stubs.
pub(super) struct Emitter<'h> {
    pub a: Assembler,
    pub stubs: Vec<Stub>,
    pub helpers: &'h Helpers,
}

impl Emitter<'_> {
    /// A new exit stub's label.
    pub fn exit(&mut self, pc: Pc, npc: Pc, exit: Exit, refund: u64) -> DynamicLabel {
        let label = self.a.new_dynamic_label();
        self.stubs.push(Stub::Exit {
            label,
            pc,
            npc,
            exit,
            refund,
        });
        label
    }

    /// An exit that leaves the instruction at `site` to the interpreter.
    pub fn before(&mut self, site: Site) -> DynamicLabel {
        self.exit(Pc::At(site.here), site.next, Exit::Slow, site.left + 1)
    }

    /// An exit right after the instruction at `site`.
    pub fn after(&mut self, site: Site) -> DynamicLabel {
        self.exit(site.next, site.next.plus4(), Exit::Jump, site.left)
    }
}

/// Whether the instruction transfers control (and has a delay slot).
fn is_transfer(kind: Kind) -> bool {
    use Kind::*;
    matches!(
        kind,
        J | Jal | Jr | Jalr | Beq | Bne | Blez | Bgtz | Bltz | Bgez | Bltzal | Bgezal | BranchNever
    )
}

/// Whether translated code runs the instruction (in a delay slot too).
fn is_plain(kind: Kind) -> bool {
    kind != Kind::Slow && !is_transfer(kind)
}

/// The target of a direct jump or branch at `here`, if it has one.
fn direct_target(op: &Op, here: u64) -> Option<u64> {
    use Kind::*;
    match op.kind {
        J | Jal => Some((here.wrapping_add(4) & 0xffff_ffff_f000_0000) | op.imm as u32 as u64),
        Beq | Bne | Blez | Bgtz | Bltz | Bgez | Bltzal | Bgezal => {
            Some(here.wrapping_add(4).wrapping_add(op.imm64() << 2))
        }
        _ => None,
    }
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
    let index = |target: u64| ((target >> 2) as usize) & (OPS - 1);
    let in_page = |target: u64| target >> 12 == page;
    // What the interpreter runs: slow instructions, and transfers without a plain delay slot.
    let interpreted: Vec<bool> = (0..OPS)
        .map(|i| {
            let kind = ops[i].kind;
            kind == Kind::Slow
                || (is_transfer(kind) && (i + 1 == OPS || !is_plain(ops[i + 1].kind)))
        })
        .collect();
    let mut leader = Box::new(*entries);
    leader[0] = true;
    for (i, op) in ops.iter().enumerate() {
        if interpreted[i] && i + 1 < OPS {
            leader[i + 1] = true;
        }
        if is_transfer(op.kind) && i + 2 < OPS {
            leader[i + 2] = true;
        }
        if let Some(t) = direct_target(op, base + 4 * i as u64) {
            if in_page(t) {
                leader[index(t)] = true;
            }
        }
    }
    let block_len = |i: usize| -> u64 {
        let mut len = 0;
        let mut j = i;
        while !interpreted[j] {
            if is_transfer(ops[j].kind) {
                return len + 2;
            }
            len += 1;
            if j + 1 == OPS || leader[j + 1] {
                break;
            }
            j += 1;
        }
        len
    };

    let mut e = Emitter {
        // Sized for a typical page, so that the buffers rarely grow.
        a: Assembler::new_with_capacity(0, 96 << 10, 0, 0, 4 * OPS, 0, 4 * OPS),
        stubs: Vec::new(),
        helpers,
    };
    let labels: Vec<DynamicLabel> = (0..OPS).map(|_| e.a.new_dynamic_label()).collect();
    let jump_table: Box<[usize; OPS]> = Box::new([0; OPS]);
    let exit = e.a.new_dynamic_label();
    let indirect = e.a.new_dynamic_label();
    let exit_indirect = e.a.new_dynamic_label();
    let enter = e.a.offset().0;
    prologue(&mut e.a, exit, exit_indirect);
    emit_indirect(
        &mut e.a,
        indirect,
        exit_indirect,
        page,
        jump_table.as_ptr() as i64,
    );

    let mut left = 0u64;
    let mut flows = false;
    for i in 0..OPS {
        let op = ops[i];
        let here = base + 4 * i as u64;
        if !leader[i] && !flows {
            continue; // only ever a delay slot, translated with its jump or branch
        }
        if leader[i] {
            dynasm!(e.a ; =>labels[i]);
            left = block_len(i);
            if left > 0 {
                let out = e.exit(Pc::At(here), Pc::At(here + 4), Exit::Budget, 0);
                let len = left as i32;
                dynasm!(e.a
                    ; .arch x64
                    ; cmp r15, len
                    ; jb =>out
                    ; sub r15, len
                );
            }
        }
        if interpreted[i] {
            let out = e.exit(Pc::At(here), Pc::At(here + 4), Exit::Slow, 0);
            dynasm!(e.a ; .arch x64 ; jmp =>out);
            flows = false;
            continue;
        }
        if is_transfer(op.kind) {
            debug_assert_eq!(left, 2);
            left = 0;
            let goto = |e: &mut Emitter, t: u64| {
                let label = if in_page(t) {
                    labels[index(t)]
                } else {
                    e.exit(Pc::At(t), Pc::At(t.wrapping_add(4)), Exit::Jump, 0)
                };
                dynasm!(e.a ; .arch x64 ; jmp =>label);
            };
            e.transfer(op, ops[i + 1], here, indirect, goto);
            flows = false;
            continue;
        }
        left -= 1;
        e.plain(
            op,
            Site {
                here,
                next: Pc::At(here + 4),
                left,
            },
        );
        flows = true;
        if i + 1 == OPS {
            let next = base + PAGE_SIZE as u64;
            let out = e.exit(Pc::At(next), Pc::At(next + 4), Exit::Jump, 0);
            dynasm!(e.a ; .arch x64 ; jmp =>out);
        }
    }

    let Emitter {
        mut a,
        stubs,
        helpers,
    } = e;
    let stubs_start = a.offset().0;
    emit_stubs(&mut a, stubs, helpers, exit);
    let offsets = PageOffsets {
        // A label is bound only at a leader.
        blocks: labels
            .iter()
            .map(|label| a.labels().resolve_dynamic(*label).ok().map(|o| o.0))
            .collect(),
        enterable: (0..OPS).map(|i| leader[i] && !interpreted[i]).collect(),
        exit_indirect: a.labels().resolve_dynamic(exit_indirect).ok()?.0,
        stubs_start,
    };
    let code = a.finalize().ok()?;
    Some(Assembled {
        code,
        enter,
        offsets,
        leaders: leader,
        jump_table,
        base,
    })
}

/// The entry (save registers, load the context, jump to the target) and the common exit.
fn prologue(a: &mut Assembler, exit: DynamicLabel, exit_indirect: DynamicLabel) {
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
        ; jmp rdx
        ; =>exit
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
        ; mov QWORD [r12 + PC], rax
        ; add rax, 4
        ; mov QWORD [r12 + NPC], rax
        ; mov QWORD [r12 + EXIT], Exit::Jump as i32
        ; jmp =>exit
    );
}

/// The jump to the target in rax of a `jr`/`jalr`: through the jump table if it is an aligned
/// address in this page, else to the dispatcher.
fn emit_indirect(
    a: &mut Assembler,
    indirect: DynamicLabel,
    exit_indirect: DynamicLabel,
    page: u64,
    table: i64,
) {
    dynasm!(a
        ; .arch x64
        ; =>indirect
        ; test al, 3
        ; jnz =>exit_indirect
        ; mov rcx, rax
        ; shr rcx, 12
        ; mov rdx, QWORD page as i64
        ; cmp rcx, rdx
        ; jne =>exit_indirect
        ; mov ecx, eax
        ; and ecx, 0xffc
        ; mov rdx, QWORD table
        ; jmp QWORD [rdx + rcx * 2]
    );
}

impl Emitter<'_> {
    /// A jump or branch at `here` with its delay slot `delay` (a plain instruction); `goto`
    /// emits the jump to a known pc.
    fn transfer(
        &mut self,
        op: Op,
        delay: Op,
        here: u64,
        indirect: DynamicLabel,
        goto: impl Fn(&mut Emitter, u64),
    ) {
        use Kind::*;
        let slot = |next| Site {
            here: here + 4,
            next,
            left: 0,
        };
        let link = (here + 8) as i64;
        let ra = reg(verdict_mips64_consts::reg::RA as u8);
        match op.kind {
            J | Jal => {
                let target = direct_target(&op, here).expect("a direct jump");
                if op.kind == Jal {
                    dynasm!(self.a ; .arch x64 ; mov rax, QWORD link ; mov QWORD [rbx + ra], rax);
                }
                self.plain(delay, slot(Pc::At(target)));
                goto(self, target);
            }
            Jr | Jalr => {
                dynasm!(self.a ; .arch x64 ; mov r13, QWORD [rbx + reg(op.rs)]);
                if op.kind == Jalr && op.dst != SINK {
                    let rd = reg(op.dst);
                    dynasm!(self.a ; .arch x64 ; mov rax, QWORD link ; mov QWORD [rbx + rd], rax);
                }
                self.plain(delay, slot(Pc::Target));
                dynasm!(self.a ; .arch x64 ; mov rax, r13 ; jmp =>indirect);
            }
            BranchNever => {
                self.plain(delay, slot(Pc::At(here + 8)));
                goto(self, here + 8);
            }
            _ => {
                let target = direct_target(&op, here).expect("a branch");
                let taken = self.a.new_dynamic_label();
                dynasm!(self.a ; .arch x64 ; mov rax, QWORD [rbx + reg(op.rs)]);
                if matches!(op.kind, Bltzal | Bgezal) {
                    // mov leaves the flags alone; the condition reads rs from before the link.
                    dynasm!(self.a ; .arch x64 ; mov rcx, QWORD link ; mov QWORD [rbx + ra], rcx);
                }
                match op.kind {
                    Beq | Bne => dynasm!(self.a ; .arch x64 ; cmp rax, QWORD [rbx + reg(op.rt)]),
                    _ => dynasm!(self.a ; .arch x64 ; test rax, rax),
                }
                match op.kind {
                    Beq => dynasm!(self.a ; .arch x64 ; je =>taken),
                    Bne => dynasm!(self.a ; .arch x64 ; jne =>taken),
                    Blez => dynasm!(self.a ; .arch x64 ; jle =>taken),
                    Bgtz => dynasm!(self.a ; .arch x64 ; jg =>taken),
                    Bltz | Bltzal => dynasm!(self.a ; .arch x64 ; jl =>taken),
                    _ => dynasm!(self.a ; .arch x64 ; jge =>taken),
                }
                self.plain(delay, slot(Pc::At(here + 8)));
                goto(self, here + 8);
                dynasm!(self.a ; .arch x64 ; =>taken);
                self.plain(delay, slot(Pc::At(target)));
                goto(self, target);
            }
        }
    }
}

/// The byte offset of a guest register in the register file.
pub(super) fn reg(r: u8) -> i32 {
    8 * r as i32
}

/// Sets the context's `field` (an offset) to `pc`.
fn set_pc(a: &mut Assembler, field: i32, pc: Pc) {
    match pc {
        Pc::At(v) => {
            dynasm!(a ; .arch x64 ; mov rax, QWORD v as i64 ; mov QWORD [r12 + field], rax)
        }
        Pc::Target => dynasm!(a ; .arch x64 ; mov QWORD [r12 + field], r13),
        Pc::AfterTarget => {
            dynasm!(a ; .arch x64 ; lea rax, [r13 + 4] ; mov QWORD [r12 + field], rax)
        }
    }
}

fn emit_stubs(a: &mut Assembler, stubs: Vec<Stub>, helpers: &Helpers, exit: DynamicLabel) {
    let load = helpers.load as i64;
    let store = helpers.store as i64;
    for stub in stubs {
        match stub {
            Stub::Exit {
                label,
                pc,
                npc,
                exit: reason,
                refund,
            } => {
                dynasm!(a ; .arch x64 ; =>label);
                if refund > 0 {
                    dynasm!(a ; .arch x64 ; add r15, refund as i32);
                }
                set_pc(a, PC, pc);
                set_pc(a, NPC, npc);
                dynasm!(a
                    ; .arch x64
                    ; mov QWORD [r12 + EXIT], reason as i32
                    ; jmp =>exit
                );
            }
            Stub::Load {
                label,
                back,
                kind,
                rt,
                dst,
            } => {
                let kind = super::memory_kind_index(kind) as i32;
                let (rt, rd) = (reg(rt), reg(dst));
                dynasm!(a
                    ; .arch x64
                    ; =>label
                    ; mov rdi, r12
                    ; mov rsi, rax
                    ; mov rdx, QWORD [rbx + rt]
                    ; mov ecx, kind
                    ; mov rax, QWORD load
                    ; call rax
                    ; mov QWORD [rbx + rd], rax
                    ; jmp =>back
                );
            }
            Stub::Store {
                label,
                back,
                kind,
                rt,
                after,
            } => {
                let kind = super::memory_kind_index(kind) as i32;
                let rt = reg(rt);
                dynasm!(a
                    ; .arch x64
                    ; =>label
                    ; mov rdi, r12
                    ; mov rsi, rax
                    ; mov rdx, QWORD [rbx + rt]
                    ; mov ecx, kind
                    ; mov rax, QWORD store
                    ; call rax
                    ; test rax, rax
                    ; jz =>back
                    ; jmp =>after
                );
            }
        }
    }
}
