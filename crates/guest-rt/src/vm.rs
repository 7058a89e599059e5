//! The runtime inside the VM.

#[cfg(any(feature = "mmap-heap", feature = "static-heap"))]
use core::alloc::{GlobalAlloc, Layout};
#[cfg(any(feature = "mmap-heap", feature = "static-heap"))]
use core::cell::UnsafeCell;

/// Linux syscall numbers (riscv64) the runtime uses.
const SYS_WRITE: usize = 64;
const SYS_EXIT: usize = 93;
#[cfg(feature = "mmap-heap")]
const SYS_MMAP: usize = 222;

/// Makes a Linux-style syscall into the VM with three arguments; returns a0. The VM, as the
/// onchain step, also sets a1 (the errno) on every syscall, so a1 is marked clobbered.
pub fn syscall3(nr: usize, a0: usize, a1: usize, a2: usize) -> usize {
    let ret;
    // SAFETY: a syscall into the VM; it only reads or writes the buffer the arguments name.
    unsafe {
        core::arch::asm!("ecall", in("a7") nr, inlateout("a0") a0 => ret,
            inlateout("a1") a1 => _, in("a2") a2, options(nostack));
    }
    ret
}

/// Writes to stdout (1) or stderr (2).
pub fn write(fd: usize, buf: &[u8]) {
    syscall3(SYS_WRITE, fd, buf.as_ptr() as usize, buf.len());
}

/// Exits the program with `code`.
pub fn exit(code: u8) -> ! {
    syscall3(SYS_EXIT, code as usize, 0, 0);
    loop {}
}

#[cfg(not(feature = "static-stack"))]
core::arch::global_asm!(
    ".section .text._start, \"ax\"",
    ".globl _start",
    "_start:",
    "call __verdict_main",
    "li a7, 93",
    "ecall",
);

#[cfg(feature = "static-stack")]
core::arch::global_asm!(
    r#"
    .section .text._start, "ax", @progbits
    .globl _start
    .type _start, @function
_start:
    .option push
    .option norelax
    la      sp, __verdict_stack_top
    .option pop
    call    __verdict_main
    li      a7, 93
    ecall
1:  j       1b

    .section .bss.verdict_stack, "aw", @nobits
    .balign 16
__verdict_stack_bottom:
    .space  256 * 1024
__verdict_stack_top:
    "#
);

#[panic_handler]
fn panic(info: &core::panic::PanicInfo) -> ! {
    use core::fmt::Write;
    struct Stderr;
    impl Write for Stderr {
        fn write_str(&mut self, s: &str) -> core::fmt::Result {
            write(2, s.as_bytes());
            Ok(())
        }
    }
    let _ = writeln!(Stderr, "panic: {info}");
    exit(2)
}

/// Anonymous memory from the VM's mmap (bump-allocated by the VM, never unmapped).
#[cfg(feature = "mmap-heap")]
fn mmap(len: usize) -> *mut u8 {
    let ret: usize;
    // SAFETY: anonymous mmap: addr 0, prot RW, MAP_PRIVATE|MAP_ANONYMOUS, fd -1.
    unsafe {
        core::arch::asm!("ecall", in("a7") SYS_MMAP, inlateout("a0") 0usize => ret,
            inlateout("a1") len => _, in("a2") 3usize, in("a3") 0x22usize,
            in("a4") usize::MAX, in("a5") 0usize, options(nostack));
    }
    ret as *mut u8
}

/// Bump allocation of `layout` in `[*next, *end)`; `refill(len)` gives a new region of at least
/// `len` bytes (its start) when the current one is full. Memory is never given back.
///
/// # Safety
/// The caller holds the only access to `next` and `end` (the VM runs one thread).
#[cfg(any(feature = "mmap-heap", feature = "static-heap"))]
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
                (base != usize::MAX).then_some((base, len))
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
