// The heaps of both runtimes (included by vm.rs and mips64.rs, which provide `mmap`).

/// Bump allocation of `layout` in `[*next, *end)`; `refill(len)` gives a new region of at least
/// `len` bytes (its start) when the current one is full. Memory is never given back.
///
/// # Safety
/// The caller holds the only access to `next` and `end` (the VM runs one thread).
unsafe fn bump(
    next: &mut usize,
    end: &mut usize,
    layout: Layout,
    refill: impl FnOnce(usize) -> Option<(usize, usize)>,
) -> *mut u8 {
    let fits = |at: usize, end: usize| {
        let start = (at + layout.align() - 1) & !(layout.align() - 1);
        (start.checked_add(layout.size())? <= end).then_some(start)
    };
    let start = match (*next != 0).then(|| fits(*next, *end)).flatten() {
        Some(start) => start,
        None => {
            let Some((base, len)) = refill(layout.size() + layout.align()) else {
                return core::ptr::null_mut();
            };
            *next = base;
            *end = base + len;
            match fits(base, *end) {
                Some(start) => start,
                None => return core::ptr::null_mut(),
            }
        }
    };
    *next = start + layout.size();
    start as *mut u8
}

/// A bump allocator taking memory from mmap in chunks of at least 16 MiB.
#[cfg(feature = "mmap-heap")]
pub struct MmapHeap(UnsafeCell<(usize, usize)>);

#[cfg(feature = "mmap-heap")]
// SAFETY: the VM runs one thread.
unsafe impl Sync for MmapHeap {}

#[cfg(feature = "mmap-heap")]
unsafe impl GlobalAlloc for MmapHeap {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        const CHUNK: usize = 16 << 20;
        // SAFETY: single-threaded; the cell holds (next, end) of the current chunk.
        let (next, end) = unsafe { &mut *self.0.get() };
        // SAFETY: as above.
        unsafe {
            bump(next, end, layout, |need| {
                let len = need.max(CHUNK).next_multiple_of(4096);
                let base = mmap(len) as usize;
                (base != usize::MAX && base != 0).then_some((base, len))
            })
        }
    }

    unsafe fn dealloc(&self, _ptr: *mut u8, _layout: Layout) {}
}

#[cfg(feature = "mmap-heap")]
#[global_allocator]
static HEAP: MmapHeap = MmapHeap(UnsafeCell::new((0, 0)));

/// Bytes of the static arena.
#[cfg(feature = "static-heap")]
const ARENA_SIZE: usize = 8 << 20;

/// A bump allocator over a static arena in .bss.
#[cfg(feature = "static-heap")]
pub struct StaticHeap {
    arena: UnsafeCell<[u8; ARENA_SIZE]>,
    cursor: UnsafeCell<(usize, usize)>,
}

#[cfg(feature = "static-heap")]
// SAFETY: the VM runs one thread.
unsafe impl Sync for StaticHeap {}

#[cfg(feature = "static-heap")]
unsafe impl GlobalAlloc for StaticHeap {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: single-threaded; the cell holds (next, end) within the arena.
        let (next, end) = unsafe { &mut *self.cursor.get() };
        let arena = self.arena.get() as usize;
        let unused = *next == 0;
        // SAFETY: as above.
        unsafe { bump(next, end, layout, |_| unused.then_some((arena, ARENA_SIZE))) }
    }

    unsafe fn dealloc(&self, _ptr: *mut u8, _layout: Layout) {}
}

#[cfg(feature = "static-heap")]
#[global_allocator]
static HEAP: StaticHeap = StaticHeap {
    arena: UnsafeCell::new([0; ARENA_SIZE]),
    cursor: UnsafeCell::new((0, 0)),
};
