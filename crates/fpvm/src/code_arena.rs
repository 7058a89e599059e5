//! Executable memory for the JITs' translated code: one large mapping, filled front to back.
//!
//! A translation used to get its own executable buffer: a mapping made, grown by doubling (a new
//! mapping, a copy, the old one unmapped), then made executable, and every 4 KiB of it zeroed by
//! a page fault. On the fault proof program's short blocks that made translating the largest
//! cost of the run. The arena is mapped once, readable, writable and executable (as QEMU's code
//! buffer is), asked for transparent huge pages, and code is copied into it; nothing is freed one
//! translation at a time. When it is full, its owner drops every translation and starts again
//! from the front ([`CodeArena::reset`]).
//!
//! The code stored must not depend on where it lands (the JITs' code is position-independent:
//! relative jumps inside a translation, absolute addresses only for things outside the arena).

use std::io;

/// Bytes of a huge page, to which a large arena is aligned so the kernel can back it with them.
const HUGE_PAGE: usize = 2 << 20;
/// Bytes of a page.
const PAGE: usize = 4096;
/// Where each piece of code starts: a multiple of this (a cache line).
const ALIGN: usize = 64;

/// An executable mapping holding translated code (see the module's documentation).
pub struct CodeArena {
    /// The mapping as made (before alignment), for `munmap`.
    mapping: *mut u8,
    mapping_len: usize,
    /// The aligned start and the usable bytes from there.
    start: *mut u8,
    capacity: usize,
    /// Bytes in use from `start`.
    used: usize,
}

// SAFETY: the arena owns its mapping; nothing else refers to it but through the addresses it
// hands out, which its owner keeps with it.
unsafe impl Send for CodeArena {}

impl CodeArena {
    /// Maps an arena of `capacity` bytes (at least one). Memory is committed only as code is
    /// stored.
    pub fn new(capacity: usize) -> io::Result<CodeArena> {
        let capacity = capacity.max(1);
        let align = if capacity >= HUGE_PAGE {
            HUGE_PAGE
        } else {
            PAGE
        };
        // Room to start at a multiple of `align` (mmap's addresses are multiples of PAGE).
        let mapping_len = capacity.next_multiple_of(PAGE) + align - PAGE;
        // SAFETY: an anonymous private mapping at an address the kernel chooses.
        let mapping = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                mapping_len,
                libc::PROT_READ | libc::PROT_WRITE | libc::PROT_EXEC,
                libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_NORESERVE,
                -1,
                0,
            )
        };
        if mapping == libc::MAP_FAILED {
            return Err(io::Error::last_os_error());
        }
        let mapping = mapping.cast::<u8>();
        let start = (mapping as usize).next_multiple_of(align) as *mut u8;
        // Huge pages only make the faults fewer: without them (the kernel may refuse), the arena
        // works the same.
        // SAFETY: the range lies inside the mapping just made.
        unsafe {
            libc::madvise(start.cast(), capacity, libc::MADV_HUGEPAGE);
        }
        Ok(CodeArena {
            mapping,
            mapping_len,
            start,
            capacity,
            used: 0,
        })
    }

    /// Copies `code` into the arena and returns its address, or None if it does not fit in what
    /// is left (then [`CodeArena::reset`] and try again).
    pub fn push(&mut self, code: &[u8]) -> Option<usize> {
        let at = self.used.next_multiple_of(ALIGN);
        let end = at.checked_add(code.len())?;
        if end > self.capacity {
            return None;
        }
        // SAFETY: [at, end) lies inside the mapping, which is writable; no code in that range is
        // referenced (it is past everything handed out since the last reset).
        unsafe {
            let dst = self.start.add(at);
            std::ptr::copy_nonoverlapping(code.as_ptr(), dst, code.len());
            self.used = end;
            Some(dst as usize)
        }
    }

    /// Forgets all the code stored: the next [`CodeArena::push`] starts from the front again.
    /// The owner must have dropped every address the arena handed out (code stored after this
    /// overwrites it).
    pub fn reset(&mut self) {
        self.used = 0;
    }

    /// Bytes in use.
    pub fn used(&self) -> usize {
        self.used
    }

    /// Bytes the arena holds in all.
    pub fn capacity(&self) -> usize {
        self.capacity
    }
}

