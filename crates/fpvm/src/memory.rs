//! Merkleized memory: 4 KiB pages, 32-byte leaves, one binary keccak tree of depth 59 over the whole
//! 64-bit address space.
//!
//! Writes only mark a 512-byte chunk dirty; hashing happens when a root or proof is asked for (or on
//! another thread during runs), and then costs in proportion to the chunks written since the last
//! root (plus one path to the root per dirty page), never to the size of memory.

use crate::hash::{hash_node_pairs, hash_pair, zero_hashes, Hash};
use background::{Background, BackgroundYield};
use index::{PageIndex, Slot};
use pool::PageRef;
use std::cell::Cell;
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use tree::UpperTree;

mod background;
mod index;
mod pool;
mod tree;

/// Bits of an address inside a page.
pub const PAGE_ADDR_BITS: u32 = 12;
/// Bytes in a page.
pub const PAGE_SIZE: usize = 1 << PAGE_ADDR_BITS;
/// Bytes in a Merkle leaf.
pub const LEAF_SIZE: usize = 32;
/// Depth of the tree from the root to a leaf (64 - 5).
pub const TREE_DEPTH: usize = 59;
/// Bytes of one memory proof: the leaf, then 59 sibling hashes from the bottom up.
pub const MEMORY_PROOF_SIZE: usize = (TREE_DEPTH + 1) * 32;
/// The guest memory a run may grow to unless told otherwise (8 GiB): far above what the fault
/// proof programs need, below what takes the host down.
pub const DEFAULT_MEMORY_LIMIT: u64 = 8 << 30;

const LEAVES_PER_PAGE: usize = PAGE_SIZE / LEAF_SIZE;
/// Entries of the page cache.
const PAGE_CACHE: usize = 64;
/// Dirty pages from which a root is computed on all cores.
const PARALLEL_REHASH_PAGES: usize = 1024;
/// Height of a page root above the leaves (log2 of leaves per page).
const PAGE_HEIGHT: usize = 7;
/// Depth of page roots below the memory root.
const PAGE_DEPTH: u32 = (TREE_DEPTH - PAGE_HEIGHT) as u32;

/// A 4 KiB page with the cached internal nodes of its subtree. The layout is fixed (`repr(C)`,
/// data first) because the JITs read and write `data` directly.
#[derive(Clone)]
#[repr(C)]
pub struct Page {
    /// The page's bytes.
    pub data: [u8; PAGE_SIZE],
    /// The top of the page's subtree in heap order: 1 is the page root, 8..16 the roots of the
    /// 16-leaf chunks (lower nodes are recomputed when needed: this keeps the cache at 1/8 of the page).
    nodes: [Hash; CHUNKS * 2],
    /// One byte per 16-leaf chunk, non-zero if the chunk was written since `nodes` were last
    /// brought up to date.
    dirty: [u8; CHUNKS],
    /// Whether this page is on its memory's list of dirty pages.
    listed: bool,
    /// The page number (address >> 12).
    number: u64,
    /// The memory's background round (see [`Memory::background_pays`]) in which this page was
    /// last handed to the background hasher, or 0.
    handed_round: u32,
    /// Whether an interpreter holds decoded instructions of this page (writes must be reported).
    code: bool,
}

/// Leaves under one cached node at the bottom of a page's cache (512 bytes).
const CHUNK_LEAVES: usize = 16;
/// Bytes in a chunk.
pub const CHUNK_BYTES: usize = CHUNK_LEAVES * LEAF_SIZE;
/// Chunks per page.
pub(crate) const CHUNKS: usize = LEAVES_PER_PAGE / CHUNK_LEAVES;
/// Height of a chunk's root above the leaves.
const CHUNK_HEIGHT: usize = 4;

/// Most pages [`Memory::stale_pages`] lists; past that it reports every page stale.
const STALE_PAGES: usize = 4096;

/// Pages rehashed together, so that their hashes fill the eight lanes.
const REHASH_GROUP: usize = 64;

/// Two nodes side by side, as their parent hashes them.
fn pair(left: &Hash, right: &Hash) -> [u8; 64] {
    let mut out = [0u8; 64];
    out[..32].copy_from_slice(left);
    out[32..].copy_from_slice(right);
    out
}

/// What rehashing one page needs: its bytes, its cached nodes (brought up to date) and which of
/// its chunks changed.
struct PageWork<'a> {
    data: &'a [u8; PAGE_SIZE],
    nodes: &'a mut [Hash; CHUNKS * 2],
    dirty: [u8; CHUNKS],
}

impl<'a> PageWork<'a> {
    /// The work of a page, taking its dirty marks.
    fn take(page: &'a mut Page) -> Self {
        let Page {
            data, nodes, dirty, ..
        } = page;
        PageWork {
            data,
            nodes,
            dirty: std::mem::take(dirty),
        }
    }
}

