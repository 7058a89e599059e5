//! The memory tree above the pages.
//!
//! The six levels just above the pages are kept in groups of 64 pages, one array per group, and
//! rehashed level by level across all changed groups, only on the paths of the pages that changed.
//! The sparse levels above the groups are a map from generalized index to hash.

use super::{pair, PageMap, PAGE_DEPTH, PAGE_HEIGHT, TREE_DEPTH};
use crate::hash::{hash_node_pairs, zero_hashes, Hash};

/// Pages in a group.
const GROUP_PAGES: usize = 64;
/// Height of a group's root above its page roots.
const GROUP_HEIGHT: u32 = GROUP_PAGES.trailing_zeros();
/// Depth of group roots below the memory root.
const GROUP_DEPTH: u32 = PAGE_DEPTH - GROUP_HEIGHT;
/// Changed groups from which they are rehashed on all cores.
const PARALLEL_GROUPS: usize = 256;

/// The subtree over 64 consecutive pages (a 256 KiB aligned range of memory).
#[derive(Clone)]
struct Group {
    /// In heap order: 1 is the group root, `GROUP_PAGES + i` the root of page i.
    nodes: [Hash; 2 * GROUP_PAGES],
    /// Bit i: the root of page i changed since the group was last rehashed.
    changed: u64,
}

impl Group {
    fn empty() -> Box<Self> {
        let zero = zero_hashes();
        let mut nodes = [[0u8; 32]; 2 * GROUP_PAGES];
        for (n, node) in nodes.iter_mut().enumerate().skip(1) {
            let depth = n.ilog2();
            *node = zero[PAGE_HEIGHT + (GROUP_HEIGHT - depth) as usize];
        }
        Box::new(Group { nodes, changed: 0 })
    }
}

/// Bit i of the result is set if bit 2i or 2i+1 of `mask` is: the parents of changed nodes.
fn parents(mask: u64) -> u64 {
    let mut m = (mask | (mask >> 1)) & 0x5555_5555_5555_5555;
    m = (m | (m >> 1)) & 0x3333_3333_3333_3333;
    m = (m | (m >> 2)) & 0x0f0f_0f0f_0f0f_0f0f;
    m = (m | (m >> 4)) & 0x00ff_00ff_00ff_00ff;
    m = (m | (m >> 8)) & 0x0000_ffff_0000_ffff;
    (m | (m >> 16)) & 0x0000_0000_ffff_ffff
}

/// The positions of the set bits of `mask`.
fn bits(mut mask: u64) -> impl Iterator<Item = usize> {
    std::iter::from_fn(move || {
        (mask != 0).then(|| {
            let bit = mask.trailing_zeros() as usize;
            mask &= mask - 1;
            bit
        })
    })
}

/// Rehashes the nodes above the changed page roots of `groups`, level by level across them all.
fn rehash_groups(groups: &mut [&mut Group]) {
    let mut masks: Vec<u64> = groups
        .iter_mut()
        .map(|g| std::mem::take(&mut g.changed))
        .collect();
    // The level being computed starts at `first` in heap order; its children have `height`.
    let mut first = GROUP_PAGES / 2;
    let mut height = PAGE_HEIGHT;
    while first >= 1 {
        for mask in &mut masks {
            *mask = parents(*mask);
        }
        let pairs: Vec<[u8; 64]> = groups
            .iter()
            .zip(&masks)
            .flat_map(|(g, &mask)| {
                bits(mask)
                    .map(move |i| pair(&g.nodes[2 * (first + i)], &g.nodes[2 * (first + i) + 1]))
            })
            .collect();
        let mut hashes = hash_node_pairs(&pairs, height).into_iter();
        for (g, &mask) in groups.iter_mut().zip(&masks) {
            for i in bits(mask) {
                g.nodes[first + i] = hashes.next().expect("one hash per pair");
            }
        }
        first /= 2;
        height += 1;
    }
}

/// The tree above the pages: page roots as last reported, and every node above them.
#[derive(Clone, Default)]
pub(super) struct UpperTree {
    /// Groups that hold a page whose root was reported.
    groups: Vec<Box<Group>>,
    /// Group number (page number / 64) -> position in `groups`.
    group_index: PageMap<u32>,
    /// Positions of the groups changed since the last refresh.
    changed_groups: Vec<u32>,
    /// Nodes above the groups by generalized index (root = 1); present means the subtree holds a
    /// group, `None` means its hash is stale.
    nodes: PageMap<Option<Hash>>,
    /// The nodes above the groups made stale since the last refresh.
    stale: Vec<u64>,
}

