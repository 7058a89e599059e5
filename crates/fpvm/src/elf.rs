//! Reading a static 64-bit ELF file (the System V ABI's ELF-64 object format): its header, its
//! program headers and its symbol table, in the file's byte order, every offset checked against
//! the file's length. Each VM loads the segments into its own state by its own rules.

use crate::meta::Symbol;

/// Why an ELF file cannot be read or loaded.
#[derive(Debug, thiserror::Error)]
pub enum ElfError {
    /// Not an ELF file at all.
    #[error("not an ELF file (bad magic bytes)")]
    BadMagic,
    /// The file ends before a structure it declares.
    #[error("truncated ELF: {0} extends past the end of the file")]
    Truncated(&'static str),
    /// Not a 64-bit ELF.
    #[error("not a 64-bit ELF (class {0})")]
    Not64Bit(u8),
    /// The other byte order than the VM's.
    #[error("a {found} ELF (data encoding {encoding}): the VM loads {expected} ELFs")]
    WrongByteOrder {
        /// The file's `EI_DATA` byte.
        encoding: u8,
        /// The file's byte order, in words.
        found: &'static str,
        /// The VM's.
        expected: &'static str,
    },
    /// Another machine than the VM's.
    #[error("ELF is not {expected} but machine {found} ({name})")]
    WrongMachine {
        /// The VM's machine.
        expected: &'static str,
        /// The file's `e_machine`.
        found: u16,
        /// Its name.
        name: &'static str,
    },
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
    #[error("the ELF's segments need {} of memory, more than the memory limit of {}", crate::size::show_size(*bytes), crate::size::show_size(*limit))]
    TooLarge {
        /// Bytes the segments' pages take.
        bytes: u64,
        /// The limit.
        limit: u64,
    },
}

/// The byte order of an ELF file (`EI_DATA`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ByteOrder {
    /// `ELFDATA2LSB` (RISC-V).
    Little,
    /// `ELFDATA2MSB` (MIPS64 as Cannon runs it).
    Big,
}

impl ByteOrder {
    fn encoding(self) -> u8 {
        match self {
            ByteOrder::Little => 1,
            ByteOrder::Big => 2,
        }
    }

    fn name(self) -> &'static str {
        match self {
            ByteOrder::Little => "little-endian",
            ByteOrder::Big => "big-endian",
        }
    }

    fn u16_at(self, b: &[u8], at: usize) -> u16 {
        let v = [b[at], b[at + 1]];
        match self {
            ByteOrder::Little => u16::from_le_bytes(v),
            ByteOrder::Big => u16::from_be_bytes(v),
        }
    }

    fn u32_at(self, b: &[u8], at: usize) -> u32 {
        let v = b[at..at + 4].try_into().expect("4 bytes");
        match self {
            ByteOrder::Little => u32::from_le_bytes(v),
            ByteOrder::Big => u32::from_be_bytes(v),
        }
    }

    fn u64_at(self, b: &[u8], at: usize) -> u64 {
        let v = b[at..at + 8].try_into().expect("8 bytes");
        match self {
            ByteOrder::Little => u64::from_le_bytes(v),
            ByteOrder::Big => u64::from_be_bytes(v),
        }
    }
}

/// The ELF machine number of MIPS.
pub const EM_MIPS: u16 = 8;
/// The ELF machine number of RISC-V.
pub const EM_RISCV: u16 = 243;
/// A loadable segment.
pub const PT_LOAD: u32 = 1;
/// The processor-specific segment both VMs skip (`PT_RISCV_ATTRIBUTES`, `PT_MIPS_ABIFLAGS`).
pub const PT_PROCESSOR_INFO: u32 = 0x7000_0003;
const SHT_SYMTAB: u32 = 2;

/// The machine number of an ELF file (read in the file's own byte order), if it is one.
pub fn machine(bytes: &[u8]) -> Option<u16> {
    if bytes.len() < 20 || &bytes[..4] != b"\x7fELF" {
        return None;
    }
    let order = if bytes[5] == 2 {
        ByteOrder::Big
    } else {
        ByteOrder::Little
    };
    Some(order.u16_at(bytes, 18))
}

/// The name of an ELF machine number, for messages.
pub fn machine_name(machine: u16) -> &'static str {
    match machine {
        3 => "x86",
        EM_MIPS => "MIPS",
        40 => "ARM",
        62 => "x86-64",
        183 => "AArch64",
        EM_RISCV => "RISC-V",
        _ => "unknown",
    }
}

/// What a VM loads: its machine and byte order.
#[derive(Clone, Copy, Debug)]
pub struct Target {
    /// `e_machine`.
    pub machine: u16,
    /// `EI_DATA`.
    pub order: ByteOrder,
}

/// A program header.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Segment {
    /// `p_type`.
    pub kind: u32,
    /// `p_offset`: where its bytes are in the file.
    pub offset: u64,
    /// `p_vaddr`.
    pub vaddr: u64,
    /// `p_filesz`.
    pub file_size: u64,
    /// `p_memsz`.
    pub mem_size: u64,
}

