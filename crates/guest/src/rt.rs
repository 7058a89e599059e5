//! The runtime of a program inside the VM: entry point, syscalls, a heap over mmap, and panics as
//! exit code 2 (status PANIC).

use core::alloc::{GlobalAlloc, Layout};
use core::cell::UnsafeCell;

/// Makes a syscall with three arguments (the one wrapper, shared with the preimage transport).
pub use verdict_preimage::transport::vm::syscall3;

/// Exits the program with `code`.
pub fn exit(code: u8) -> ! {
    syscall3(93, code as usize, 0, 0);
    loop {}
}

/// Writes to stdout (1) or stderr (2).
pub fn write(fd: usize, s: &[u8]) {
    syscall3(64, fd, s.as_ptr() as usize, s.len());
}

fn mmap(len: usize) -> *mut u8 {
    let ret: usize;
    // SAFETY: anonymous mmap: addr 0, prot RW, MAP_PRIVATE|MAP_ANONYMOUS, fd -1.
    unsafe {
        core::arch::asm!("ecall", in("a7") 222usize, inlateout("a0") 0usize => ret, inlateout("a1") len => _, in("a2") 3usize,
            in("a3") 0x22usize, in("a4") usize::MAX, in("a5") 0usize, options(nostack));
    }
    ret as *mut u8
}

/// A bump allocator taking memory from mmap in chunks; memory is never given back.
pub struct BumpAlloc(UnsafeCell<(usize, usize)>);

// SAFETY: the VM runs one thread.
unsafe impl Sync for BumpAlloc {}

const CHUNK: usize = 16 << 20;

unsafe impl GlobalAlloc for BumpAlloc {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: single-threaded; the cell holds (next, end) of the current chunk.
        let (next, end) = unsafe { &mut *self.0.get() };
        let start = (*next + layout.align() - 1) & !(layout.align() - 1);
        if *next == 0 || start + layout.size() > *end {
            let len = (layout.size() + layout.align())
                .max(CHUNK)
                .next_multiple_of(4096);
            let base = mmap(len) as usize;
            if base == usize::MAX {
                return core::ptr::null_mut();
            }
            *next = base;
            *end = base + len;
            return unsafe { self.alloc(layout) };
        }
        *next = start + layout.size();
        start as *mut u8
    }

    unsafe fn dealloc(&self, _ptr: *mut u8, _layout: Layout) {}
}

#[global_allocator]
static ALLOC: BumpAlloc = BumpAlloc(UnsafeCell::new((0, 0)));

#[panic_handler]
fn panic(info: &core::panic::PanicInfo) -> ! {
    use core::fmt::Write;
    struct Stderr;
    impl core::fmt::Write for Stderr {
        fn write_str(&mut self, s: &str) -> core::fmt::Result {
            write(2, s.as_bytes());
            Ok(())
        }
    }
    let _ = writeln!(Stderr, "panic: {info}");
    exit(2)
}

core::arch::global_asm!(
    ".section .text._start, \"ax\"",
    ".globl _start",
    "_start:",
    "call __verdict_main",
    "li a7, 93",
    "ecall",
);
