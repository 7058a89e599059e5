//! Hashing dirty pages on another thread while the VM runs, so that a later root has less to do,
//! and judging whether it pays.

use super::{rehash_pages, Hash, Memory, PageRef, PageWork, CHUNKS, REHASH_GROUP};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc, Mutex, OnceLock};

/// Most pages hashed in one background batch (8 MiB: the copies are this memory's only overhead).
const BACKGROUND_BATCH_PAGES: usize = 2048;
/// Pages handed to the background hasher since the last root before it may be judged wasted.
const BACKGROUND_JUDGED_PAGES: usize = 4 * BACKGROUND_BATCH_PAGES;

/// Pages handed to the background hasher since the last root, and how many of them were written
/// again before it (their hashes were wasted: the root hashes them again).
#[derive(Clone)]
pub(super) struct BackgroundYield {
    /// Counts roots (from 1), so that a page can tell whether it was handed since the last one.
    pub(super) round: u32,
    pub(super) handed: usize,
    pub(super) rewritten: usize,
}

impl Default for BackgroundYield {
    fn default() -> Self {
        BackgroundYield {
            round: 1,
            handed: 0,
            rewritten: 0,
        }
    }
}

/// Copies of dirty pages being hashed on another thread: the thread returns each page's new cached
/// nodes. The pages themselves are off the dirty list meanwhile; any chunk written since its copy
/// was taken is marked dirty again and is rehashed by the next flush, after the nodes are applied.
pub(super) struct Background {
    /// The positions of the pages copied.
    pub(super) pages: Vec<u32>,
    /// The batch's results, and whether they were sent.
    results: mpsc::Receiver<Vec<(u32, [Hash; CHUNKS * 2])>>,
    finished: Arc<AtomicBool>,
}

type Job = Box<dyn FnOnce() + Send>;

/// Runs `job` on the thread that hashes background batches, started on first use and kept for
/// the process's life. (A thread per batch cost a thread's start and exit each time; both wait
/// for the address space's lock, which populating memory holds.) Without that thread the job
/// runs here.
fn on_hasher_thread(job: Job) {
    static HASHER: OnceLock<Option<Mutex<mpsc::Sender<Job>>>> = OnceLock::new();
    let hasher = HASHER.get_or_init(|| {
        let (jobs, incoming) = mpsc::channel::<Job>();
        std::thread::Builder::new()
            .name("verdict-hasher".into())
            .spawn(move || {
                crate::yield_to_the_run();
                for job in incoming {
                    job();
                }
            })
            .ok()
            .map(|_| Mutex::new(jobs))
    });
    let job = match hasher {
        Some(jobs) => match jobs.lock().unwrap_or_else(|e| e.into_inner()).send(job) {
            Ok(()) => return,
            Err(mpsc::SendError(job)) => job,
        },
        None => job,
    };
    job();
}

impl Memory {
    /// Whether no background batch is running (none was started, or it finished).
    pub fn background_idle(&self) -> bool {
        self.background
            .as_ref()
            .is_none_or(|b| b.finished.load(Ordering::Acquire))
    }