/// Where a JIT keeps its translations' code: a [`CodeArena`] made at the first translation, which
/// empties itself when full.
pub struct CodeSpace {
    arena: Option<CodeArena>,
    /// The arena's size.
    bytes: usize,
    /// Times a full arena was emptied.
    resets: u64,
}

/// Where [`CodeSpace::place`] put code.
pub struct Placed {
    /// The code's address.
    pub at: usize,
    /// Whether the arena was emptied to make room: every address handed out before is gone.
    pub emptied: bool,
}

impl CodeSpace {
    /// A space of `bytes` (mapped at the first [`CodeSpace::place`]).
    pub fn new(bytes: usize) -> CodeSpace {
        CodeSpace {
            arena: None,
            bytes,
            resets: 0,
        }
    }

    /// Copies `code` in; when the arena is full, empties it first (say so to the owner, who must
    /// drop every earlier address). None if no executable memory can be had or the code alone is
    /// larger than the arena.
    pub fn place(&mut self, code: &[u8]) -> Option<Placed> {
        if self.arena.is_none() {
            self.arena = Some(CodeArena::new(self.bytes).ok()?);
        }
        let arena = self.arena.as_mut()?;
        // Code that could never fit empties nothing (the owner's code stays valid).
        if code.len() > arena.capacity() {
            return None;
        }
        if let Some(at) = arena.push(code) {
            return Some(Placed { at, emptied: false });
        }
        self.resets += 1;
        arena.reset();
        let at = arena.push(code)?;
        Some(Placed { at, emptied: true })
    }

    /// Forgets all the code (the owner has dropped every address).
    pub fn clear(&mut self) {
        if let Some(arena) = &mut self.arena {
            arena.reset();
        }
    }

    /// Makes the arena `bytes` large from the next [`CodeSpace::place`] on, all code forgotten.
    pub fn resize(&mut self, bytes: usize) {
        self.arena = None;
        self.bytes = bytes;
    }

    /// Bytes of code in the arena.
    pub fn used(&self) -> usize {
        self.arena.as_ref().map_or(0, CodeArena::used)
    }

    /// Times a full arena was emptied.
    pub fn resets(&self) -> u64 {
        self.resets
    }
}

/// Where a translated page's code is entered, as offsets into its machine code (both JITs lay a
/// page out alike: a block per leader, and an exit handing indirect jumps to the dispatcher);
/// [`PageOffsets::place`] turns them into addresses once the code is in the arena.
pub struct PageOffsets {
    /// The offset of each instruction's block, if it begins one.
    pub blocks: Vec<Option<usize>>,
    /// Which instructions the dispatcher may enter at (it interprets the other leaders).
    pub enterable: Vec<bool>,
    /// The exit that hands an indirect jump's target to the dispatcher.
    pub exit_indirect: usize,
    /// Where the rare paths begin, after the instructions' code.
    pub stubs_start: usize,
}

impl PageOffsets {
    /// With the code at `at`: fills `jump_table` (each instruction's block, else the indirect
    /// exit) and `entries` (a block's address where the dispatcher may enter, else 0), and names
    /// the code in the perf map (`isa`, the page at `base`, 4-byte instructions) if asked for.
    pub fn place(
        &self,
        at: usize,
        base: u64,
        isa: &str,
        jump_table: &mut [usize],
        entries: &mut [usize],
    ) {
        if crate::perf_map::enabled() {
            let mut starts: Vec<(usize, u64)> = (self.blocks.iter().enumerate())
                .filter_map(|(i, off)| Some((at + (*off)?, base + 4 * i as u64)))
                .collect();
            crate::perf_map::record(isa, &mut starts, at + self.stubs_start);
        }
        let indirect = at + self.exit_indirect;
        for (i, (slot, entry)) in jump_table.iter_mut().zip(entries.iter_mut()).enumerate() {
            *slot = self.blocks[i].map_or(indirect, |off| at + off);
            *entry = if self.enterable[i] { *slot } else { 0 };
        }
    }
}