/// Rehashes the dirty chunks of `pages` and every page's cached nodes above them, level by level
/// across all the pages, so that most hashes are computed eight at a time.
fn rehash_pages(pages: &mut [PageWork<'_>]) {
    // The dirty chunks, as (page, chunk), page by page.
    let mut chunks: Vec<(usize, usize)> = Vec::new();
    for (i, page) in pages.iter().enumerate() {
        for (c, dirty) in page.dirty.iter().enumerate() {
            if *dirty != 0 {
                chunks.push((i, c));
            }
        }
    }
    if chunks.is_empty() {
        return;
    }
    // A chunk's 16 leaves are 8 pairs; then 4, 2 and 1 node per chunk.
    let leaf_pairs: Vec<&[u8; 64]> = chunks
        .iter()
        .flat_map(|&(i, c)| {
            pages[i].data[c * CHUNK_BYTES..(c + 1) * CHUNK_BYTES]
                .chunks_exact(64)
                .map(|pair| pair.try_into().expect("64 bytes"))
        })
        .collect();
    let mut level = hash_node_pairs(&leaf_pairs, 0);
    for height in 1..CHUNK_HEIGHT {
        let pairs: Vec<[u8; 64]> = level.chunks_exact(2).map(|n| pair(&n[0], &n[1])).collect();
        level = hash_node_pairs(&pairs, height);
    }
    for (&(i, c), root) in chunks.iter().zip(level) {
        pages[i].nodes[CHUNKS + c] = root;
    }
    // Every page with a dirty chunk: its nodes 4..8, then 2..4, then 1.
    let mut touched: Vec<usize> = chunks.iter().map(|&(i, _)| i).collect();
    touched.dedup();
    let mut first = CHUNKS / 2;
    let mut height = CHUNK_HEIGHT;
    while first >= 1 {
        let pairs: Vec<[u8; 64]> = touched
            .iter()
            .flat_map(|&i| {
                let nodes = &*pages[i].nodes;
                (first..2 * first).map(move |n| pair(&nodes[2 * n], &nodes[2 * n + 1]))
            })
            .collect();
        let hashes = hash_node_pairs(&pairs, height);
        let mut next = hashes.into_iter();
        for &i in &touched {
            for n in first..2 * first {
                pages[i].nodes[n] = next.next().expect("one hash per pair");
            }
        }
        first /= 2;
        height += 1;
    }
}

/// Mutable references to the elements of `slice` at the strictly increasing positions `sorted`.
fn disjoint_mut<'a, T>(mut slice: &'a mut [T], sorted: &[u32]) -> Vec<&'a mut T> {
    let mut out = Vec::with_capacity(sorted.len());
    let mut base = 0;
    for &pos in sorted {
        let rest = std::mem::take(&mut slice);
        let (item, rest) = rest[pos as usize - base..]
            .split_first_mut()
            .expect("positions in bounds");
        out.push(item);
        slice = rest;
        base = pos as usize + 1;
    }
    out
}

/// Root of the subtree over `data` (a power-of-two number of 32-byte leaves).
fn subtree_root(data: &[u8]) -> Hash {
    if data.len() == LEAF_SIZE {
        return data.try_into().expect("one leaf");
    }
    if data.len() == 2 * LEAF_SIZE {
        return crate::hash::keccak256(data);
    }
    if data.iter().all(|&b| b == 0) {
        return zero_hashes()[(data.len() / LEAF_SIZE).trailing_zeros() as usize];
    }
    let (left, right) = data.split_at(data.len() / 2);
    hash_pair(&subtree_root(left), &subtree_root(right))
}

impl Page {
    /// Makes the zero page number `number` out of zero bytes (its cached hashes are those of
    /// empty subtrees).
    ///
    /// # Safety
    /// `ptr` points to zero bytes for a `Page` that nothing else accesses.
    unsafe fn init_zeroed(ptr: *mut Page, number: u64) {
        let z = zero_hashes();
        // All zero bytes are a valid `Page` (arrays of bytes, false flags, page 0).
        let nodes = &mut *std::ptr::addr_of_mut!((*ptr).nodes);
        for (i, node) in nodes.iter_mut().enumerate().skip(1) {
            *node = z[PAGE_HEIGHT - i.ilog2() as usize];
        }
        std::ptr::addr_of_mut!((*ptr).number).write(number);
    }

    fn leaf(&self, leaf: usize) -> Hash {
        let mut out = [0u8; 32];
        out.copy_from_slice(&self.data[leaf * LEAF_SIZE..(leaf + 1) * LEAF_SIZE]);
        out
    }

    /// The bytes under the node of height `height` that holds leaf `leaf`.
    fn span(&self, leaf: usize, height: usize) -> &[u8] {
        let leaves = 1 << height;
        let first = leaf & !(leaves - 1);
        &self.data[first * LEAF_SIZE..(first + leaves) * LEAF_SIZE]
    }

    /// The sibling of the node of height `height` above `leaf`, for a proof.
    fn sibling(&self, leaf: usize, height: usize) -> Hash {
        if height < CHUNK_HEIGHT {
            return subtree_root(self.span(leaf ^ (1 << height), height));
        }
        let node = (CHUNKS + leaf / CHUNK_LEAVES) >> (height - CHUNK_HEIGHT);
        self.nodes[node ^ 1]
    }
}

