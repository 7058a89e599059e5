//! The translated code's two TLBs: a read entry (the page's host address less its guest address)
//! for any allocated page, a write entry (the page's address) only for a page translated code may
//! write directly (see [`Memory::writable_page_for_jit`]).
//!
//! They are large (a quarter million pages, 1 GiB of guest memory), so that a program reading
//! all over a large memory still hits. Their memory costs nothing until used: an empty table is
//! zero bytes (but for slot 0), and emptying them touches only the slots filled since the last
//! time. The memory tells which pages went stale ([`Memory::stale_pages`]): only those entries
//! are dropped.

use crate::memory::Memory;

/// Entries of each TLB.
pub(crate) const TLB_ENTRIES: usize = 1 << 18;
/// Most filled slots remembered; past that, emptying the TLBs clears them whole.
const FILLED_MAX: usize = TLB_ENTRIES / 4;

/// A write TLB entry: a page number and the address of its page.
#[derive(Clone, Copy)]
#[repr(C)]
pub(crate) struct TlbEntry {
    pub(crate) tag: u64,
    pub(crate) page: *mut u8,
}

/// A read TLB entry: a page number and what to add to a guest address in that page to get the
/// host address of its byte (the page's address less the page's guest address), so a hit costs
/// one addition.
#[derive(Clone, Copy)]
#[repr(C)]
pub(crate) struct ReadEntry {
    pub(crate) tag: u64,
    pub(crate) addend: u64,
}

/// The tag of an empty entry in `slot`: a page number no probe of `slot` can compare, so that
/// zeroed tables are empty. A probe of slot s compares the page of the access's last byte: a page
/// in slot s, or the next page for an access crossing into it (slot s + 1, or page 0 after the top
/// of the address space). Page 0 can thus be compared only in slots 0 and `TLB_ENTRIES - 1`; they
/// get page 2, which no probe of theirs compares.
fn no_page(slot: usize) -> u64 {
    if slot == 0 || slot == TLB_ENTRIES - 1 {
        2
    } else {
        0
    }
}

/// The tag of an empty [`Tlbs::by_base`] entry. Translated code compares it with an address whose
/// bits 3-11 (at least) it cleared: never this.
const NO_BASE: u64 = u64::MAX;

/// The slot of page number `page`.
fn slot_of(page: u64) -> usize {
    page as usize % TLB_ENTRIES
}

/// Both TLBs, and which slots were filled since they were last emptied. Translated code reads
/// `read` and `write` at fixed offsets (`repr(C)`).
#[repr(C)]
pub(crate) struct Tlbs {
    pub(crate) read: [ReadEntry; TLB_ENTRIES],
    pub(crate) write: [TlbEntry; TLB_ENTRIES],
    /// The last page each guest register was a load's base for, found in the read TLB: its
    /// address (`tag`, [`NO_BASE`] if none) and addend. A load's entry is named by its base
    /// register, known when it is translated, so the addend can be read before the address is
    /// known and the load's host address waits for no other load (see `translate`). Emptied with
    /// the read TLB.
    pub(crate) by_base: [ReadEntry; 32],
    /// Slots filled since the TLBs were last emptied (at most `FILLED_MAX`).
    filled: Vec<u32>,
    /// Whether more slots were filled than `filled` holds.
    overflowed: bool,
}

impl Tlbs {
    /// Makes empty TLBs in zeroed memory.
    ///
    /// # Safety
    /// `tlbs` points to zeroed memory for a `Tlbs`.
    pub(crate) unsafe fn init_zeroed(tlbs: *mut Tlbs) {
        std::ptr::addr_of_mut!((*tlbs).filled).write(Vec::new());
        (*tlbs).set_edge_tags();
        (*tlbs).forget_by_base();
    }

    /// Gives the empty entries of the two slots whose empty tag is not 0 their tag.
    fn set_edge_tags(&mut self) {
        for slot in [0, TLB_ENTRIES - 1] {
            self.read[slot].tag = no_page(slot);
            self.write[slot].tag = no_page(slot);
        }
    }

    /// Puts page number `page`, held at `data`, in the read TLB.
    pub(crate) fn fill_read(&mut self, page: u64, data: *mut u8) {
        let slot = slot_of(page);
        self.read[slot] = ReadEntry {
            tag: page,
            addend: (data as u64).wrapping_sub(page << 12),
        };
        self.note_filled(slot);
    }

    /// Puts page number `page`, held at `data`, in the write TLB.
    pub(crate) fn fill_write(&mut self, page: u64, data: *mut u8) {
        let slot = slot_of(page);
        self.write[slot] = TlbEntry {
            tag: page,
            page: data,
        };
        self.note_filled(slot);
    }

    /// Empties every [`Tlbs::by_base`] entry.
    fn forget_by_base(&mut self) {
        self.by_base.fill(ReadEntry {
            tag: NO_BASE,
            addend: 0,
        });
    }

    fn note_filled(&mut self, slot: usize) {
        if self.filled.len() < FILLED_MAX {
            self.filled.push(slot as u32);
        } else {
            self.overflowed = true;
        }
    }

    /// Drops page number `page` from both TLBs.
    fn forget(&mut self, page: u64) {
        for entry in self.by_base.iter_mut().filter(|e| e.tag == page << 12) {
            *entry = ReadEntry {
                tag: NO_BASE,
                addend: 0,
            };
        }
        let slot = slot_of(page);
        if self.read[slot].tag == page {
            self.read[slot] = ReadEntry {
                tag: no_page(slot),
                addend: 0,
            };
        }
        if self.write[slot].tag == page {
            self.write[slot] = TlbEntry {
                tag: no_page(slot),
                page: std::ptr::null_mut(),
            };
        }
    }

    /// Empties both TLBs.
    pub(crate) fn forget_all(&mut self) {
        self.forget_by_base();
        if self.overflowed {
            self.read.fill(ReadEntry { tag: 0, addend: 0 });
            self.write.fill(TlbEntry {
                tag: 0,
                page: std::ptr::null_mut(),
            });
            self.set_edge_tags();
        } else {
            for &slot in &self.filled {
                let slot = slot as usize;
                self.read[slot] = ReadEntry {
                    tag: no_page(slot),
                    addend: 0,
                };
                self.write[slot] = TlbEntry {
                    tag: no_page(slot),
                    page: std::ptr::null_mut(),
                };
            }
        }
        self.filled.clear();
        self.overflowed = false;
    }

    /// Drops the pages `memory` reports stale since the last call (every page, if it cannot tell).
    pub(crate) fn sync(&mut self, memory: &mut Memory) {
        match memory.stale_pages() {
            Some(pages) => pages.for_each(|page| self.forget(page)),
            None => self.forget_all(),
        }
    }
}
