//! The in-VM runtime of the benchmark guests (target_os = "none" only): `_start` with a static
//! stack, write/exit syscalls and a panic handler that exits with 2. No allocator: the workloads do
//! not allocate, and without a large heap arena they fit ckb-vm's 4 MiB memory.

// The first instruction sets sp to a static stack in .bss (as the other guests' runtimes do).
core::arch::global_asm!(
    r#"
    .section .text._start, "ax", @progbits
    .globl _start
    .type _start, @function
_start:
    .option push
    .option norelax
    la      sp, __bench_stack_top
    .option pop
    call    {main}
    li      a7, 93
    ecall
1:  j       1b

    .section .bss.bench_stack, "aw", @nobits
    .balign 16
__bench_stack_bottom:
    .space  256 * 1024
__bench_stack_top:
    "#,
    main = sym rust_start,
);

extern "C" fn rust_start() -> u64 {
    crate::run() as u64
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
