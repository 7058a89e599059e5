//! Populating a region ahead of the pages carved from it, on a thread of its own.
//!
//! The kernel's work for a fresh page (allocating a frame, clearing it, mapping it) costs about
//! as much as everything else a program writing a GiB does. Once a program has shown it takes
//! many pages, this thread does that work on another core, keeping a few MiB populated
//! ahead of the pool's carving. It only advises the kernel (`MADV_POPULATE_WRITE` never changes
//! a page's bytes): a page the thread has not reached yet is simply faulted in by its first
//! write, and when the writer overtakes the thread, the thread skips ahead of it.

use std::sync::{Condvar, Mutex, OnceLock};

/// How far ahead of the carving the thread populates: pages populated and not yet used count in
/// the process's memory, so this stays at what populating in place used to take at a time (64
/// MiB measured no faster on memtouch, and made a 64 MiB state's conversion peak 60 MB higher).
const AHEAD_BYTES: usize = 4 << 20;
/// Bytes populated per call. The kernel holds the address space's lock (shared) meanwhile, and
/// the VM's thread waits for it whenever it maps memory (a heap growing, code translated): with
/// 2 MiB steps those waits added up to 0.1-0.17 s on memtouch.
const STEP_BYTES: usize = 128 << 10;
/// How far ahead of the writer the thread resumes when the writer has overtaken it.
const BEHIND_SKIP_BYTES: usize = 1 << 20;

/// What the thread knows of the region being carved.
struct Ahead {
    /// The carving position last reported, and the end of its region.
    carved: usize,
    end: usize,
    /// How far the thread has populated (or skipped) in that region.
    populated: usize,
}

/// The thread's shared state and its wake-up.
struct Populator {
    ahead: Mutex<Ahead>,
    wake: Condvar,
}

static POPULATOR: OnceLock<Option<&'static Populator>> = OnceLock::new();

/// Reports that the pool carves at `carved` in the region ending at `end`, starting the thread
/// on first use. Returns false if no thread could be started (the caller populates itself).
pub(super) fn carving_at(carved: usize, end: usize) -> bool {
    let Some(populator) = *POPULATOR.get_or_init(start) else {
        return false;
    };
    let mut ahead = populator.ahead.lock().unwrap_or_else(|e| e.into_inner());
    if ahead.end != end {
        // A new region: start populating it where the carving is.
        ahead.end = end;
        ahead.populated = carved;
    }
    ahead.carved = carved;
    populator.wake.notify_one();
    true
}

/// Starts the thread, if the system lets it and has a core to spare.
fn start() -> Option<&'static Populator> {
    if crate::cores() < 2 {
        return None;
    }
    let populator: &'static Populator = Box::leak(Box::new(Populator {
        ahead: Mutex::new(Ahead {
            carved: 0,
            end: 0,
            populated: 0,
        }),
        wake: Condvar::new(),
    }));
    std::thread::Builder::new()
        .name("verdict-page-populator".into())
        .spawn(move || populate_forever(populator))
        .ok()
        .map(|_| populator)
}

fn populate_forever(populator: &Populator) {
    crate::yield_to_the_run();
    let mut ahead = populator.ahead.lock().unwrap_or_else(|e| e.into_inner());
    loop {
        // Behind the writer (it faults pages in itself meanwhile): skip well ahead of it, so
        // that the two do not fault the same pages in. (madvise takes whole pages.)
        let start = if ahead.populated < ahead.carved {
            ahead.carved + BEHIND_SKIP_BYTES
        } else {
            ahead.populated
        } & !4095;
        if start >= ahead.end || start >= ahead.carved + AHEAD_BYTES {
            ahead = populator
                .wake
                .wait(ahead)
                .unwrap_or_else(|e| e.into_inner());
            continue;
        }
        let len = STEP_BYTES.min(ahead.end - start);
        ahead.populated = start + len;
        drop(ahead);
        super::populate(start, len);
        ahead = populator.ahead.lock().unwrap_or_else(|e| e.into_inner());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Pages of `[start, start + len)` resident in memory (`mincore`).
    fn resident(start: usize, len: usize) -> usize {
        let mut flags = vec![0u8; len / 4096];
        // SAFETY: the range is mapped (below) and `flags` has a byte per page.
        let r = unsafe { libc::mincore(start as *mut libc::c_void, len, flags.as_mut_ptr()) };
        assert_eq!(r, 0, "mincore");
        flags.iter().filter(|&&f| f & 1 != 0).count()
    }

    #[test]
    fn the_thread_populates_ahead_of_the_carving_from_an_unaligned_position() {
        let len = 2 * AHEAD_BYTES;
        // Left mapped: the thread may still touch it.
        let base = super::super::reserve(len).expect("address space");
        assert_eq!(resident(base, len), 0);
        // Carving starts mid-page, as pages are not page-aligned.
        let carved = base + 1200;
        let wanted = AHEAD_BYTES / 4096;
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
        // Other tests may point the thread at the pool's regions meanwhile: tell it again.
        while resident(base, len) < wanted && std::time::Instant::now() < deadline {
            assert!(carving_at(carved, base + len), "the thread started");
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        let pages = resident(base, len);
        assert!(pages >= wanted, "{pages} pages populated, wanted {wanted}");
        assert!(
            pages <= wanted + STEP_BYTES / 4096 + 1,
            "{pages} pages populated: no further than {AHEAD_BYTES} bytes ahead"
        );
        // Nothing changed a byte.
        // SAFETY: mapped above, and populated pages read as zero.
        let bytes = unsafe { std::slice::from_raw_parts(base as *const u8, len) };
        assert!(bytes.iter().all(|&b| b == 0));
    }
}