impl UpperTree {
    /// Records the new root of `page` (the nodes above it are stale until `refresh`).
    pub(super) fn set_page_root(&mut self, page: u64, root: Hash) {
        let number = page / GROUP_PAGES as u64;
        let pos = match self.group_index.get(&number) {
            Some(&pos) => pos,
            None => {
                let pos = self.groups.len() as u32;
                self.groups.push(Group::empty());
                self.group_index.insert(number, pos);
                pos
            }
        };
        let group = &mut self.groups[pos as usize];
        let slot = (page % GROUP_PAGES as u64) as usize;
        group.nodes[GROUP_PAGES + slot] = root;
        let first_change = group.changed == 0;
        group.changed |= 1 << slot;
        if first_change {
            self.changed_groups.push(pos);
            self.invalidate_above(number);
        }
    }

    /// Marks the path above group `number` stale, up to the root.
    fn invalidate_above(&mut self, number: u64) {
        let mut g = ((1u64 << GROUP_DEPTH) | number) >> 1;
        while g > 0 {
            match self.nodes.insert(g, None) {
                Some(None) => break, // already stale: so is everything above it
                _ => {
                    self.stale.push(g);
                    g >>= 1
                }
            }
        }
    }

    /// Recomputes every stale node: the changed groups (on all cores when there are many), then
    /// the nodes above them level by level.
    pub(super) fn refresh(&mut self) {
        let mut changed = std::mem::take(&mut self.changed_groups);
        changed.sort_unstable();
        let mut groups: Vec<&mut Group> = super::disjoint_mut(&mut self.groups, &changed)
            .into_iter()
            .map(|g| &mut **g)
            .collect();
        let threads = crate::cores();
        if threads > 1 && groups.len() >= PARALLEL_GROUPS {
            let per_thread = groups.len().div_ceil(threads);
            std::thread::scope(|scope| {
                for part in groups.chunks_mut(per_thread) {
                    scope.spawn(move || rehash_groups(part));
                }
            });
        } else {
            rehash_groups(&mut groups);
        }
        if self.stale.is_empty() {
            return;
        }
        let mut by_depth: Vec<Vec<u64>> = vec![Vec::new(); GROUP_DEPTH as usize];
        for g in std::mem::take(&mut self.stale) {
            by_depth[g.ilog2() as usize].push(g);
        }
        for (depth, level) in by_depth.into_iter().enumerate().rev() {
            let pairs: Vec<[u8; 64]> = level
                .iter()
                .map(|&g| pair(&self.node(2 * g), &self.node(2 * g + 1)))
                .collect();
            let children_height = TREE_DEPTH - 1 - depth;
            for (g, h) in level
                .into_iter()
                .zip(hash_node_pairs(&pairs, children_height))
            {
                self.nodes.insert(g, Some(h));
            }
        }
    }

    /// The hash of the node at generalized index `g`, at most as deep as a page root, which must
    /// not be stale (`refresh` brings them all up to date): the root of an empty subtree if no
    /// page under it was reported.
    pub(super) fn node(&self, g: u64) -> Hash {
        let depth = g.ilog2();
        debug_assert!(depth <= PAGE_DEPTH);
        if depth >= GROUP_DEPTH {
            let below = depth - GROUP_DEPTH; // levels below the group root
            let index = g & ((1u64 << depth) - 1); // position along its level
            let number = index >> below;
            let Some(&pos) = self.group_index.get(&number) else {
                return zero_hashes()[TREE_DEPTH - depth as usize];
            };
            let heap = (1usize << below) | (index as usize & ((1 << below) - 1));
            return self.groups[pos as usize].nodes[heap];
        }
        match self.nodes.get(&g) {
            Some(Some(h)) => *h,
            Some(None) => unreachable!("a stale upper-tree node read before its refresh"),
            None => zero_hashes()[TREE_DEPTH - depth as usize],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parents_of_changed_nodes() {
        assert_eq!(parents(0), 0);
        assert_eq!(parents(0b01), 0b1);
        assert_eq!(parents(0b10), 0b1);
        assert_eq!(parents(0b1100_0100), 0b1010);
        assert_eq!(parents(1 << 63), 1 << 31);
        assert_eq!(parents(u64::MAX), 0xffff_ffff);
        assert_eq!(bits(0b1001_0010).collect::<Vec<_>>(), vec![1, 4, 7]);
    }
}