/// A fast, non-cryptographic hasher for page numbers.
#[derive(Default)]
pub struct PageHasher(u64);

impl Hasher for PageHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 = (self.0.rotate_left(5) ^ u64::from(*b)).wrapping_mul(0x517c_c1b7_2722_0a95);
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = (self.0.rotate_left(5) ^ n).wrapping_mul(0x517c_c1b7_2722_0a95);
    }
}

type PageMap<V> = HashMap<u64, V, BuildHasherDefault<PageHasher>>;

/// Sparse, paged, Merkleized 64-bit memory.
pub struct Memory {
    /// Identifies this memory (each clone gets a new id), so caches derived from it can tell.
    id: u64,
    /// Numbers of code pages written since `take_code_writes`.
    code_written: Vec<u64>,
    /// Pages in allocation order.
    /// Shared with clones until written (copy on write).
    pages: Vec<PageRef>,
    /// Page number -> position in `pages` and address of the page.
    index: PageIndex,
    /// The tree above the pages.
    tree: UpperTree,
    /// Positions in `pages` of pages with dirty leaves.
    dirty_pages: Vec<u32>,
    /// Recently used pages, direct-mapped by page number: (page number, its slot).
    cache: [Cell<(u64, Slot)>; PAGE_CACHE],
    /// Dirty pages being hashed on another thread, if any.
    background: Option<Background>,
    /// The pages whose JIT view (address, or whether a JIT may write it) changed since
    /// `stale_pages` last listed them.
    stale: Vec<u64>,
    /// Whether more changed than `stale` lists (a clone shares every page, a root takes pages
    /// off the dirty list, too many pages): every page is stale.
    all_stale: Cell<bool>,
    /// The most pages a run may grow this memory to (see [`Memory::over_limit`]).
    page_limit: usize,
    /// What background hashing achieved since the last root (see `background_pays`).
    background_yield: BackgroundYield,
}

impl Memory {
    /// Empty memory (every byte zero).
    pub fn new() -> Self {
        Memory {
            id: next_memory_id(),
            code_written: Vec::new(),
            pages: Vec::new(),
            index: PageIndex::default(),
            tree: UpperTree::default(),
            dirty_pages: Vec::new(),
            cache: std::array::from_fn(|_| Cell::new((u64::MAX, index::ABSENT))),
            background: None,
            stale: Vec::new(),
            all_stale: Cell::new(false),
            page_limit: usize::MAX,
            background_yield: BackgroundYield::default(),
        }
    }

    /// Sets the most memory a run may grow this memory to, in bytes (rounded down to pages).
    /// Writes past it still happen; the VM checks [`Memory::over_limit`] after each instruction
    /// that may allocate and stops there, so the state stays one of whole instructions.
    pub fn set_limit(&mut self, bytes: u64) {
        self.page_limit = usize::try_from(bytes / PAGE_SIZE as u64).unwrap_or(usize::MAX);
    }

    /// The memory limit in bytes.
    pub fn limit(&self) -> u64 {
        (self.page_limit as u64).saturating_mul(PAGE_SIZE as u64)
    }

    /// Whether the memory has grown past its limit.
    #[inline(always)]
    pub fn over_limit(&self) -> bool {
        self.pages.len() > self.page_limit
    }

    /// This memory's identity (a clone has another).
    pub fn id(&self) -> u64 {
        self.id
    }

    /// Notes that an interpreter decoded instructions from `page`: later writes to it are reported
    /// by `take_code_writes`.
    pub fn mark_code(&mut self, page: u64) {
        if let Some(pos) = self.lookup(page) {
            self.page_mut(pos).code = true;
            self.page_stale(page);
        }
    }

    /// Whether a code page was written since the last `take_code_writes`.
    #[inline(always)]
    pub fn code_was_written(&self) -> bool {
        !self.code_written.is_empty()
    }

    /// The code pages written since the last call.
    pub fn take_code_writes(&mut self) -> Vec<u64> {
        std::mem::take(&mut self.code_written)
    }

    /// Number of allocated pages.
    pub fn page_count(&self) -> usize {
        self.pages.len()
    }

    /// Bytes of memory allocated for pages.
    pub fn usage_bytes(&self) -> u64 {
        self.pages.len() as u64 * PAGE_SIZE as u64
    }

    /// Where page number `page` is, if allocated.
    #[inline]
    fn slot(&self, page: u64) -> Option<Slot> {
        let cached = &self.cache[page as usize % PAGE_CACHE];
        let (number, slot) = cached.get();
        let slot = if number == page {
            slot
        } else {
            let slot = self.index.get(page)?;
            cached.set((page, slot));
            slot
        };
        debug_assert_eq!(slot.page, self.pages[slot.pos as usize].as_ptr());
        Some(slot)
    }

