//! Loading a static 64-bit big-endian MIPS ELF into the initial state exactly as `cannon load-elf
//! --type multithreaded64-5` does (§11): segments into memory, then the initial stack. There are
//! no Go runtime patches for the multithreaded VM.

use crate::state::State;
use verdict_fpvm::memory::PAGE_SIZE;
use verdict_mips64_consts::{layout, reg};

/// Why an ELF file cannot be loaded.
#[derive(Debug, thiserror::Error)]
pub enum ElfError {
    /// Not an ELF file at all.
    #[error("not an ELF file (bad magic bytes)")]
    BadMagic,
    /// The file ends before a structure it declares.
    #[error("truncated ELF: {0} extends past the end of the file")]
    Truncated(&'static str),
    /// Not a 64-bit ELF.
    #[error("not a 64-bit ELF (class {0}); the MIPS64 VM loads 64-bit big-endian MIPS ELFs")]
    Not64Bit(u8),
    /// A little-endian MIPS ELF.
    #[error("a little-endian MIPS ELF (mips64el): the VM is big-endian MIPS64")]
    LittleEndian,
    /// Another machine than MIPS.
    #[error("ELF is not MIPS but machine {0} ({1})")]
    NotMips(u16, &'static str),
    /// A segment that cannot be loaded.
    #[error("invalid program segment {index}: {reason}")]
    BadSegment {
        /// The segment's index.
        index: usize,
        /// What is wrong.
        reason: String,
    },
    /// A malformed section or symbol table.
    #[error("invalid section table: {0}")]
    BadSections(String),
    /// Segments needing more memory than the limit.
    #[error("the ELF's segments need {} of memory, more than the memory limit of {}", verdict_fpvm::size::show_size(*bytes), verdict_fpvm::size::show_size(*limit))]
    TooLarge {
        /// Bytes the segments' pages take.
        bytes: u64,
        /// The limit.
        limit: u64,
    },
}

/// The ELF machine number of MIPS.
pub const EM_MIPS: u16 = 8;
const PT_LOAD: u32 = 1;
const PT_MIPS_ABIFLAGS: u32 = 0x7000_0003;
const SHT_SYMTAB: u32 = 2;

/// A symbol of the ELF's symbol table.
pub use verdict_fpvm::meta::Symbol;

/// The machine number of an ELF file (in its own byte order), if it is one.
pub fn machine(bytes: &[u8]) -> Option<u16> {
    if bytes.len() < 20 || &bytes[..4] != b"\x7fELF" {
        return None;
    }
    let m = [bytes[18], bytes[19]];
    Some(match bytes[5] {
        2 => u16::from_be_bytes(m),
        _ => u16::from_le_bytes(m),
    })
}

fn machine_name(machine: u16) -> &'static str {
    match machine {
        3 => "x86",
        8 => "MIPS",
        40 => "ARM",
        62 => "x86-64",
        183 => "AArch64",
        243 => "RISC-V",
        _ => "unknown",
    }
}

/// A parsed ELF: entry point, segments and symbols.
pub struct Elf<'a> {
    bytes: &'a [u8],
    /// Entry point.
    pub entry: u64,
    segments: Vec<Segment>,
    /// Symbols (empty for a stripped ELF).
    pub symbols: Vec<Symbol>,
}

struct Segment {
    kind: u32,
    offset: u64,
    vaddr: u64,
    file_size: u64,
    mem_size: u64,
}

fn slice<'a>(
    bytes: &'a [u8],
    offset: u64,
    len: u64,
    what: &'static str,
) -> Result<&'a [u8], ElfError> {
    let end = offset.checked_add(len).ok_or(ElfError::Truncated(what))?;
    if end > bytes.len() as u64 {
        return Err(ElfError::Truncated(what));
    }
    Ok(&bytes[offset as usize..end as usize])
}

fn u16_at(b: &[u8], at: usize) -> u16 {
    u16::from_be_bytes([b[at], b[at + 1]])
}
fn u32_at(b: &[u8], at: usize) -> u32 {
    u32::from_be_bytes(b[at..at + 4].try_into().expect("4 bytes"))
}
fn u64_at(b: &[u8], at: usize) -> u64 {
    u64::from_be_bytes(b[at..at + 8].try_into().expect("8 bytes"))
}

