//! The JIT (x86-64 only): code pages translated into machine code, run by a dispatcher that hands
//! everything rare (syscalls, atomics, CSRs, the last steps of a budget, unaligned targets) to the
//! interpreter, so the reference's semantics still live in the generic step.
//!
//! Translated code reads and writes guest memory through two large TLBs in the [`Ctx`]: a read
//! entry (the page's host address less its guest address) for any allocated page, a write entry
//! (the page's address) only for a page already on the memory's dirty list, every chunk of it
//! marked dirty, and holding no decoded code. Each guest register also remembers the page its
//! last load through it found in the read TLB, so that a load in a short loop or through the
//! stack pointer finds its page without the TLB's lookup when it is the last one's. Misses go to
//! helpers that use the ordinary memory API and refill the TLBs. A write that reaches a code page
//! ends the translated run, and the dispatcher drops that page's code.

// dynasm's expansion of a register chosen at run time (`Rq(n)`) converts the u8 to itself.
#[allow(clippy::useless_conversion)]
mod alloc;
mod tlb;
#[allow(clippy::useless_conversion)]
mod translate;

use crate::decode::decode_page;
use crate::memory::Memory;
use crate::vm::Vm;
use crate::VmError;
use std::collections::HashMap;
use tlb::Tlbs;
use translate::{translate, Helpers, Translation};
use verdict_fpvm::code_arena::CodeSpace;
use verdict_preimage::Oracle;

/// The assembler translations are made with: into a buffer, then copied into the code arena.
type Assembler = dynasmrt::VecAssembler<dynasmrt::x64::X64Relocation>;

/// Instructions per page.
const OPS: usize = crate::memory::PAGE_SIZE / 4;
/// Steps the interpreter runs at a time on a page left to the generic step.
const INTERPRETED_RUN: u64 = 256;
/// Entries of the dispatcher's cache of recently entered pages.
const RECENT: usize = 256;
/// Bytes of the code arena (address space; memory is committed as code fills it). The fault proof
/// program fills about 21 MB on its largest fixture block; a full arena drops every translation.
const ARENA_BYTES: usize = 256 << 20;
/// Entries of the chain ([`Ctx::chain`]).
pub(crate) const CHAIN_ENTRIES: usize = 1024;

/// Why translated code returned to the dispatcher.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u64)]
pub(crate) enum Exit {
    /// Continue at `pc`.
    Jump = 0,
    /// The instruction at `pc` needs the generic step.
    Slow = 1,
    /// Fewer steps remain than the block at `pc` holds: interpret them.
    Budget = 2,
}

/// A block translated code may continue in when it jumps to another page: the block's pc, its
/// code address and its translation's chain entry ([`translate::Translation::chain_entry`]).
#[derive(Clone, Copy)]
#[repr(C)]
pub(crate) struct ChainEntry {
    pc: u64,
    code: usize,
    enter: usize,
    _pad: u64,
}

/// The chain's slot for a block at `pc`: the instruction index mixed with the page number, so
/// that the same place on different pages (page starts, say) gets different slots. The
/// translated code computes the same (see `translate`).
pub(crate) fn chain_slot(pc: u64) -> usize {
    (((pc >> 2) ^ (pc >> 12)) as usize) % CHAIN_ENTRIES
}

const NO_CHAIN: ChainEntry = ChainEntry {
    pc: u64::MAX,
    code: 0,
    enter: 0,
    _pad: 0,
};

/// What translated code and its helpers share with the dispatcher.
#[repr(C)]
pub(crate) struct Ctx {
    remaining: u64,
    pc: u64,
    exit: u64,
    memory: *mut Memory,
    /// Dirty pages at which a store ends the translated run so the dispatcher can start hashing in
    /// the background (0: never).
    background_pages: u64,
    tlb: Tlbs,
    /// Blocks translated code jumps straight into when it leaves its page, direct-mapped by pc
    /// ([`chain_slot`]): every block the dispatcher has entered since its translation was made.
    /// An entry lives exactly as long as its translation ([`Jit::forget`], [`Jit::clear`] and
    /// retranslation drop it), so translated code never enters freed code; the block checks the
    /// step budget itself, so steps are counted as through the dispatcher.
    chain: [ChainEntry; CHAIN_ENTRIES],
}

