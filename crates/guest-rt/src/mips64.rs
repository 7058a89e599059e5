//! The runtime inside Cannon's MIPS64 VM (`guests/mips64-verdict-none.json`): `__start`, the
//! syscalls (n64: number in v0, arguments in a0..a5, result in v0, a3 set on failure), a heap
//! over mmap or a static arena, panics as exit code 2.

#[cfg(any(feature = "mmap-heap", feature = "static-heap"))]
use core::alloc::{GlobalAlloc, Layout};
#[cfg(any(feature = "mmap-heap", feature = "static-heap"))]
use core::cell::UnsafeCell;

/// Linux syscall numbers (mips64 n64) the runtime uses: read and write (also for the preimage
/// channels), exit_group, mmap.
pub const SYS_READ: usize = 5000;
/// write (mips64 n64).
pub const SYS_WRITE: usize = 5001;
const SYS_EXIT_GROUP: usize = 5205;
#[cfg(feature = "mmap-heap")]
const SYS_MMAP: usize = 5009;

/// Makes a Linux-style syscall into the VM with three arguments; returns v0 (on failure the VM
/// sets a3 and v0 holds the errno: returned negated, as Linux's raw syscalls do).
pub fn syscall3(nr: usize, a0: usize, a1: usize, a2: usize) -> usize {
    let ret: usize;
    let err: usize;
    // SAFETY: a syscall into the VM; it only reads or writes the buffer the arguments name.
    unsafe {
        core::arch::asm!("syscall", inlateout("$2") nr => ret, in("$4") a0, in("$5") a1,
            in("$6") a2, lateout("$7") err, options(nostack));
    }
    if err != 0 {
        ret.wrapping_neg()
    } else {
        ret
    }
}

/// Writes to stdout (1) or stderr (2).
pub fn write(fd: usize, buf: &[u8]) {
    syscall3(SYS_WRITE, fd, buf.as_ptr() as usize, buf.len());
}

/// Exits the program with `code`.
pub fn exit(code: u8) -> ! {
    syscall3(SYS_EXIT_GROUP, code as usize, 0, 0);
    loop {}
}

#[cfg(not(feature = "static-stack"))]
core::arch::global_asm!(
    ".section .text.__start, \"ax\"",
    ".globl __start",
    ".set noreorder",
    "__start:",
    "jal __verdict_main",
    "nop",
    "move $4, $2",
    "li $2, 5205",
    "syscall",
    ".set reorder",
);

#[cfg(feature = "static-stack")]
core::arch::global_asm!(
    r#"
    .section .text.__start, "ax", @progbits
    .globl __start
    .set noreorder
__start:
    lui     $29, %highest(__verdict_stack_top)
    daddiu  $29, $29, %higher(__verdict_stack_top)
    dsll    $29, $29, 16
    daddiu  $29, $29, %hi(__verdict_stack_top)
    dsll    $29, $29, 16
    daddiu  $29, $29, %lo(__verdict_stack_top)
    jal     __verdict_main
    nop
    move    $4, $2
    li      $2, 5205
    syscall
1:  b       1b
    nop
    .set reorder

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

/// Anonymous memory from the VM's mmap (bump-allocated by the VM, never unmapped); null on
/// failure.
#[cfg(feature = "mmap-heap")]
fn mmap(len: usize) -> *mut u8 {
    let ret: usize;
    let err: usize;
    // SAFETY: anonymous mmap: addr 0, prot RW, MAP_PRIVATE|MAP_ANONYMOUS (0x802 on MIPS), fd -1.
    unsafe {
        core::arch::asm!("syscall", inlateout("$2") SYS_MMAP => ret, in("$4") 0usize,
            in("$5") len, in("$6") 3usize, inlateout("$7") 0x802usize => err,
            in("$8") usize::MAX, in("$9") 0usize, options(nostack));
    }
    if err != 0 {
        core::ptr::null_mut()
    } else {
        ret as *mut u8
    }
}

#[cfg(any(feature = "mmap-heap", feature = "static-heap"))]
include!("heap.rs");
