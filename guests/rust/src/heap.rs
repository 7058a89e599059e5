//! A bump allocator over a static 8 MiB arena in .bss (never frees), for rust-compute's heap.

use core::alloc::{GlobalAlloc, Layout};
use core::cell::UnsafeCell;

/// A bump allocator over a static arena in .bss (never frees).
struct Bump {
    arena: UnsafeCell<[u8; ARENA_SIZE]>,
    next: UnsafeCell<usize>,
}
const ARENA_SIZE: usize = 8 * 1024 * 1024;
unsafe impl Sync for Bump {}

unsafe impl GlobalAlloc for Bump {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let next = unsafe { &mut *self.next.get() };
        let base = self.arena.get() as usize;
        let start = (base + *next + layout.align() - 1) & !(layout.align() - 1);
        let end = start + layout.size();
        if end > base + ARENA_SIZE {
            return core::ptr::null_mut();
        }
        *next = end - base;
        start as *mut u8
    }
    unsafe fn dealloc(&self, _ptr: *mut u8, _layout: Layout) {}
}

#[global_allocator]
static ALLOC: Bump = Bump {
    arena: UnsafeCell::new([0; ARENA_SIZE]),
    next: UnsafeCell::new(0),
};