impl Drop for CodeArena {
    fn drop(&mut self) {
        // SAFETY: the mapping made in `new`, unmapped once.
        unsafe {
            libc::munmap(self.mapping.cast(), self.mapping_len);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn code_is_copied_aligned_until_the_arena_is_full_then_from_the_front_after_a_reset() {
        let mut arena = CodeArena::new(HUGE_PAGE).unwrap();
        assert_eq!(arena.capacity(), HUGE_PAGE);
        let a = arena.push(&[1, 2, 3]).unwrap();
        let b = arena.push(&[4]).unwrap();
        assert_eq!(a % HUGE_PAGE, 0);
        assert_eq!(b, a + ALIGN);
        // SAFETY: both addresses were just handed out and hold the bytes copied.
        unsafe {
            assert_eq!(std::slice::from_raw_parts(a as *const u8, 3), &[1, 2, 3]);
            assert_eq!(*(b as *const u8), 4);
        }
        let rest = vec![0xc3; HUGE_PAGE - 2 * ALIGN];
        assert!(arena.push(&rest).is_some());
        assert_eq!(arena.used(), HUGE_PAGE);
        assert!(
            arena.push(&[0]).is_none(),
            "a full arena takes nothing more"
        );
        arena.reset();
        assert_eq!(arena.push(&[9]), Some(a));
    }

    #[test]
    fn a_small_arena_holds_what_it_was_asked_to() {
        let mut arena = CodeArena::new(100).unwrap();
        assert_eq!(arena.capacity(), 100);
        assert!(arena.push(&[0; 101]).is_none());
        assert!(arena.push(&[0; 100]).is_some());
        assert!(
            arena.push(&[]).is_none(),
            "the next piece would start past the end"
        );
    }

    #[test]
    fn a_code_space_is_mapped_on_first_use_and_empties_itself_when_full() {
        let mut space = CodeSpace::new(100);
        assert_eq!(space.used(), 0);
        let first = space.place(&[1; 60]).unwrap();
        assert!(!first.emptied);
        let second = space.place(&[2; 60]).unwrap();
        assert!(
            second.emptied,
            "60 more bytes past the first 64 do not fit in 100"
        );
        assert_eq!(second.at, first.at);
        assert_eq!((space.used(), space.resets()), (60, 1));
        assert!(space.place(&[3; 101]).is_none(), "larger than the arena");
        assert_eq!(
            (space.used(), space.resets()),
            (60, 1),
            "and nothing emptied"
        );
        space.resize(200);
        assert_eq!(space.used(), 0);
        assert!(!space.place(&[4; 150]).unwrap().emptied);
    }

    #[test]
    fn page_offsets_become_addresses_where_the_code_was_placed() {
        let offsets = PageOffsets {
            blocks: vec![Some(0), None, Some(40), Some(80)],
            enterable: vec![true, false, false, true],
            exit_indirect: 100,
            stubs_start: 90,
        };
        let (mut table, mut entries) = ([0; 4], [7; 4]);
        offsets.place(1000, 0x4000, "test", &mut table, &mut entries);
        assert_eq!(
            table,
            [1000, 1100, 1040, 1080],
            "no block: the indirect exit"
        );
        assert_eq!(
            entries,
            [1000, 0, 0, 1080],
            "only where the dispatcher may enter"
        );
    }

    #[cfg(target_arch = "x86_64")]
    #[test]
    fn stored_code_runs() {
        let mut arena = CodeArena::new(PAGE).unwrap();
        // mov eax, 42; ret
        let code = arena.push(&[0xb8, 42, 0, 0, 0, 0xc3]).unwrap();
        // SAFETY: the bytes are a complete x86-64 function of that type.
        let f: extern "C" fn() -> u32 = unsafe { std::mem::transmute(code) };
        assert_eq!(f(), 42);
    }
}