impl Ctx {
    /// A context with empty TLBs and chain, made in place (it is too large for the stack).
    fn new() -> Box<Ctx> {
        let mut ctx = Box::<Ctx>::new_zeroed();
        let p = ctx.as_mut_ptr();
        // SAFETY: zero is a valid value of every field but the TLBs and the chain, which are
        // made here before the box is taken as initialized.
        unsafe {
            Tlbs::init_zeroed(std::ptr::addr_of_mut!((*p).tlb));
            let chain = std::ptr::addr_of_mut!((*p).chain).cast::<ChainEntry>();
            for i in 0..CHAIN_ENTRIES {
                chain.add(i).write(NO_CHAIN);
            }
            ctx.assume_init()
        }
    }

    /// Drops the chain's entries for blocks of `page`.
    fn unchain(&mut self, page: u64) {
        for e in self.chain.iter_mut().filter(|e| e.pc >> 12 == page) {
            *e = NO_CHAIN;
        }
    }

    /// Puts `page` in the write TLB if translated code may write it, every chunk of it marked
    /// dirty (translated stores do not mark their chunks); returns its address if so.
    fn fill_write(&mut self, memory: &mut Memory, page: u64) -> Option<*mut u8> {
        let p = memory.writable_page_for_jit(page)?;
        self.tlb.fill_write(page, p);
        Some(p)
    }

    /// Drops the pages whose addresses may have gone stale since the TLBs were filled (a copy on
    /// write, a page becoming code, pages leaving the dirty list), if any did.
    fn check_stale(&mut self, memory: &mut Memory) {
        if memory.has_stale_pages() {
            self.sync_pages(memory);
        }
    }

    /// Drops the pages the memory reports stale (see [`Memory::stale_pages`]).
    fn sync_pages(&mut self, memory: &mut Memory) {
        self.tlb.sync(memory);
    }
}

/// Reads for translated code when its TLB misses; refills the read TLB, and the write TLB too if
/// the page may be written directly.
unsafe extern "sysv64" fn load(ctx: *mut Ctx, addr: u64, size: u64) -> u64 {
    let ctx = &mut *ctx;
    let memory = &mut *ctx.memory;
    let value = memory.read_le(addr, size as usize);
    let page = addr >> 12;
    // Reads are often followed by writes to the same page (read-modify-write): a page the
    // translated code may write goes into both TLBs.
    if let Some((p, writable)) = memory.page_for_jit(page) {
        ctx.tlb.fill_read(page, p);
        if writable {
            ctx.fill_write(memory, page);
        }
    }
    value
}

/// Writes for translated code when its TLB misses; refills both TLBs. Returns 1 to end the
/// translated run after this store: the write reached a page holding decoded code, memory grew
/// past its limit, or enough pages are dirty for the dispatcher to hand them to the background
/// hasher.
unsafe extern "sysv64" fn store(ctx: *mut Ctx, addr: u64, size: u64, value: u64) -> u64 {
    let ctx = &mut *ctx;
    let memory = &mut *ctx.memory;
    memory.write_le(addr, size as usize, value);
    ctx.check_stale(memory);
    if memory.code_was_written()
        || memory.over_limit()
        || (ctx.background_pages != 0
            && memory.dirty_page_count() as u64 >= ctx.background_pages
            && memory.background_idle())
    {
        return 1;
    }
    let page = addr >> 12;
    if let Some(p) = ctx.fill_write(memory, page) {
        ctx.tlb.fill_read(page, p);
    }
    0
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
    /// Times the dispatcher has entered translated code.
    runs: u64,
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
            ctx: Ctx::new(),
            helpers: Helpers {
                load: load as *const () as usize,
                store: store as *const () as usize,
            },
            runs: 0,
        }
    }
}

impl Jit {
    /// Whether `run` uses translated code.
    pub(crate) fn enabled(&self) -> bool {
        self.enabled
    }

    /// Times the dispatcher has entered translated code (each entry may run many blocks).
    pub(crate) fn runs(&self) -> u64 {
        self.runs
    }

    /// Turns translation on or off.
    pub(crate) fn set_enabled(&mut self, on: bool) {
        self.enabled = on;
    }

    /// Makes the code arena `bytes` large from the next translation on (every translation goes).
    pub(crate) fn set_arena_bytes(&mut self, bytes: usize) {
        self.forget_translations();
        self.code_space.resize(bytes);
    }

    /// Drops the code of `page` (it was written).
    pub(crate) fn forget(&mut self, page: u64) {
        self.translations.remove(&page);
        self.ctx.unchain(page);
        let slot = &mut self.recent[page as usize % RECENT];
        if slot.0 == page {
            *slot = (u64::MAX, std::ptr::null());
        }
    }

