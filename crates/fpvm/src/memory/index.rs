//! The page index: page number -> where the page is, in two levels. A hash map from the top bits
//! of the page number to a leaf of [`LEAF_PAGES`] slots (2 MiB of guest memory), each slot holding
//! the page's position in the memory's page list and its address.
//!
//! A lookup of a page that is not in a cache then costs one cache miss (the slot; the map has one
//! entry per 2 MiB and stays in cache) before the page itself, where a map keyed by page number
//! costs two (its control byte and its bucket) and the page list a third.

use super::{Page, PageMap};

/// Bits of a page number that select the slot in a leaf.
const LEAF_BITS: u32 = 9;
/// Slots in a leaf.
pub(super) const LEAF_PAGES: usize = 1 << LEAF_BITS;

/// Where a page is: its position in the page list and the address of the page.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Slot {
    pub(super) page: *const Page,
    pub(super) pos: u32,
}

// SAFETY: a slot's address is of a page held by the memory whose index or cache holds the slot
// (it updates the slot whenever it replaces the page), and only that memory follows it.
unsafe impl Send for Slot {}

pub(super) const ABSENT: Slot = Slot {
    page: std::ptr::null(),
    pos: u32::MAX,
};

#[derive(Clone)]
struct Leaf([Slot; LEAF_PAGES]);

/// Page number -> [`Slot`] for every allocated page.
#[derive(Clone, Default)]
pub(super) struct PageIndex {
    leaves: PageMap<Box<Leaf>>,
}

impl PageIndex {
    /// The slot of page number `page`, if allocated.
    #[inline]
    pub(super) fn get(&self, page: u64) -> Option<Slot> {
        let leaf = self.leaves.get(&(page >> LEAF_BITS))?;
        let slot = leaf.0[page as usize % LEAF_PAGES];
        (!slot.page.is_null()).then_some(slot)
    }

    /// Sets the slot of page number `page`.
    pub(super) fn set(&mut self, page: u64, slot: Slot) {
        let leaf = self
            .leaves
            .entry(page >> LEAF_BITS)
            .or_insert_with(|| Box::new(Leaf([ABSENT; LEAF_PAGES])));
        leaf.0[page as usize % LEAF_PAGES] = slot;
    }

    /// Every allocated page as (page number, position in the page list), in no particular order.
    pub(super) fn iter(&self) -> impl Iterator<Item = (u64, u32)> + '_ {
        self.leaves.iter().flat_map(|(&top, leaf)| {
            leaf.0
                .iter()
                .enumerate()
                .filter(|(_, slot)| !slot.page.is_null())
                .map(move |(i, slot)| ((top << LEAF_BITS) | i as u64, slot.pos))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn slot(n: usize) -> Slot {
        Slot {
            page: (8 * (n + 1)) as *const Page,
            pos: n as u32,
        }
    }

    #[test]
    fn finds_what_was_set_anywhere_in_the_address_space() {
        let mut index = PageIndex::default();
        let pages = [0u64, 1, 511, 512, 0x0007_f000_0000, (1 << 52) - 1, 1 << 40];
        for (n, &page) in pages.iter().enumerate() {
            assert_eq!(index.get(page), None);
            index.set(page, slot(n));
        }
        for (n, &page) in pages.iter().enumerate() {
            assert_eq!(index.get(page), Some(slot(n)));
        }
        assert_eq!(index.get(2), None);
        assert_eq!(index.get(513), None);
        let mut all: Vec<(u64, u32)> = index.iter().collect();
        all.sort_unstable();
        let mut expected: Vec<(u64, u32)> = pages
            .iter()
            .enumerate()
            .map(|(n, &p)| (p, n as u32))
            .collect();
        expected.sort_unstable();
        assert_eq!(all, expected);
    }

    #[test]
    fn a_slot_set_again_moves() {
        let mut index = PageIndex::default();
        index.set(7, slot(1));
        index.set(7, slot(2));
        assert_eq!(index.get(7), Some(slot(2)));
        assert_eq!(index.iter().count(), 1);
    }
}
