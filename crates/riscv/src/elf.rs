//! Loading a static 64-bit little-endian RISC-V ELF into an initial VM state, as the reference does:
//! segments into memory, the Go runtime patches, and the initial stack with its auxiliary vector.

use crate::state::{State, STACK_POINTER};

pub use verdict_fpvm::elf::ElfError;
use verdict_fpvm::elf::{ByteOrder, Elf64, Target, EM_RISCV, PT_PROCESSOR_INFO};

/// A symbol of the ELF's symbol table.
pub use verdict_fpvm::meta::Symbol;

/// The RISC-V attributes segment (`PT_RISCV_ATTRIBUTES`): not loaded.
const PT_RISCV_ATTRIBUTES: u32 = PT_PROCESSOR_INFO;

/// A parsed RISC-V ELF (64-bit, little-endian): entry point, loadable segments and symbols.
pub struct Elf<'a>(Elf64<'a>);

impl<'a> std::ops::Deref for Elf<'a> {
    type Target = Elf64<'a>;
    fn deref(&self) -> &Elf64<'a> {
        &self.0
    }
}

impl<'a> Elf<'a> {
    /// Parses the headers of a RISC-V ELF file.
    pub fn parse(bytes: &'a [u8]) -> Result<Self, ElfError> {
        let target = Target {
            machine: EM_RISCV,
            order: ByteOrder::Little,
        };
        Elf64::parse(bytes, target).map(Elf)
    }

    /// Loads the segments into a fresh state whose pc is the entry point, with the default
    /// memory limit.
    pub fn load(&self) -> Result<State, ElfError> {
        self.load_limited(verdict_fpvm::memory::DEFAULT_MEMORY_LIMIT)
    }

    /// Loads the segments, refusing an ELF whose segments need more than `limit` bytes of
    /// memory (before any of it is allocated); the state keeps `limit` as its memory limit.
    pub fn load_limited(&self, limit: u64) -> Result<State, ElfError> {
        let mut state = State {
            pc: self.entry,
            ..State::default()
        };
        state.memory.set_limit(limit);
        let pages: u64 = self
            .segments
            .iter()
            .filter(|s| s.kind != PT_RISCV_ATTRIBUTES)
            // A segment that wraps around is refused below, by itself.
            .filter_map(|s| {
                let end = s.vaddr.checked_add(s.mem_size)?;
                Some((end >> 12) - (s.vaddr >> 12) + 1)
            })
            .fold(0u64, u64::saturating_add);
        if pages.saturating_mul(4096) > limit {
            return Err(ElfError::TooLarge {
                bytes: pages.saturating_mul(4096),
                limit,
            });
        }
        for (index, seg) in self.segments.iter().enumerate() {
            if seg.kind == PT_RISCV_ATTRIBUTES {
                continue;
            }
            self.check_sizes(index)?;
            // The page holding the end address is allocated too: it must not be the last page
            // (its successor would wrap to page 0).
            let end = match seg.vaddr.checked_add(seg.mem_size) {
                Some(end) if end < !0xfff => end,
                _ => {
                    return Err(ElfError::BadSegment {
                        index,
                        reason: format!(
                            "segment at {:#x} of {} bytes wraps around or reaches the top of the address space",
                            seg.vaddr, seg.mem_size
                        ),
                    })
                }
            };
            state.memory.write(seg.vaddr, self.data(seg)?);
            // The reference writes the zero fill too, and allocates every page the segment touches,
            // including the page at its end address.
            let mut page = seg.vaddr.saturating_add(seg.file_size) & !0xfff;
            while page <= end {
                state.memory.ensure_page(page);
                page += 0x1000;
            }
            state.memory.ensure_page(seg.vaddr);
        }
        Ok(state)
    }
}

/// Go runtime functions the reference patches to `ret`, so a Go guest runs without GC threads.
const GO_PATCHED_FUNCTIONS: [&str; 6] = [
    "runtime.gcenable",
    "runtime.init.5",
    "runtime.main.func1",
    "runtime.deductSweepCredit",
    "runtime.(*gcControllerState).commit",
    "runtime.check",
];

/// `jalr zero, 0(ra)`.
const RET: [u8; 4] = [0x67, 0x80, 0x00, 0x00];

