//! The runtime inside the VM.

#[cfg(any(feature = "mmap-heap", feature = "static-heap"))]
use core::alloc::{GlobalAlloc, Layout};
#[cfg(any(feature = "mmap-heap", feature = "static-heap"))]
use core::cell::UnsafeCell;

/// Linux syscall numbers (riscv64) the runtime uses: read and write (also for the preimage
/// channels), exit, mmap.
pub const SYS_READ: usize = 63;
/// write (riscv64).
pub const SYS_WRITE: usize = 64;
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

#[cfg(any(feature = "mmap-heap", feature = "static-heap"))]
include!("heap.rs");