/// A parsed ELF: entry point, program headers and symbols.
pub struct Elf64<'a> {
    bytes: &'a [u8],
    /// Entry point.
    pub entry: u64,
    /// The program headers, in the file's order.
    pub segments: Vec<Segment>,
    /// Symbols (empty for a stripped ELF).
    pub symbols: Vec<Symbol>,
}

/// `len` bytes of `bytes` at `offset`, or which structure (`what`) would extend past the end.
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

impl<'a> Elf64<'a> {
    /// Parses the headers of an ELF file for `target`: the machine is checked first (so a file
    /// for another VM is named as such), then the class and the byte order.
    pub fn parse(bytes: &'a [u8], target: Target) -> Result<Self, ElfError> {
        if bytes.len() < 4 || &bytes[..4] != b"\x7fELF" {
            return Err(ElfError::BadMagic);
        }
        let header = slice(bytes, 0, 64, "the ELF header")?;
        let found = machine(bytes).expect("an ELF header");
        if found != target.machine {
            return Err(ElfError::WrongMachine {
                expected: machine_name(target.machine),
                found,
                name: machine_name(found),
            });
        }
        if header[4] != 2 {
            return Err(ElfError::Not64Bit(header[4]));
        }
        let order = target.order;
        if header[5] != order.encoding() {
            let other = match order {
                ByteOrder::Little => ByteOrder::Big,
                ByteOrder::Big => ByteOrder::Little,
            };
            return Err(ElfError::WrongByteOrder {
                encoding: header[5],
                found: if header[5] == other.encoding() {
                    other.name()
                } else {
                    "unknown byte order"
                },
                expected: order.name(),
            });
        }
        let entry = order.u64_at(header, 24);
        let (phoff, shoff) = (order.u64_at(header, 32), order.u64_at(header, 40));
        let phentsize = order.u16_at(header, 54) as u64;
        let phnum = order.u16_at(header, 56) as u64;
        let shentsize = order.u16_at(header, 58) as u64;
        let shnum = order.u16_at(header, 60) as u64;
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
                kind: order.u32_at(ph, 0),
                offset: order.u64_at(ph, 8),
                vaddr: order.u64_at(ph, 16),
                file_size: order.u64_at(ph, 32),
                mem_size: order.u64_at(ph, 40),
            });
        }
        let symbols = if shnum > 0 && shoff != 0 {
            parse_symbols(bytes, order, shoff, shentsize, shnum)?
        } else {
            vec![]
        };
        Ok(Elf64 {
            bytes,
            entry,
            segments,
            symbols,
        })
    }

    /// The file bytes of `segment` (`p_filesz` bytes at `p_offset`).
    pub fn data(&self, segment: &Segment) -> Result<&'a [u8], ElfError> {
        slice(
            self.bytes,
            segment.offset,
            segment.file_size,
            "a program segment",
        )
    }

    /// Checks the sizes of the segment at `index`: a segment other than `PT_LOAD` must have as
    /// many bytes in memory as in the file, and a `PT_LOAD` one no more in the file.
    pub fn check_sizes(&self, index: usize) -> Result<(), ElfError> {
        let seg = &self.segments[index];
        let bad = |reason: String| Err(ElfError::BadSegment { index, reason });
        if seg.file_size != seg.mem_size {
            if seg.kind != PT_LOAD {
                return bad(format!(
                    "file size {} differs from memory size {} in a segment that is not PT_LOAD",
                    seg.file_size, seg.mem_size
                ));
            }
            if seg.file_size > seg.mem_size {
                return bad(format!(
                    "file size {} exceeds memory size {}",
                    seg.file_size, seg.mem_size
                ));
            }
        }
        Ok(())
    }
}

/// The first symbol table's symbols (none if there is no symbol table).
fn parse_symbols(
    bytes: &[u8],
    order: ByteOrder,
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
        if order.u32_at(sh, 4) != SHT_SYMTAB {
            continue;
        }
        let (offset, size, link, entsize) = (
            order.u64_at(sh, 24),
            order.u64_at(sh, 32),
            order.u32_at(sh, 40) as u64,
            order.u64_at(sh, 56),
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
            order.u64_at(strtab_header, 24),
            order.u64_at(strtab_header, 32),
            "the string table",
        )?;
        let table = slice(bytes, offset, size, "the symbol table")?;
        // Entry 0 is the null symbol.
        let symbols = table
            .chunks_exact(entsize as usize)
            .skip(1)
            .map(|entry| {
                let name_at = order.u32_at(entry, 0) as usize;
                let name = strtab
                    .get(name_at..)
                    .and_then(|s| s.split(|&c| c == 0).next())
                    .map(|s| String::from_utf8_lossy(s).into_owned())
                    .unwrap_or_default();
                Symbol {
                    name,
                    start: order.u64_at(entry, 8),
                    size: order.u64_at(entry, 16),
                }
            })
            .collect();
        return Ok(symbols);
    }
    Ok(vec![])
}
