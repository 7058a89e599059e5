//! Minimal in-VM runtime of our Rust test and benchmark guests (target_os = "none"): `_start` with
//! a static stack, write/exit syscalls, and a panic handler that exits with 2. It calls the
//! program's `guest_main() -> u8` and exits with its result. (The guests/bench programs use this
//! file too, by path.)

// The first instruction sets sp to a static stack in .bss, so QEMU and the VM
// have identical registers from the second instruction on.
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
    call    {main}
    li      a7, 93
    ecall
1:  j       1b

    .section .bss.verdict_stack, "aw", @nobits
    .balign 16
__verdict_stack_bottom:
    .space  256 * 1024
__verdict_stack_top:
    "#,
    main = sym rust_start,
);

extern "C" fn rust_start() -> u64 {
    crate::guest_main() as u64
}

pub fn write(fd: u64, buf: &[u8]) -> i64 {
    let ret: i64;
    unsafe {
        core::arch::asm!("ecall",
            inlateout("a0") fd as i64 => ret,
            // Asterisc overwrites a1 (errno) on every syscall; Linux preserves it.
            inlateout("a1") buf.as_ptr() => _, in("a2") buf.len(), in("a7") 64u64,
            options(nostack));
    }
    ret
}

pub fn exit(code: u8) -> ! {
    unsafe {
        core::arch::asm!("ecall", in("a0") code as u64, in("a7") 93u64, options(noreturn, nostack));
    }
}

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
