//! Loading a static 64-bit big-endian MIPS ELF into the initial state exactly as `cannon load-elf
//! --type multithreaded64-5` does (§11): segments into memory, then the initial stack. There are
//! no Go runtime patches for the multithreaded VM.

use crate::state::State;
use verdict_fpvm::memory::PAGE_SIZE;
use verdict_mips64_consts::{layout, reg};

pub use verdict_fpvm::elf::{machine, ElfError, EM_MIPS};
use verdict_fpvm::elf::{ByteOrder, Elf64, Target, PT_PROCESSOR_INFO};

/// The MIPS ABI flags segment (`PT_MIPS_ABIFLAGS`): not loaded.
const PT_MIPS_ABIFLAGS: u32 = PT_PROCESSOR_INFO;

/// A symbol of the ELF's symbol table.
pub use verdict_fpvm::meta::Symbol;

/// A parsed MIPS ELF (64-bit, big-endian): entry point, segments and symbols.
pub struct Elf<'a>(Elf64<'a>);

impl<'a> std::ops::Deref for Elf<'a> {
    type Target = Elf64<'a>;
    fn deref(&self) -> &Elf64<'a> {
        &self.0
    }
}

impl<'a> Elf<'a> {
    /// Parses the headers of a MIPS64 ELF file.
    pub fn parse(bytes: &'a [u8]) -> Result<Self, ElfError> {
        let target = Target {
            machine: EM_MIPS,
            order: ByteOrder::Big,
        };
        Elf64::parse(bytes, target).map(Elf)
    }

    /// Loads the segments into the initial state (one thread at the entry point), refusing an
    /// ELF whose segments need more than `limit` bytes of memory before allocating any; the
    /// state keeps `limit` as its memory limit.
    pub fn load_limited(&self, limit: u64) -> Result<State, ElfError> {
        let mut state = State::new(self.entry);
        state.memory.set_limit(limit);
        let pages: u64 = self
            .segments
            .iter()
            .filter(|s| s.kind != PT_MIPS_ABIFLAGS && s.mem_size > 0)
            .filter_map(|s| {
                let last = s.vaddr.checked_add(s.mem_size - 1)?;
                Some((last >> 12) - (s.vaddr >> 12) + 1)
            })
            .fold(0u64, u64::saturating_add);
        if pages.saturating_mul(PAGE_SIZE as u64) > limit {
            return Err(ElfError::TooLarge {
                bytes: pages.saturating_mul(PAGE_SIZE as u64),
                limit,
            });
        }
        for (index, seg) in self.segments.iter().enumerate() {
            if seg.kind == PT_MIPS_ABIFLAGS {
                continue;
            }
            self.check_sizes(index)?;
            let bad = |reason: String| ElfError::BadSegment { index, reason };
            if seg.mem_size == 0 {
                continue;
            }
            match seg.vaddr.checked_add(seg.mem_size - 1) {
                Some(last) if last < layout::HEAP_START => {}
                Some(last) if last < layout::ADDRESS_LIMIT => {
                    return Err(bad(format!(
                        "{:#x}..={last:#x} overlaps the heap at {:#x}",
                        seg.vaddr,
                        layout::HEAP_START
                    )))
                }
                _ => {
                    return Err(bad(format!(
                        "{:#x} + {:#x} bytes is outside the 48-bit address space",
                        seg.vaddr, seg.mem_size
                    )))
                }
            }
            state.memory.write(seg.vaddr, self.data(seg)?);
            zero_fill(
                &mut state,
                seg.vaddr + seg.file_size,
                seg.mem_size - seg.file_size,
            );
        }
        Ok(state)
    }
}

/// Writes `len` zero bytes at `addr` as the reference does: over existing pages, and allocating
/// the pages it touches.
fn zero_fill(state: &mut State, addr: u64, len: u64) {
    let zeros = [0u8; PAGE_SIZE];
    let end = addr + len;
    let mut at = addr;
    while at < end {
        let n = ((PAGE_SIZE as u64 - (at & (PAGE_SIZE as u64 - 1))).min(end - at)) as usize;
        if state.memory.has_page(at >> 12) {
            state.memory.write(at, &zeros[..n]);
        } else {
            state.memory.ensure_page(at);
        }
        at += n as u64;
    }
}

/// The initial stack (§11.4): five pages around sp, argc/argv/envp/auxv, the AT_RANDOM bytes,
/// `GODEBUG=memprofilerate=0` and the program name `op-program`.
pub fn patch_stack(state: &mut State) {
    let sp = layout::STACK_POINTER;
    state
        .memory
        .write(sp - 4 * PAGE_SIZE as u64, &[0u8; 5 * PAGE_SIZE]);
    if let Some(t) = state.current_mut() {
        t.regs[reg::SP] = sp;
    }
    let random = sp + 80;
    state.memory.write(random, b"4;byfairdiceroll");
    let env = random + 16;
    state
        .memory
        .write(env, b"GODEBUG=memprofilerate=0\0\0\0\0\0\0\0\0");
    let argv0 = env + 32;
    state.memory.write(argv0, b"op-program\0\0\0\0\0\0");
    let words = [1, argv0, 0, env, 0, 6, 4096, 25, random, 0];
    for (i, w) in words.iter().enumerate() {
        state.memory.write(sp + 8 * i as u64, &w.to_be_bytes());
    }
}

/// Loads an ELF into the initial state exactly as the reference's `load-elf` does.
pub fn load_elf(bytes: &[u8]) -> Result<State, ElfError> {
    load_elf_limited(bytes, verdict_fpvm::memory::DEFAULT_MEMORY_LIMIT)
}

/// [`load_elf`] with a memory limit (bytes) for the segments and for the runs of the state.
pub fn load_elf_limited(bytes: &[u8], limit: u64) -> Result<State, ElfError> {
    let elf = Elf::parse(bytes)?;
    let mut state = elf.load_limited(limit)?;
    patch_stack(&mut state);
    Ok(state)
}

#[cfg(test)]
mod tests;
