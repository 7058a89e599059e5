//! Where pages live: carved from large anonymous mappings that the kernel populates a few MiB
//! at a time, and counted by [`PageRef`], a reference-counted handle shared copy-on-write.
//!
//! A program writing a GiB allocates a quarter million pages. From `calloc` each page costs a
//! page fault or two (a page and its hashes span two 4 KiB frames), and the allocator clears the
//! memory again. From a populated mapping the kernel sets up the frames in bulk, already zero.
//! Once a program has taken 16 MiB of pages, a thread of its own populates ahead of the carving
//! ([`ahead`]), so that the kernel's share of a fresh page is paid on another core.
//! Pages freed (a memory dropped, a copy on write) go to a free list and are cleared when reused;
//! the mappings stay for the process's life.

use super::Page;
use std::ptr::NonNull;
use std::sync::atomic::{fence, AtomicUsize, Ordering};
use std::sync::Mutex;

/// Bytes of address space reserved at a time (not memory: it is populated as it is used).
const REGION_BYTES: usize = 1 << 30;
/// Most bytes populated at a time, ahead of the pages carved (a region is populated in steps
/// that double from `POPULATE_MIN`, so a small program does not pay for a large step).
const POPULATE_BYTES: usize = 4 << 20;
const POPULATE_MIN: usize = 64 << 10;
/// Bytes carved after which a thread populates ahead instead (see [`ahead`]), and how often the
/// pool then tells it where the carving is.
const AHEAD_AFTER: usize = 16 << 20;
const AHEAD_REPORT: usize = 256 << 10;

mod ahead;

/// A page with its reference count.
#[repr(C)]
struct PageBox {
    refs: AtomicUsize,
    page: Page,
}

// A freed page's memory is reused without dropping the page: nothing in it may need dropping.
const _: () = assert!(!std::mem::needs_drop::<Page>());

/// Bytes between two pages carved from a region (a whole number of cache lines).
const STRIDE: usize = (std::mem::size_of::<PageBox>() + 63) & !63;

/// The regions pages are carved from, and the pages freed.
struct Pool {
    /// The current region's start, the next page's address in it, and its end (all 0 before
    /// the first region).
    base: usize,
    next: usize,
    end: usize,
    /// How far the current region is populated (or, once a thread populates ahead, where the
    /// carving is next reported to it).
    populated: usize,
    /// Whether a thread populates ahead of the carving.
    ahead: bool,
    /// Freed pages, to reuse.
    free: Vec<NonNull<PageBox>>,
}

// SAFETY: the pool holds addresses of free pages only; the mutex serialises access.
unsafe impl Send for Pool {}

static POOL: Mutex<Pool> = Mutex::new(Pool {
    base: 0,
    next: 0,
    end: 0,
    populated: 0,
    ahead: false,
    free: Vec::new(),
});

impl Pool {
    /// A page's memory: a freed page (returned with `true`: it must be cleared) or fresh zero
    /// memory from the current region.
    fn take(&mut self) -> (NonNull<PageBox>, bool) {
        if let Some(page) = self.free.pop() {
            return (page, true);
        }
        if self.next + STRIDE > self.end {
            self.new_region();
        }
        let page = self.next;
        self.next += STRIDE;
        if self.next > self.populated {
            self.populate();
        }
        (
            NonNull::new(page as *mut PageBox).expect("a mapped address"),
            false,
        )
    }

    /// Populates the region ahead of the carving: a step at a time here while the program is
    /// small, then by reporting the carving to the thread that populates ahead.
    fn populate(&mut self) {
        if self.ahead || self.populated - self.base >= AHEAD_AFTER {
            self.ahead = ahead::carving_at(self.next, self.end);
        }
        if self.ahead {
            self.populated = (self.next + AHEAD_REPORT).min(self.end);
            return;
        }
        let step = (self.populated - self.base).clamp(POPULATE_MIN, POPULATE_BYTES);
        let len = step.min(self.end - self.populated);
        populate(self.populated, len);
        self.populated += len;
    }

    /// Maps a new region (address space only) and carves from it from now on.
    fn new_region(&mut self) {
        let Some(base) = reserve(REGION_BYTES) else {
            let layout = std::alloc::Layout::from_size_align(REGION_BYTES, 4096).expect("layout");
            std::alloc::handle_alloc_error(layout);
        };
        self.base = base;
        self.next = base;
        self.populated = base;
        self.end = base + REGION_BYTES;
    }
}

/// Reserves `len` bytes of address space (a private anonymous mapping, populated as it is used
/// and never unmapped): its address, or None if the system refuses.
fn reserve(len: usize) -> Option<usize> {
    // SAFETY: a fresh private anonymous mapping; nothing else refers to it.
    let base = unsafe {
        libc::mmap(
            std::ptr::null_mut(),
            len,
            libc::PROT_READ | libc::PROT_WRITE,
            libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_NORESERVE,
            -1,
            0,
        )
    };
    (base != libc::MAP_FAILED).then_some(base as usize)
}