    /// Starts hashing dirty pages (a bounded batch) on another thread, if there are at least
    /// `min_pages` of them and no earlier batch is still running (a finished one is applied first), so that a later
    /// root or proof has less to do. The pages are copied; writes go on meanwhile. Returns whether
    /// a batch started.
    pub fn rehash_in_background(&mut self, min_pages: usize) -> bool {
        if self
            .background
            .as_ref()
            .is_some_and(|b| b.finished.load(Ordering::Acquire))
        {
            self.collect_background();
        }
        if self.background.is_some()
            || self.dirty_pages.len() < min_pages.max(1)
            || !self.background_pays()
        {
            return false;
        }
        // At most a bounded batch, the pages first written (so the copies stay a small constant).
        let batch = self.dirty_pages.len().min(BACKGROUND_BATCH_PAGES);
        let pages: Vec<u32> = self.dirty_pages.drain(..batch).collect();
        // The worker shares the pages: a write meanwhile copies the page (copy on write).
        let mut shared: Vec<(u32, [u8; CHUNKS], PageRef)> = Vec::with_capacity(pages.len());
        for &pos in &pages {
            let round = self.background_yield.round;
            let page = self.page_mut(pos as usize);
            let dirty = std::mem::take(&mut page.dirty);
            page.listed = false;
            page.handed_round = round;
            let number = page.number;
            self.page_stale(number);
            shared.push((pos, dirty, self.pages[pos as usize].clone()));
        }
        self.background_yield.handed += pages.len();
        let (send, results) = mpsc::sync_channel(1);
        let finished = Arc::new(AtomicBool::new(false));
        let done = finished.clone();
        on_hasher_thread(Box::new(move || {
            let mut results = Vec::with_capacity(shared.len());
            for group in shared.chunks(REHASH_GROUP) {
                let mut nodes: Vec<[Hash; CHUNKS * 2]> = group.iter().map(|s| s.2.nodes).collect();
                let mut pages: Vec<PageWork> = group
                    .iter()
                    .zip(nodes.iter_mut())
                    .map(|((_, dirty, page), nodes)| PageWork {
                        data: &page.data,
                        nodes,
                        dirty: *dirty,
                    })
                    .collect();
                rehash_pages(&mut pages);
                results.extend(group.iter().map(|s| s.0).zip(nodes));
            }
            // The pages' handles go before the batch counts as finished, so that a write after
            // that finds them unshared.
            drop(shared);
            let _ = send.send(results);
            done.store(true, Ordering::Release);
        }));
        self.background = Some(Background {
            pages,
            results,
            finished,
        });
        true
    }

    /// Whether hashing in the background has paid since the last root: false once most of the
    /// pages it hashed were written again before the root (the root hashes them again, and each
    /// batch costs the writer a copy-on-write or a refill per page), as when a program rewrites
    /// all its memory at random. The next root starts afresh.
    pub(super) fn background_pays(&self) -> bool {
        let y = &self.background_yield;
        y.handed < BACKGROUND_JUDGED_PAGES || y.rewritten * 2 <= y.handed
    }

    /// Waits for the background batch, if any, and applies its hashes.
    pub(super) fn collect_background(&mut self) {
        let Some(batch) = self.background.take() else {
            return;
        };
        match batch.results.recv() {
            Ok(results) => {
                for (pos, nodes) in results {
                    let page = self.page_mut(pos as usize);
                    page.nodes = nodes;
                    let number = page.number;
                    self.tree.set_page_root(number, nodes[1]);
                }
            }
            // The batch never ran to its end (hashing does not panic; if it did): hash those
            // pages here instead.
            Err(_) => {
                for pos in batch.pages {
                    let page = self.page_mut(pos as usize);
                    page.dirty = [1; CHUNKS];
                    if !page.listed {
                        page.listed = true;
                        self.dirty_pages.push(pos);
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn background_hashing_stops_once_its_pages_are_rewritten_until_the_next_root() {
        let pages = BACKGROUND_JUDGED_PAGES as u64;
        let mut m = Memory::new();
        let mut plain = Memory::new();
        let write = |m: &mut Memory, plain: &mut Memory, page: u64, value: u64| {
            m.write_le(page << 12, 8, value);
            plain.write_le(page << 12, 8, value);
        };
        for page in 0..pages {
            write(&mut m, &mut plain, page, page);
        }
        // Every page goes to the background, batch by batch.
        while m.dirty_page_count() > 0 {
            assert!(m.rehash_in_background(1));
            m.collect_background();
        }
        assert!(m.background_pays());
        // Rewriting half of them still pays; one more does not.
        for page in 0..pages / 2 {
            write(&mut m, &mut plain, page, page + 1);
        }
        assert!(m.background_pays());
        write(&mut m, &mut plain, pages / 2, 0);
        assert!(!m.background_pays());
        assert!(
            !m.rehash_in_background(1),
            "no batch once the hashing is wasted"
        );
        assert_eq!(m.merkle_root(), plain.merkle_root());
        // A root starts afresh.
        write(&mut m, &mut plain, 1, 7);
        assert!(m.rehash_in_background(1));
        assert_eq!(m.merkle_root(), plain.merkle_root());
    }
}