    /// The position in `pages` of page number `page`, if allocated.
    #[inline]
    fn lookup(&self, page: u64) -> Option<usize> {
        self.slot(page).map(|slot| slot.pos as usize)
    }

    /// The page a slot of this memory points to.
    #[inline]
    fn page_at(&self, slot: Slot) -> &Page {
        // SAFETY: `pages` holds the page (a slot is updated whenever its page is replaced, see
        // `page_moved`), and `&self` excludes writes to it.
        unsafe { &*slot.page }
    }

    /// Points the index (and the cache) at the page now at `pos`, after it was replaced by a copy.
    fn page_moved(&mut self, pos: usize) {
        let page = &self.pages[pos];
        let number = page.number;
        let slot = Slot {
            page: page.as_ptr(),
            pos: pos as u32,
        };
        self.index.set(number, slot);
        let cached = &self.cache[number as usize % PAGE_CACHE];
        if cached.get().0 == number {
            cached.set((number, slot));
        }
    }

    /// Allocates a zero page if absent and returns its position.
    fn page_pos_or_alloc(&mut self, page: u64) -> usize {
        if let Some(pos) = self.lookup(page) {
            return pos;
        }
        let pos = self.pages.len();
        self.pages.push(PageRef::zeroed(page));
        self.page_moved(pos);
        pos
    }

    /// For the JIT's TLBs: the address of an allocated page (its data is at offset 0), and whether
    /// the JIT may write it directly (owned alone, already on the dirty list and holding no
    /// decoded code; a JIT gets such an address to write through from `writable_page_for_jit`).
    /// Valid until [`Memory::stale_pages`] lists the page.
    pub fn page_for_jit(&self, page: u64) -> Option<(*mut u8, bool)> {
        self.slot(page).map(|slot| self.jit_view(slot))
    }

    /// The address of a page and whether a JIT may write it directly.
    fn jit_view(&self, slot: Slot) -> (*mut u8, bool) {
        let page = self.page_at(slot);
        // Shared with a clone or the background hasher, a page is written by copying it.
        let writable = page.listed && !page.code && self.owns_page(slot.pos as usize);
        (slot.page as *mut u8, writable)
    }

    /// For a JIT whose stores do not mark their chunks: the address of an allocated page it may
    /// write directly (as `page_for_jit`), with every chunk of the page marked dirty first, so
    /// that any write through the address is rehashed. The marks stay until the page's hashes
    /// are next brought up to date, which lists the page stale: the address is dropped then.
    pub fn writable_page_for_jit(&mut self, page: u64) -> Option<*mut u8> {
        let slot = self.slot(page)?;
        let (p, writable) = self.jit_view(slot);
        if !writable {
            return None;
        }
        self.page_mut(slot.pos as usize).dirty = [1; CHUNKS];
        Some(p)
    }

    /// Whether `stale_pages` has anything to report: the cheap check a JIT makes after anything
    /// that may have changed memory.
    #[inline(always)]
    pub fn has_stale_pages(&self) -> bool {
        !self.stale.is_empty() || self.all_stale.get()
    }