/// Has the kernel set up the pages of `[start, start + len)` (page-aligned, inside a region from
/// [`reserve`]) for writing, now. It changes no byte; failing (a kernel without
/// `MADV_POPULATE_WRITE`) only leaves the pages to be faulted in one by one.
fn populate(start: usize, len: usize) {
    // SAFETY: advice on memory the pool mapped and never unmaps; populating changes no byte.
    unsafe {
        libc::madvise(start as *mut libc::c_void, len, libc::MADV_POPULATE_WRITE);
    }
}

/// A shared reference to a page: cloning it shares the page, writing through
/// [`PageRef::make_mut`] copies it first if it is shared (as `Arc::make_mut`).
pub(super) struct PageRef(NonNull<PageBox>);

// SAFETY: a `PageRef` is a shared reference to a `Page` (which is Send and Sync) with an atomic
// count, as `Arc<Page>` is.
unsafe impl Send for PageRef {}
unsafe impl Sync for PageRef {}

impl PageRef {
    /// A new page of zeros with page number `number`.
    pub(super) fn zeroed(number: u64) -> PageRef {
        let (page, reused) = POOL.lock().unwrap_or_else(|e| e.into_inner()).take();
        let ptr = page.as_ptr();
        // SAFETY: the memory is this handle's alone; a fresh page is zero bytes already, a reused
        // one is cleared here. All zero bytes are a valid `Page` (arrays of bytes, false flags,
        // page 0) and count; the page's fields are then set through the unique pointer.
        unsafe {
            if reused {
                std::ptr::write_bytes(ptr, 0, 1);
            }
            (*ptr).refs.store(1, Ordering::Relaxed);
            Page::init_zeroed(std::ptr::addr_of_mut!((*ptr).page), number);
        }
        PageRef(page)
    }

    /// The page's address.
    pub(super) fn as_ptr(&self) -> *const Page {
        // SAFETY: the box is alive while this handle is.
        unsafe { std::ptr::addr_of!((*self.0.as_ptr()).page) }
    }

    /// Whether this is the only handle to the page.
    pub(super) fn is_unique(&self) -> bool {
        // SAFETY: the box is alive while this handle is.
        let alone = unsafe { (*self.0.as_ptr()).refs.load(Ordering::Relaxed) } == 1;
        if alone {
            // Pairs with the release of the last other handle, so its reads are done.
            fence(Ordering::Acquire);
        }
        alone
    }

    /// The page, to write: copied into a page of its own first if it is shared.
    pub(super) fn make_mut(&mut self) -> &mut Page {
        if !self.is_unique() {
            let (page, _) = POOL.lock().unwrap_or_else(|e| e.into_inner()).take();
            // SAFETY: the new memory is this handle's alone; it gets a whole page and a count.
            unsafe {
                let ptr = page.as_ptr();
                std::ptr::addr_of_mut!((*ptr).page).write((**self).clone());
                std::ptr::addr_of_mut!((*ptr).refs).write(AtomicUsize::new(1));
            }
            *self = PageRef(page);
        }
        // SAFETY: unique (just checked or just made), and `&mut self` excludes other access.
        unsafe { &mut (*self.0.as_ptr()).page }
    }
}

impl std::ops::Deref for PageRef {
    type Target = Page;

    fn deref(&self) -> &Page {
        // SAFETY: the box is alive while this handle is; writes go through `make_mut`, which
        // needs `&mut self`.
        unsafe { &(*self.0.as_ptr()).page }
    }
}

impl Clone for PageRef {
    fn clone(&self) -> Self {
        // SAFETY: the box is alive while this handle is.
        unsafe { (*self.0.as_ptr()).refs.fetch_add(1, Ordering::Relaxed) };
        PageRef(self.0)
    }
}

impl Drop for PageRef {
    fn drop(&mut self) {
        // SAFETY: the box is alive until its last handle is dropped, here.
        if unsafe { (*self.0.as_ptr()).refs.fetch_sub(1, Ordering::Release) } != 1 {
            return;
        }
        fence(Ordering::Acquire);
        POOL.lock()
            .unwrap_or_else(|e| e.into_inner())
            .free
            .push(self.0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_are_zero_shared_until_written_and_reused_cleared() {
        let mut a = PageRef::zeroed(7);
        assert!(a.data.iter().all(|&b| b == 0));
        assert_eq!(a.number, 7);
        a.make_mut().data[5] = 9;
        let mut b = a.clone();
        assert!(!a.is_unique() && !b.is_unique());
        assert_eq!(a.as_ptr(), b.as_ptr());
        b.make_mut().data[5] = 1;
        assert_ne!(a.as_ptr(), b.as_ptr(), "written while shared: copied");
        assert!(a.is_unique() && b.is_unique());
        assert_eq!((a.data[5], b.data[5]), (9, 1));
        drop(b);
        // A freed page comes back cleared.
        let pages: Vec<PageRef> = (0..64).map(PageRef::zeroed).collect();
        for (n, page) in pages.iter().enumerate() {
            assert!(page.data.iter().all(|&b| b == 0));
            assert_eq!(page.number, n as u64);
            assert!(page.is_unique());
        }
    }
}