    /// Drops every translation and page address (they belong to another memory now).
    pub(crate) fn clear(&mut self) {
        self.ctx.tlb.forget_all();
        self.forget_translations();
        self.code_space.clear();
    }

    /// Drops every translation (not their code: see [`CodeSpace`]).
    fn forget_translations(&mut self) {
        self.translations.clear();
        self.recent.fill((u64::MAX, std::ptr::null()));
        self.ctx.chain.fill(NO_CHAIN);
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
            if !self.jit.enabled {
                remaining -= self.interpret(remaining)?;
                continue;
            }
            self.maybe_rehash_in_background();
            let pc = self.state.pc;
            let entry = if pc & 3 == 0 {
                self.jit_entry(pc)
            } else {
                None
            };
            // Anything but translated code (the interpreter, translating, handing pages to the
            // hasher) may have made page addresses stale.
            self.jit.ctx.check_stale(&mut self.state.memory);
            let Some((translation, target)) = entry else {
                // Not translated code: one step, or a stretch on a page rewritten so often that it
                // is left to the generic step.
                let steps = if self.code.unstable(pc >> 12) {
                    INTERPRETED_RUN
                } else {
                    1
                };
                remaining -= self.interpret(remaining.min(steps))?;
                continue;
            };
            self.jit.runs += 1;
            // Translated code leaving another page for pc may continue here from now on.
            // SAFETY: the translation is alive (see below).
            self.jit.ctx.chain[chain_slot(pc)] = ChainEntry {
                pc,
                code: target,
                enter: unsafe { (*translation).chain_entry() },
                _pad: 0,
            };
            let ctx: *mut Ctx = &mut *self.jit.ctx;
            // SAFETY: the translation is alive (only `forget`, below, drops one); the memory and
            // registers are not touched by anything else while the translated code runs.
            unsafe {
                (*ctx).remaining = remaining;
                (*ctx).memory = &mut self.state.memory;
                (*ctx).background_pages = self.background_pages as u64;
                (*translation).run(ctx, self.state.regs.as_mut_ptr(), target);
            }
            let ctx = &*self.jit.ctx;
            self.state.step += remaining - ctx.remaining;
            remaining = ctx.remaining;
            self.state.pc = ctx.pc;
            let exit = ctx.exit;
            if self.state.memory.code_was_written() {
                self.forget_written_code();
            }
            if exit == Exit::Slow as u64 && remaining > 0 {
                remaining -= self.interpret(1)?;
            } else if exit == Exit::Budget as u64 {
                remaining -= self.interpret(remaining)?;
            }
        }
        Ok(())
    }

    /// Runs up to `n` steps on the interpreter; returns the steps run.
    fn interpret(&mut self, n: u64) -> Result<u64, VmError> {
        let before = self.state.step;
        self.run_decoded(n)?;
        Ok(self.state.step - before)
    }

    /// The translation holding `pc` and the code address to enter it at. A page is translated on
    /// first entry, and again when entered in the middle of one of its blocks (a jump from another
    /// page), with a block beginning there. None if the interpreter must run the instruction.
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
            return Some((translation, target));
        }
        let idx = ((pc >> 2) as usize) % OPS;
        // SAFETY: as above.
        let mut entries: [bool; OPS] = unsafe { *(*translation).leaders };
        if entries[idx] {
            return None; // a slow instruction
        }
        entries[idx] = true;
        let translation = self.translate(page, &entries)?;
        self.jit.recent[slot] = (page, translation);
        // SAFETY: just made.
        unsafe { (*translation).entry(pc) }.map(|target| (translation, target))
    }

    /// Translates `page` (replacing any earlier translation) with blocks beginning at `entries`.
    /// Making room in the code arena may drop every other translation.
    fn translate(&mut self, page: u64, entries: &[bool; OPS]) -> Option<*const Translation> {
        let data = self.state.memory.page_data(page)?;
        let ops = decode_page(Some(data));
        let placed = translate(page, &ops, entries, &self.jit.helpers).and_then(|assembled| {
            let at = self.jit.place(&assembled.code)?;
            Some(assembled.place(at))
        });
        let Some(t) = placed else {
            self.jit.enabled = false; // no executable memory: interpret from now on
            return None;
        };
        self.state.memory.mark_code(page);
        // The translation this one replaces is freed: no chain may lead into it.
        self.jit.ctx.unchain(page);
        let t = Box::new(t);
        let ptr = &*t as *const Translation;
        self.jit.translations.insert(page, t);
        Some(ptr)
    }
}