    /// For a JIT that keeps page addresses: the pages whose address, or whether a JIT may write
    /// them directly, changed since the last call (a page copied on write, a page becoming code,
    /// a batch handed to the background hasher), or None if every page may have (a clone of this
    /// memory, a root, too many pages; the JIT then drops every address).
    pub fn stale_pages(&mut self) -> Option<std::vec::Drain<'_, u64>> {
        if self.all_stale.replace(false) {
            self.stale.clear();
            return None;
        }
        Some(self.stale.drain(..))
    }

    /// Notes that the JIT view of page number `page` changed (see `stale_pages`).
    fn page_stale(&mut self, page: u64) {
        if self.all_stale.get() {
            return;
        }
        if self.stale.len() == STALE_PAGES {
            self.all_stale.set(true);
            self.stale.clear();
            return;
        }
        self.stale.push(page);
    }

    /// The page at `pos`, to write: copied first if a clone (or the background hasher) shares it.
    #[inline]
    fn page_mut(&mut self, pos: usize) -> &mut Page {
        if self.owns_page(pos) {
            // SAFETY: owned alone (`owns_page`); `&mut self` excludes any other access to it.
            return unsafe { &mut *(self.pages[pos].as_ptr() as *mut Page) };
        }
        self.pages[pos].make_mut();
        self.page_moved(pos);
        self.page_stale(self.pages[pos].number);
        // SAFETY: just made unique; `&mut self` excludes any other access to it.
        unsafe { &mut *(self.pages[pos].as_ptr() as *mut Page) }
    }

    /// Whether this memory owns the page at `pos` alone (no clone or background batch shares it).
    #[inline]
    fn owns_page(&self, pos: usize) -> bool {
        self.pages[pos].is_unique()
    }

    /// Makes sure the page holding `addr` exists (as the reference allocates on every range write).
    pub fn ensure_page(&mut self, addr: u64) {
        self.page_pos_or_alloc(addr >> PAGE_ADDR_BITS);
    }

    #[inline]
    fn mark_dirty(&mut self, pos: usize, offset: usize, len: usize) {
        let page = self.page_mut(pos);
        page.dirty[offset / CHUNK_BYTES..=(offset + len - 1) / CHUNK_BYTES].fill(1);
        if !page.listed || page.code {
            self.note_first_write(pos);
        }
    }

    /// Writes `bytes` at `offset` in the page at `pos` and marks them dirty.
    #[inline]
    fn write_in_page(&mut self, pos: usize, offset: usize, bytes: &[u8]) {
        self.page_mut(pos).data[offset..offset + bytes.len()].copy_from_slice(bytes);
        self.mark_dirty(pos, offset, bytes.len());
    }

    /// A page written for the first time since its last hashing, or holding decoded code: puts
    /// it on the dirty list, and reports a code page written.
    #[cold]
    fn note_first_write(&mut self, pos: usize) {
        let round = self.background_yield.round;
        let page = self.page_mut(pos);
        let code_written = std::mem::take(&mut page.code).then_some(page.number);
        let newly_dirty = !std::mem::replace(&mut page.listed, true);
        let rehashed = std::mem::take(&mut page.handed_round) == round;
        self.background_yield.rewritten += usize::from(rehashed);
        if let Some(number) = code_written {
            self.code_written.push(number);
        }
        if newly_dirty {
            self.dirty_pages.push(pos as u32);
        }
    }

    /// Reads `buf.len()` bytes at `addr` (wrapping around the address space); absent pages read as zero.
    pub fn read(&self, mut addr: u64, buf: &mut [u8]) {
        let mut done = 0;
        while done < buf.len() {
            let offset = (addr as usize) & (PAGE_SIZE - 1);
            let n = (PAGE_SIZE - offset).min(buf.len() - done);
            match self.slot(addr >> PAGE_ADDR_BITS) {
                Some(slot) => buf[done..done + n]
                    .copy_from_slice(&self.page_at(slot).data[offset..offset + n]),
                None => buf[done..done + n].fill(0),
            }
            done += n;
            addr = addr.wrapping_add(n as u64);
        }
    }

    /// Writes `data` at `addr` (wrapping around the address space), allocating pages as needed.
    pub fn write(&mut self, mut addr: u64, data: &[u8]) {
        let mut done = 0;
        while done < data.len() {
            let offset = (addr as usize) & (PAGE_SIZE - 1);
            let n = (PAGE_SIZE - offset).min(data.len() - done);
            let pos = self.page_pos_or_alloc(addr >> PAGE_ADDR_BITS);
            self.write_in_page(pos, offset, &data[done..done + n]);
            done += n;
            addr = addr.wrapping_add(n as u64);
        }
    }

    /// Reads a little-endian integer of `size` (1..=8) bytes at `addr`, zero-extended.
    #[inline]
    pub fn read_le(&self, addr: u64, size: usize) -> u64 {
        let offset = (addr as usize) & (PAGE_SIZE - 1);
        if offset + 8 <= PAGE_SIZE {
            if let Some(slot) = self.slot(addr >> PAGE_ADDR_BITS) {
                let bytes: [u8; 8] = self.page_at(slot).data[offset..offset + 8]
                    .try_into()
                    .unwrap();
                let v = u64::from_le_bytes(bytes);
                return if size == 8 {
                    v
                } else {
                    v & ((1u64 << (size * 8)) - 1)
                };
            }
            return 0;
        }
        let mut buf = [0u8; 8];
        self.read(addr, &mut buf[..size]);
        u64::from_le_bytes(buf)
    }

    /// Writes the low `size` (1..=8) bytes of `value` little-endian at `addr`.
    #[inline]
    pub fn write_le(&mut self, addr: u64, size: usize, value: u64) {
        let offset = (addr as usize) & (PAGE_SIZE - 1);
        if offset + size <= PAGE_SIZE {
            let pos = self.page_pos_or_alloc(addr >> PAGE_ADDR_BITS);
            self.write_in_page(pos, offset, &value.to_le_bytes()[..size]);
            return;
        }
        self.write(addr, &value.to_le_bytes()[..size]);
    }

    /// The 32-byte leaf at a 32-aligned address.
    pub fn read_leaf(&self, addr: u64) -> Hash {
        let mut out = [0u8; 32];
        self.read(addr, &mut out);
        out
    }

    /// The Merkle root of all memory.
    pub fn merkle_root(&mut self) -> Hash {
        self.flush();
        self.tree.node(1)
    }

    /// Number of pages written since their hashes were last brought up to date (or handed to the
    /// background).
    pub fn dirty_page_count(&self) -> usize {
        self.dirty_pages.len()
    }

    /// Rehashes dirty pages (on all cores when there are many), then the tree above them.
    fn flush(&mut self) {
        self.collect_background();
        let mut dirty = std::mem::take(&mut self.dirty_pages);
        if !dirty.is_empty() {
            self.all_stale.set(true); // these pages leave the dirty list
        }
        let round = self.background_yield.round.wrapping_add(1).max(1);
        self.background_yield = BackgroundYield {
            round,
            handed: 0,
            rewritten: 0,
        };
        dirty.sort_unstable();
        let threads = crate::cores();
        let threads = if dirty.len() >= PARALLEL_REHASH_PAGES {
            threads
        } else {
            1
        };
        let mut slots = disjoint_mut(&mut self.pages, &dirty);
        let per_thread = slots.len().div_ceil(threads).max(1);
        let rehash = |part: &mut [&mut PageRef]| {
            for group in part.chunks_mut(REHASH_GROUP) {
                let mut pages: Vec<PageWork> = group
                    .iter_mut()
                    .map(|slot| PageWork::take(slot.make_mut()))
                    .collect();
                rehash_pages(&mut pages);
            }
        };
        if threads > 1 {
            std::thread::scope(|scope| {
                for part in slots.chunks_mut(per_thread) {
                    scope.spawn(move || rehash(part));
                }
            });
        } else {
            rehash(&mut slots);
        }
        for pos in dirty {
            self.page_moved(pos as usize); // copied above if a clone shared it
            let page = self.page_mut(pos as usize);
            page.listed = false;
            let (number, root) = (page.number, page.nodes[1]);
            self.tree.set_page_root(number, root);
        }
        self.tree.refresh();
    }

    /// The memory proof of the leaf holding `addr`: the leaf, then 59 siblings from the bottom up.
    pub fn merkle_proof(&mut self, addr: u64) -> [u8; MEMORY_PROOF_SIZE] {
        self.flush();
        let mut out = [0u8; MEMORY_PROOF_SIZE];
        let leaf = ((addr as usize) & (PAGE_SIZE - 1)) / LEAF_SIZE;
        let page_number = addr >> PAGE_ADDR_BITS;
        let mut slot = 0;
        let mut put = |h: &Hash, out: &mut [u8; MEMORY_PROOF_SIZE]| {
            out[slot * 32..slot * 32 + 32].copy_from_slice(h);
            slot += 1;
        };
        match self.lookup(page_number) {
            Some(pos) => {
                let page = &self.pages[pos];
                put(&page.leaf(leaf), &mut out);
                for height in 0..PAGE_HEIGHT {
                    put(&page.sibling(leaf, height), &mut out);
                }
            }
            None => {
                let z = zero_hashes();
                put(&z[0], &mut out); // the leaf
                for h in &z[..PAGE_HEIGHT] {
                    put(h, &mut out);
                }
            }
        }
        let mut g = (1u64 << PAGE_DEPTH) | page_number;
        while g > 1 {
            let sibling = self.tree.node(g ^ 1);
            put(&sibling, &mut out);
            g >>= 1;
        }
        debug_assert_eq!(slot, TREE_DEPTH + 1);
        out
    }

    /// Pages sorted by page number, as (page number, bytes).
    pub fn pages_sorted(&self) -> Vec<(u64, &[u8; PAGE_SIZE])> {
        let mut v: Vec<(u64, &[u8; PAGE_SIZE])> = self
            .index
            .iter()
            .map(|(k, pos)| (k, &self.pages[pos as usize].data))
            .collect();
        v.sort_unstable_by_key(|(k, _)| *k);
        v
    }

    /// Whether a page with this number is allocated.
    pub fn has_page(&self, page: u64) -> bool {
        self.lookup(page).is_some()
    }

    /// Sets a whole page (used when loading state files); a page already present is replaced.
    pub fn set_page(&mut self, page: u64, data: &[u8; PAGE_SIZE]) {
        let pos = self.page_pos_or_alloc(page);
        self.write_in_page(pos, 0, data);
    }

    /// The bytes of a page, if allocated.
    pub fn page_data(&self, page: u64) -> Option<&[u8; PAGE_SIZE]> {
        self.lookup(page).map(|pos| &self.pages[pos].data)
    }
}

