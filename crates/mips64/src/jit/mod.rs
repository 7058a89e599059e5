//! The JIT (x86-64 only): MIPS64 code pages translated into machine code, run by a dispatcher
//! that hands everything rare to the interpreter (and through it to the reference step): syscalls,
//! LL/SC, divisions, reverting encodings, preemptions and exited threads, a jump or branch whose
//! delay slot is not a plain instruction of the same page, a state in a delay slot, the last
//! steps of a budget. The reference's semantics still live in one place.
//!
//! Translated code reads and writes guest memory through two small TLBs of page addresses in the
//! [`Ctx`]: a read entry for any allocated page, a write entry only for a page already on the
//! memory's dirty list and holding no decoded code (the code sets the chunk's dirty byte itself).
//! Misses, and the unaligned loads and stores, go to helpers on the ordinary memory API that
//! compute with [`alu`](crate::alu). A write that reaches a code page ends the translated run, and
//! the dispatcher drops that page's code. A store to the word of the LL reservation is left to
//! the interpreter (it clears the reservation).

mod emit;
mod translate;

use crate::alu;
use crate::decode::Kind;
use crate::error::VmError;
use crate::step::{read_word, write_word};
use crate::thread::Thread;
use crate::vm::Vm;
use std::collections::HashMap;
use std::mem::offset_of;
use translate::{translate, Translation, OPS};
use verdict_fpvm::code_arena::CodeSpace;
use verdict_fpvm::Memory;
use verdict_mips64_consts::SCHED_QUANTUM;
use verdict_preimage::Oracle;

/// Entries of each TLB.
const TLB_ENTRIES: usize = 1024;
/// Bytes of the code arena (address space; memory is committed as code fills it); a full arena
/// drops every translation.
const ARENA_BYTES: usize = 256 << 20;

/// The assembler translations are made with: into a buffer, then copied into the code arena.
type Assembler = dynasmrt::VecAssembler<dynasmrt::x64::X64Relocation>;
/// Steps the interpreter runs at a time on a page left to the reference step.
const INTERPRETED_RUN: u64 = 256;
/// Entries of the dispatcher's cache of recently entered pages.
const RECENT: usize = 256;

/// Why translated code returned to the dispatcher.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u64)]
pub(crate) enum Exit {
    /// Continue at `pc` (a block boundary: `npc = pc + 4`).
    Jump = 0,
    /// The instruction at `pc` (with `npc`) needs the interpreter.
    Slow = 1,
    /// Fewer steps remain than the block at `pc` holds: interpret them.
    Budget = 2,
}

/// A TLB entry: a page number and the address of its page.
#[derive(Clone, Copy)]
#[repr(C)]
pub(crate) struct TlbEntry {
    tag: u64,
    page: *mut u8,
}

const EMPTY: TlbEntry = TlbEntry {
    tag: u64::MAX,
    page: std::ptr::null_mut(),
};

/// What translated code and its helpers share with the dispatcher.
#[repr(C)]
pub(crate) struct Ctx {
    /// Steps translated code may still run.
    remaining: u64,
    /// The thread's pc and next pc at the exit.
    pc: u64,
    npc: u64,
    /// The [`Exit`] reason.
    exit: u64,
    /// The 8-aligned word of the LL reservation a store must leave to the interpreter, u64::MAX
    /// if none (a store there clears the reservation).
    reserved: u64,
    memory: *mut Memory,
    /// Dirty pages at which a store ends the translated run so the dispatcher can start hashing in
    /// the background (0: never).
    background_pages: u64,
    rtlb: [TlbEntry; TLB_ENTRIES],
    wtlb: [TlbEntry; TLB_ENTRIES],
}

impl Ctx {
    /// Empties both TLBs.
    fn forget_pages(&mut self) {
        self.rtlb = [EMPTY; TLB_ENTRIES];
        self.wtlb = [EMPTY; TLB_ENTRIES];
    }

    /// Drops the pages whose addresses may have gone stale since the TLBs were filled (a copy on
    /// write, a page becoming code, pages leaving the dirty list), if any did.
    fn check_stale(&mut self, memory: &mut Memory) {
        if memory.has_stale_pages() {
            self.sync_pages(memory);
        }
    }

    /// Drops the pages the memory reports stale (every page, if it cannot tell; see
    /// [`Memory::stale_pages`]).
    fn sync_pages(&mut self, memory: &mut Memory) {
        match memory.stale_pages() {
            Some(pages) => {
                for page in pages {
                    let slot = page as usize % TLB_ENTRIES;
                    for entry in [&mut self.rtlb[slot], &mut self.wtlb[slot]] {
                        if entry.tag == page {
                            *entry = EMPTY;
                        }
                    }
                }
            }
            None => self.forget_pages(),
        }
    }