/// Applies the reference's Go runtime patches and sets up the initial stack.
pub fn patch(elf: &Elf, state: &mut State) {
    for sym in &elf.symbols {
        if GO_PATCHED_FUNCTIONS.contains(&sym.name.as_str()) {
            state.memory.write(sym.start, &RET);
        } else if sym.name == "runtime.MemProfileRate" {
            state.memory.write(sym.start, &[0; 8]);
        }
    }
    let sp = STACK_POINTER;
    state.regs[2] = sp;
    // The reference's initial stack, word by word from sp + 8: two marker words, an empty
    // environment, then the auxiliary vector AT_PAGESZ = 4096, AT_RANDOM -> 16 bytes, AT_NULL.
    let words: [u64; 10] = [
        0x42,
        0x35,
        0,
        6,
        4096,
        25,
        sp + 8 * 9,
        0,
        0x6f72_7020_646e_6172,
        0x6164_626d_616c_6f74,
    ];
    for (i, w) in words.iter().enumerate() {
        state.memory.write_le(sp + 8 * (i as u64 + 1), 8, *w);
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
    patch(&elf, &mut state);
    Ok(state)
}

#[cfg(test)]
mod tests {
    use super::*;
    use verdict_fpvm::elf::PT_LOAD;

    /// A minimal RISC-V ELF with one PT_LOAD segment holding `code` at 0x10000.
    pub(crate) fn tiny_elf(code: &[u8]) -> Vec<u8> {
        let mut b = vec![0u8; 64 + 56];
        b[..4].copy_from_slice(b"\x7fELF");
        b[4] = 2;
        b[5] = 1;
        b[6] = 1;
        b[16] = 2; // ET_EXEC
        b[18..20].copy_from_slice(&EM_RISCV.to_le_bytes());
        b[24..32].copy_from_slice(&0x10000u64.to_le_bytes());
        b[32..40].copy_from_slice(&64u64.to_le_bytes());
        b[54..56].copy_from_slice(&56u16.to_le_bytes());
        b[56..58].copy_from_slice(&1u16.to_le_bytes());
        let ph = &mut b[64..120];
        ph[0..4].copy_from_slice(&PT_LOAD.to_le_bytes());
        ph[8..16].copy_from_slice(&120u64.to_le_bytes());
        ph[16..24].copy_from_slice(&0x10000u64.to_le_bytes());
        ph[32..40].copy_from_slice(&(code.len() as u64).to_le_bytes());
        ph[40..48].copy_from_slice(&(code.len() as u64 + 100).to_le_bytes());
        b.extend_from_slice(code);
        b
    }

    #[test]
    fn loads_segments_and_stack() {
        let elf = tiny_elf(&[0x13, 0, 0, 0]);
        let mut s = load_elf(&elf).unwrap();
        assert_eq!(s.pc, 0x10000);
        assert_eq!(s.regs[2], STACK_POINTER);
        assert_eq!(s.memory.read_le(0x10000, 4), 0x13);
        assert_eq!(s.memory.read_le(STACK_POINTER + 8, 8), 0x42);
        assert_eq!(s.memory.read_le(STACK_POINTER + 56, 8), STACK_POINTER + 72);
        assert_eq!(s.heap, crate::state::HEAP_START);
        assert_ne!(s.memory.merkle_root(), crate::hash::zero_hashes()[59]);
    }

    #[test]
    fn rejects_bad_input_with_clear_errors() {
        assert!(matches!(load_elf(b"hello"), Err(ElfError::BadMagic)));
        let elf = tiny_elf(&[0x13, 0, 0, 0]);
        assert!(matches!(load_elf(&elf[..40]), Err(ElfError::Truncated(_))));
        assert!(matches!(load_elf(&elf[..100]), Err(ElfError::Truncated(_))));
        assert!(matches!(load_elf(&elf[..121]), Err(ElfError::Truncated(_))));
        let mut x86 = elf.clone();
        x86[18..20].copy_from_slice(&62u16.to_le_bytes());
        let err = load_elf(&x86).unwrap_err();
        assert_eq!(err.to_string(), "ELF is not RISC-V but machine 62 (x86-64)");
        let mut bits32 = elf.clone();
        bits32[4] = 1;
        assert!(matches!(load_elf(&bits32), Err(ElfError::Not64Bit(1))));
        let mut big = elf;
        big[64 + 40..64 + 48].copy_from_slice(&1u64.to_le_bytes()); // mem size < file size
        assert!(matches!(load_elf(&big), Err(ElfError::BadSegment { .. })));
    }

    #[test]
    fn segments_reaching_the_top_of_the_address_space_are_refused() {
        // One segment of no file data at the last page, of 0xfff bytes: the page loop used to
        // wrap around and allocate forever.
        for (vaddr, mem_size) in [
            (0xffff_ffff_ffff_f000u64, 0xfffu64),
            (0xffff_ffff_ffff_f000, 0),
            (0xffff_ffff_ffff_e000, 0x1000),
            (0x8000_0000_0000_0000, 0x8000_0000_0000_0000),
        ] {
            let mut elf = tiny_elf(&[]);
            elf[64 + 16..64 + 24].copy_from_slice(&vaddr.to_le_bytes());
            elf[64 + 40..64 + 48].copy_from_slice(&mem_size.to_le_bytes());
            let err = load_elf(&elf).unwrap_err();
            assert!(
                err.to_string().contains("top of the address space"),
                "{err}"
            );
        }
        // Just below the last page is fine.
        let mut elf = tiny_elf(&[]);
        elf[64 + 16..64 + 24].copy_from_slice(&0xffff_ffff_ffff_e000u64.to_le_bytes());
        elf[64 + 40..64 + 48].copy_from_slice(&0xfffu64.to_le_bytes());
        assert!(load_elf(&elf).is_ok());
    }
}