fn next_memory_id() -> u64 {
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
    NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
}

impl Default for Memory {
    fn default() -> Self {
        Memory::new()
    }
}

impl Clone for Memory {
    fn clone(&self) -> Self {
        let mut copy = Memory {
            id: next_memory_id(),
            code_written: self.code_written.clone(),
            pages: self.pages.clone(),
            index: self.index.clone(),
            tree: self.tree.clone(),
            dirty_pages: self.dirty_pages.clone(),
            cache: self.cache.clone(),
            background: None,
            stale: Vec::new(),
            all_stale: Cell::new(false),
            page_limit: self.page_limit,
            background_yield: self.background_yield.clone(),
        };
        // The pages are shared now: this memory's JIT may no longer write them directly.
        self.all_stale.set(true);
        // Pages still being hashed in the background for `self`: the copy hashes them itself.
        for &pos in self.background.iter().flat_map(|b| &b.pages) {
            copy.mark_dirty(pos as usize, 0, PAGE_SIZE);
        }
        copy
    }
}

impl std::fmt::Debug for Memory {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Memory({} pages)", self.pages.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hash::keccak256;

    /// A small deterministic generator (xorshift64) starting from `seed`.
    fn xorshift(mut x: u64) -> impl FnMut() -> u64 {
        move || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        }
    }

    /// Root recomputed from scratch from a list of (addr, 32-byte leaf) pairs: the slow, obvious way.
    fn naive_root(leaves: &[(u64, Hash)]) -> Hash {
        fn node(leaves: &[(u64, Hash)], depth: usize, prefix: u64) -> Hash {
            let here: Vec<_> = leaves
                .iter()
                .filter(|(a, _)| depth == 0 || (a >> 5) >> (TREE_DEPTH - depth) == prefix)
                .cloned()
                .collect();
            if here.is_empty() {
                return zero_hashes()[TREE_DEPTH - depth];
            }
            if depth == TREE_DEPTH {
                return here[0].1;
            }
            hash_pair(
                &node(&here, depth + 1, prefix << 1),
                &node(&here, depth + 1, (prefix << 1) | 1),
            )
        }
        node(leaves, 0, 0)
    }

    fn verify(proof: &[u8; MEMORY_PROOF_SIZE], addr: u64) -> Hash {
        let mut node: Hash = proof[..32].try_into().unwrap();
        let path = addr >> 5;
        for i in 0..TREE_DEPTH {
            let sib: Hash = proof[32 * (i + 1)..32 * (i + 2)].try_into().unwrap();
            node = if (path >> i) & 1 == 0 {
                hash_pair(&node, &sib)
            } else {
                hash_pair(&sib, &node)
            };
        }
        node
    }

    #[test]
    fn empty_memory_root_is_the_zero_subtree() {
        let mut m = Memory::new();
        assert_eq!(m.merkle_root(), zero_hashes()[TREE_DEPTH]);
        // An allocated but zero page changes nothing.
        m.ensure_page(0x1234_5678);
        assert_eq!(m.merkle_root(), zero_hashes()[TREE_DEPTH]);
    }

    #[test]
    fn root_matches_naive_computation_and_proofs_verify() {
        let mut m = Memory::new();
        let addrs = [
            0u64,
            0x20,
            0x1000,
            0x7f00_0000_0000,
            0xffff_ffff_ffff_ffe0,
            0x1000_0000_0000_0040,
        ];
        let mut leaves = vec![];
        for (i, &a) in addrs.iter().enumerate() {
            let leaf = keccak256(&[i as u8]);
            m.write(a, &leaf);
            leaves.push((a, leaf));
        }
        let root = m.merkle_root();
        assert_eq!(root, naive_root(&leaves));
        for &a in &addrs {
            assert_eq!(verify(&m.merkle_proof(a), a), root);
        }
        // Proof of an absent page and of a zero leaf in a present page.
        assert_eq!(verify(&m.merkle_proof(0x5555_0000), 0x5555_0000), root);
        assert_eq!(verify(&m.merkle_proof(0x40), 0x40), root);
    }

    #[test]
    fn rerooting_after_writes_tracks_changes() {
        let mut m = Memory::new();
        m.write(0x100, &[1; 100]);
        let r1 = m.merkle_root();
        m.write_le(0x11e, 8, 0xdead_beef_0102_0304); // crosses a leaf boundary
        let r2 = m.merkle_root();
        assert_ne!(r1, r2);
        let mut fresh = Memory::new();
        let mut all = [0u8; 0x200];
        m.read(0, &mut all);
        fresh.write(0, &all);
        assert_eq!(fresh.merkle_root(), r2);
        assert_eq!(m.read_le(0x11e, 8), 0xdead_beef_0102_0304);
        assert_eq!(m.read_le(0x11e, 3), 0x02_0304);
    }

    #[test]
    fn parallel_and_incremental_rehashing_agree_and_proofs_verify() {
        let mut all_at_once = Memory::new();
        let mut in_steps = Memory::new();
        let mut next = xorshift(0x9e37_79b9_7f4a_7c15);
        let mut addrs = vec![];
        for i in 0..3000u64 {
            let x = next();
            let addr = (x % (1 << 40)) & !7;
            addrs.push(addr);
            all_at_once.write_le(addr, 8, x);
            in_steps.write_le(addr, 8, x);
            if i % 500 == 0 {
                in_steps.merkle_root(); // fewer dirty pages than the parallel threshold
            }
        }
        let root = all_at_once.merkle_root();
        assert_eq!(in_steps.merkle_root(), root);
        for &a in addrs.iter().step_by(97) {
            assert_eq!(verify(&all_at_once.merkle_proof(a), a), root);
            assert_eq!(verify(&in_steps.merkle_proof(a + 32), a + 32), root);
        }
    }

    #[test]
    fn dense_rewrites_match_a_fresh_copy_and_proofs_verify() {
        // 64 MiB: 256 groups of 64 pages, every page written, then a few pages of a few groups.
        let mut m = Memory::new();
        let mut next = xorshift(0x51ed_2700_4f1c_93a7);
        let base = 0x4000_0000u64;
        for page in 0..(64 << 20) / PAGE_SIZE as u64 {
            m.write_le(base + page * 4096 + next() % 4088, 8, next());
        }
        let mut roots = vec![m.merkle_root()];
        for round in 0..3 {
            for _ in 0..(5 << round) {
                m.write_le((base + next() % (64 << 20)) & !7, 8, next());
            }
            roots.push(m.merkle_root());
            let mut fresh = Memory::new();
            for (number, data) in m.pages_sorted() {
                fresh.set_page(number, data);
            }
            assert_eq!(fresh.merkle_root(), roots[round + 1], "round {round}");
            for _ in 0..20 {
                let addr = base + next() % (64 << 20);
                assert_eq!(verify(&m.merkle_proof(addr), addr), roots[round + 1]);
            }
        }
        roots.dedup();
        assert_eq!(roots.len(), 4, "every round changes the root");
    }

    #[test]
    fn background_rehashing_gives_the_same_roots_and_proofs() {
        let mut background = Memory::new();
        let mut plain = Memory::new();
        let mut next = xorshift(0x1234_5678_9abc_def1);
        for round in 0..24 {
            for i in 0..4000 {
                // Spread over 4 MiB, with runs of neighbouring writes.
                let addr = if i % 4 == 0 {
                    next() % (4 << 20)
                } else {
                    next() % 4096 + (round << 12)
                };
                let value = next();
                background.write_le(addr, 8, value);
                plain.write_le(addr, 8, value);
                if i == 2000 {
                    // Half the round's writes land while the batch is being hashed.
                    background.rehash_in_background(1);
                }
            }
            if round % 3 == 0 {
                let mut copy = background.clone();
                assert_eq!(
                    copy.merkle_root(),
                    plain.merkle_root(),
                    "clone, round {round}"
                );
            }
            if round % 2 == 0 {
                let addr = next() % (4 << 20);
                assert_eq!(
                    background.merkle_proof(addr),
                    plain.merkle_proof(addr),
                    "round {round}"
                );
                assert_eq!(
                    background.merkle_root(),
                    plain.merkle_root(),
                    "round {round}"
                );
            }
        }
        assert_eq!(background.merkle_root(), plain.merkle_root());
    }

    #[test]
    fn reads_and_writes_cross_pages_and_wrap() {
        let mut m = Memory::new();
        m.write_le(0xffd, 8, 0x0807_0605_0403_0201);
        assert_eq!(m.read_le(0xffd, 8), 0x0807_0605_0403_0201);
        assert_eq!(m.page_count(), 2);
        m.write(u64::MAX - 1, &[9, 9, 9, 9]);
        let mut b = [0u8; 4];
        m.read(u64::MAX - 1, &mut b);
        assert_eq!(b, [9; 4]);
        let mut z = [1u8; 4];
        m.read(0x9999_0000, &mut z);
        assert_eq!(z, [0; 4]);
    }

    /// The pages `stale_pages` lists (sorted), or None if it reports every page stale.
    fn stale(m: &mut Memory) -> Option<Vec<u64>> {
        let mut pages: Vec<u64> = m.stale_pages()?.collect();
        pages.sort_unstable();
        Some(pages)
    }

    #[test]
    fn stale_pages_lists_every_change_a_jit_must_see() {
        let mut m = Memory::new();
        for page in 0..4u64 {
            m.write_le(page << 12, 8, page);
        }
        assert_eq!(stale(&mut m), Some(vec![]), "first writes move nothing");
        m.mark_code(1);
        assert_eq!(stale(&mut m), Some(vec![1]), "a page becoming code");
        // A batch handed to the background leaves the dirty list.
        assert!(m.rehash_in_background(1));
        assert_eq!(
            stale(&mut m),
            Some(vec![0, 1, 2, 3]),
            "pages leaving the dirty list"
        );
        m.collect_background();
        // A clone shares every page; a write then copies the page.
        let copy = m.clone();
        assert_eq!(stale(&mut m), None, "a clone");
        assert_eq!(stale(&mut m), Some(vec![]));
        m.write_le(2 << 12, 8, 7);
        assert_eq!(stale(&mut m), Some(vec![2]), "a page copied on write");
        let (addr, writable) = m.page_for_jit(2).unwrap();
        assert!(writable);
        // SAFETY: the page is allocated and nothing else holds its address.
        assert_eq!(
            unsafe { *addr.cast::<u64>() },
            7,
            "the index follows the copy"
        );
        assert_eq!(copy.read_le(2 << 12, 8), 2, "the clone keeps its page");
        // A root takes every dirty page off the dirty list.
        m.write_le(3 << 12, 8, 1);
        m.merkle_root();
        assert_eq!(stale(&mut m), None, "a root");
        // Past the most it lists, every page.
        for page in 0..STALE_PAGES as u64 + 1 {
            m.write_le((16 + page) << 12, 8, 1);
            m.mark_code(16 + page);
        }
        assert_eq!(stale(&mut m), None, "too many pages");
    }
}