    /// Refills the TLB entries of `page`; the write entry only if it may be written directly,
    /// every chunk of it marked dirty (translated stores do not mark their chunks).
    fn refill(&mut self, memory: &mut Memory, page: u64) {
        let slot = page as usize % TLB_ENTRIES;
        if let Some((p, _)) = memory.page_for_jit(page) {
            self.rtlb[slot] = TlbEntry { tag: page, page: p };
        }
        if let Some(p) = memory.writable_page_for_jit(page) {
            self.wtlb[slot] = TlbEntry { tag: page, page: p };
        }
    }
}

/// The loads and stores the helpers compute, by the index translated code passes.
pub(crate) const MEMORY_KINDS: [Kind; 19] = {
    use Kind::*;
    [
        Lb, Lh, Lw, Ld, Lbu, Lhu, Lwu, Lwl, Lwr, Ldl, Ldr, Sb, Sh, Sw, Sd, Swl, Swr, Sdl, Sdr,
    ]
};

/// The index of a load or store in [`MEMORY_KINDS`].
pub(crate) fn memory_kind_index(kind: Kind) -> u64 {
    MEMORY_KINDS
        .iter()
        .position(|&k| k == kind)
        .expect("a load or store") as u64
}

/// A load for translated code (a TLB miss or an unaligned load): the value for the register,
/// `rt` its old value. Refills the TLBs.
unsafe extern "sysv64" fn load(ctx: *mut Ctx, addr: u64, rt: u64, kind: u64) -> u64 {
    let ctx = &mut *ctx;
    let memory = &mut *ctx.memory;
    let mem = read_word(memory, addr & !7);
    ctx.refill(memory, addr >> 12);
    alu::load_result(MEMORY_KINDS[kind as usize], addr, mem, rt)
}

/// A store for translated code (a TLB miss or an unaligned store) of `rt`. Returns 1 to end the
/// translated run after this store: the write reached a page holding decoded code, memory grew
/// past its limit, or enough pages are dirty for the dispatcher to hand them to the background
/// hasher.
unsafe extern "sysv64" fn store(ctx: *mut Ctx, addr: u64, rt: u64, kind: u64) -> u64 {
    let ctx = &mut *ctx;
    let memory = &mut *ctx.memory;
    let word = addr & !7;
    let mem = read_word(memory, word);
    write_word(
        memory,
        word,
        alu::store_result(MEMORY_KINDS[kind as usize], addr, mem, rt),
    );
    ctx.check_stale(memory);
    if memory.code_was_written()
        || memory.over_limit()
        || (ctx.background_pages != 0
            && memory.dirty_page_count() as u64 >= ctx.background_pages
            && memory.background_idle())
    {
        return 1;
    }
    ctx.refill(memory, addr >> 12);
    0
}

/// `clz`, `clo`, `dclz`, `dclo` for translated code, by [`Kind`] index 0..4.
unsafe extern "sysv64" fn count(a: u64, which: u64) -> u64 {
    match which {
        0 => alu::clz(a),
        1 => alu::clo(a),
        2 => alu::dclz(a),
        _ => alu::dclo(a),
    }
}

/// Addresses of the functions translated code calls.
pub(crate) struct Helpers {
    /// `(ctx, addr, rt, kind) -> value`.
    pub load: usize,
    /// `(ctx, addr, rt, kind) -> 1 to end the run`.
    pub store: usize,
    /// `(a, which) -> leading zeros or ones`.
    pub count: usize,
}

/// Translated pages of one memory, and the state the translated code runs with.
pub(crate) struct Jit {
    enabled: bool,
    /// Where the translations' code lives.
    pub(crate) code_space: CodeSpace,
    translations: HashMap<u64, Box<Translation>>,
    /// Recently entered pages, direct-mapped by page number.
    recent: Box<[(u64, *const Translation); RECENT]>,
    ctx: Box<Ctx>,
    helpers: Helpers,
    /// Whether the interpreter ran the last steps: the pc may then be inside a block (after a
    /// preemption or the end of a budget), where the interpreter goes on to the next block
    /// instead of translating the page again with an entry there.
    resumed: bool,
}

// SAFETY: the raw pointers (into the translations, the memory and its pages) are only followed
// inside `Vm::run_jit`, which holds the VM mutably; they are refreshed on every run.
unsafe impl Send for Jit {}