impl<'a> Elf<'a> {
    /// Parses the headers of an ELF file.
    pub fn parse(bytes: &'a [u8]) -> Result<Self, ElfError> {
        if bytes.len() < 4 || &bytes[..4] != b"\x7fELF" {
            return Err(ElfError::BadMagic);
        }
        let header = slice(bytes, 0, 64, "the ELF header")?;
        let machine = machine(bytes).expect("an ELF header");
        if machine != EM_MIPS {
            return Err(ElfError::NotMips(machine, machine_name(machine)));
        }
        if header[4] != 2 {
            return Err(ElfError::Not64Bit(header[4]));
        }
        if header[5] != 2 {
            return Err(ElfError::LittleEndian);
        }
        let entry = u64_at(header, 24);
        let (phoff, shoff) = (u64_at(header, 32), u64_at(header, 40));
        let (phentsize, phnum) = (u16_at(header, 54) as u64, u16_at(header, 56) as u64);
        let (shentsize, shnum) = (u16_at(header, 58) as u64, u16_at(header, 60) as u64);
        if phnum > 0 && phentsize < 56 {
            return Err(ElfError::BadSegment {
                index: 0,
                reason: format!("program header size {phentsize}"),
            });
        }
        let mut segments = Vec::with_capacity(phnum as usize);
        for i in 0..phnum {
            let at = phoff
                .checked_add(i * phentsize)
                .ok_or(ElfError::Truncated("a program header"))?;
            let ph = slice(bytes, at, 56, "a program header")?;
            segments.push(Segment {
                kind: u32_at(ph, 0),
                offset: u64_at(ph, 8),
                vaddr: u64_at(ph, 16),
                file_size: u64_at(ph, 32),
                mem_size: u64_at(ph, 40),
            });
        }
        let symbols = if shnum > 0 && shoff != 0 {
            parse_symbols(bytes, shoff, shentsize, shnum)?
        } else {
            vec![]
        };
        Ok(Elf {
            bytes,
            entry,
            segments,
            symbols,
        })
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
            let bad = |reason: String| ElfError::BadSegment { index, reason };
            if seg.file_size != seg.mem_size {
                if seg.kind != PT_LOAD {
                    return Err(bad(format!(
                        "file size {} differs from memory size {} in a segment that is not PT_LOAD",
                        seg.file_size, seg.mem_size
                    )));
                }
                if seg.file_size > seg.mem_size {
                    return Err(bad(format!(
                        "file size {} exceeds memory size {}",
                        seg.file_size, seg.mem_size
                    )));
                }
            }
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
            let data = slice(self.bytes, seg.offset, seg.file_size, "a program segment")?;
            state.memory.write(seg.vaddr, data);
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

fn parse_symbols(
    bytes: &[u8],
    shoff: u64,
    shentsize: u64,
    shnum: u64,
) -> Result<Vec<Symbol>, ElfError> {
    if shentsize < 64 {
        return Err(ElfError::BadSections(format!(
            "section header size {shentsize}"
        )));
    }
    let header = |i: u64| {
        slice(
            bytes,
            shoff.saturating_add(i.saturating_mul(shentsize)),
            64,
            "a section header",
        )
    };
    for i in 0..shnum {
        let sh = header(i)?;
        if u32_at(sh, 4) != SHT_SYMTAB {
            continue;
        }
        let (offset, size, link, entsize) = (
            u64_at(sh, 24),
            u64_at(sh, 32),
            u32_at(sh, 40) as u64,
            u64_at(sh, 56),
        );
        if entsize < 24 {
            return Err(ElfError::BadSections(format!(
                "symbol entry size {entsize}"
            )));
        }
        if link >= shnum {
            return Err(ElfError::BadSections(format!(
                "symbol table links to missing section {link}"
            )));
        }
        let strtab_header = header(link)?;
        let strtab = slice(
            bytes,
            u64_at(strtab_header, 24),
            u64_at(strtab_header, 32),
            "the string table",
        )?;
        let table = slice(bytes, offset, size, "the symbol table")?;
        let mut symbols = Vec::new();
        // Entry 0 is the null symbol.
        for entry in table.chunks_exact(entsize as usize).skip(1) {
            let name_at = u32_at(entry, 0) as usize;
            let name = strtab
                .get(name_at..)
                .and_then(|s| s.split(|&c| c == 0).next())
                .map(|s| String::from_utf8_lossy(s).into_owned())
                .unwrap_or_default();
            symbols.push(Symbol {
                name,
                start: u64_at(entry, 8),
                size: u64_at(entry, 16),
            });
        }
        return Ok(symbols);
    }
    Ok(vec![])
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