impl Default for Jit {
    fn default() -> Self {
        Jit {
            enabled: std::env::var("VERDICT_JIT").as_deref() != Ok("0"),
            code_space: CodeSpace::new(ARENA_BYTES),
            translations: HashMap::new(),
            recent: Box::new([(u64::MAX, std::ptr::null()); RECENT]),
            resumed: false,
            ctx: Box::new(Ctx {
                remaining: 0,
                pc: 0,
                npc: 0,
                exit: 0,
                reserved: u64::MAX,
                memory: std::ptr::null_mut(),
                background_pages: 0,
                rtlb: [EMPTY; TLB_ENTRIES],
                wtlb: [EMPTY; TLB_ENTRIES],
            }),
            helpers: Helpers {
                load: load as *const () as usize,
                store: store as *const () as usize,
                count: count as *const () as usize,
            },
        }
    }
}

impl Jit {
    /// Whether `run` uses translated code.
    pub(crate) fn enabled(&self) -> bool {
        self.enabled
    }

    /// Turns translation on or off.
    pub(crate) fn set_enabled(&mut self, on: bool) {
        self.enabled = on;
    }

    /// Drops the code of `page` (it was written).
    pub(crate) fn forget(&mut self, page: u64) {
        self.translations.remove(&page);
        let slot = &mut self.recent[page as usize % RECENT];
        if slot.0 == page {
            *slot = (u64::MAX, std::ptr::null());
        }
    }

    /// Drops every translation and page address (they belong to another memory now).
    pub(crate) fn clear(&mut self) {
        self.ctx.forget_pages();
        self.forget_translations();
        self.code_space.clear();
    }

    /// Makes the code arena `bytes` large from the next translation on (every translation goes).
    pub(crate) fn set_arena_bytes(&mut self, bytes: usize) {
        self.forget_translations();
        self.code_space.resize(bytes);
    }

    /// Drops every translation (not their code: see [`CodeSpace`]).
    fn forget_translations(&mut self) {
        self.translations.clear();
        self.recent.fill((u64::MAX, std::ptr::null()));
    }

    /// Copies `code` into the code space; if that emptied the arena to make room, every
    /// translation goes. None if no executable memory can be had.
    fn place(&mut self, code: &[u8]) -> Option<usize> {
        let placed = self.code_space.place(code)?;
        if placed.emptied {
            self.forget_translations();
        }
        Some(placed.at)
    }
}

impl<O: Oracle> Vm<O> {
    /// Runs up to `n` steps on translated code (the interpreter takes what it cannot).
    pub(crate) fn run_jit(&mut self, n: u64) -> Result<(), VmError> {
        // Pages that went stale since the last run (a clone in between shares every page).
        self.jit.ctx.sync_pages(&mut self.state.memory);
        let mut remaining = n;
        while remaining > 0 && !self.state.exited && !self.halted && !self.state.memory.over_limit()
        {
            self.maybe_rehash_in_background();
            let Some((pc, quantum_left)) = self.translatable_step() else {
                remaining -= self.interpret(1)?;
                continue;
            };
            let entry = self.jit_entry(pc);
            // Anything but translated code (the interpreter, translating, handing pages to the
            // hasher) may have made page addresses stale.
            self.jit.ctx.check_stale(&mut self.state.memory);
            let Some((translation, target)) = entry else {
                // Not translated code: one step, or a stretch on a page rewritten so often that it
                // is left to the reference step.
                let steps = if self.code.unstable(pc >> 12) {
                    INTERPRETED_RUN
                } else {
                    1
                };
                remaining -= self.interpret(remaining.min(steps))?;
                continue;
            };
            let budget = remaining.min(quantum_left);
            let s = &self.state;
            self.jit.ctx.reserved = if s.ll_status == 0 && s.ll_address == 0 && s.ll_owner == 0 {
                u64::MAX
            } else {
                s.ll_address & !7
            };
            let ctx: *mut Ctx = &mut *self.jit.ctx;
            let thread: *mut Thread = self.state.current_mut().expect("checked above");
            // SAFETY: in bounds of the thread; HI and LO are reached from here too.
            let regs = unsafe {
                thread
                    .cast::<u8>()
                    .add(offset_of!(Thread, regs))
                    .cast::<u64>()
            };
            // SAFETY: the translation is alive (only `forget`, below, drops one); the memory and
            // the thread are not touched by anything else while the translated code runs, and the
            // thread stays where it is (no thread is pushed or popped meanwhile).
            unsafe {
                (*ctx).remaining = budget;
                (*ctx).memory = &mut self.state.memory;
                (*ctx).background_pages = self.background_pages as u64;
                (*translation).run(ctx, regs, target);
            }
            let ctx = &*self.jit.ctx;
            let done = budget - ctx.remaining;
            let (pc, npc, exit, left) = (ctx.pc, ctx.npc, ctx.exit, ctx.remaining);
            self.state.step += done;
            self.state.steps_since_switch += done;
            remaining -= done;
            let thread = self.state.current_mut().expect("still active");
            (thread.pc, thread.next_pc) = (pc, npc);
            if self.state.memory.code_was_written() {
                self.forget_written_code();
            }
            if exit == Exit::Slow as u64 && remaining > 0 {
                remaining -= self.interpret(1)?;
            } else if exit == Exit::Budget as u64 {
                remaining -= self.interpret(left)?;
            }
        }
        Ok(())
    }

    /// The pc of the active thread and the steps left in its quantum, if its next step may run
    /// on translated code: an instruction (no preemption, no exited thread) at an aligned pc,
    /// outside a delay slot.
    fn translatable_step(&self) -> Option<(u64, u64)> {
        let t = self.state.current()?;
        let since = self.state.steps_since_switch;
        let translatable = !t.exited
            && since < SCHED_QUANTUM
            && t.pc & 3 == 0
            && t.next_pc == t.pc.wrapping_add(4);
        // Not `then_some`: the quantum's rest exists only when `since` is below it.
        translatable.then(|| (t.pc, SCHED_QUANTUM - since))
    }

    /// Runs up to `n` steps on the interpreter; returns the steps run.
    fn interpret(&mut self, n: u64) -> Result<u64, VmError> {
        self.jit.resumed = true;
        let before = self.state.step;
        self.run_decoded(n)?;
        Ok(self.state.step - before)
    }

    /// The translation holding `pc` and the code address to enter it at. A page is translated on
    /// first entry, and again when entered in the middle of one of its blocks (a jump from another
    /// page), with a block beginning there; but not right after the interpreter ran (a preemption
    /// or a budget's end stops anywhere): the interpreter then runs on to the next block. None if
    /// the interpreter must run the instruction.
    fn jit_entry(&mut self, pc: u64) -> Option<(*const Translation, usize)> {
        let page = pc >> 12;
        let slot = page as usize % RECENT;
        let (tag, cached) = self.jit.recent[slot];
        let translation = if tag == page {
            cached
        } else {
            let t = match self.jit.translations.get(&page) {
                Some(t) => &**t as *const Translation,
                None if self.code.unstable(page) => return None,
                None => self.translate(page, &[false; OPS])?,
            };
            self.jit.recent[slot] = (page, t);
            t
        };
        // SAFETY: `recent` holds only live translations (`forget` and `clear` remove them).
        if let Some(target) = unsafe { (*translation).entry(pc) } {
            self.jit.resumed = false;
            return Some((translation, target));
        }
        if self.jit.resumed {
            return None; // inside a block: the interpreter runs on to the next one
        }
        let idx = ((pc >> 2) as usize) % OPS;
        // SAFETY: as above.
        let mut entries: [bool; OPS] = unsafe { *(*translation).leaders };
        if entries[idx] {
            return None; // an instruction for the interpreter
        }
        entries[idx] = true;
        let translation = self.translate(page, &entries)?;
        self.jit.resumed = false;
        self.jit.recent[slot] = (page, translation);
        // SAFETY: just made.
        unsafe { (*translation).entry(pc) }.map(|target| (translation, target))
    }

    /// Translates `page` (replacing any earlier translation) with blocks beginning at `entries`.
    /// Making room in the code arena may drop every other translation.
    fn translate(&mut self, page: u64, entries: &[bool; OPS]) -> Option<*const Translation> {
        let data = self.state.memory.page_data(page)?;
        let ops = crate::decode::decode_page(Some(data));
        let placed = translate(page, &ops, entries, &self.jit.helpers).and_then(|assembled| {
            let at = self.jit.place(&assembled.code)?;
            Some(assembled.place(at))
        });
        let Some(t) = placed else {
            self.jit.enabled = false; // no executable memory: interpret from now on
            return None;
        };
        self.state.memory.mark_code(page);
        let t = Box::new(t);
        let ptr = &*t as *const Translation;
        self.jit.translations.insert(page, t);
        Some(ptr)
    }
}
