//! The runtime of every Rust program run inside Verdict's RISC-V VM (`riscv64imac-unknown-none-elf`
//! built without the C extension) and Cannon's MIPS64 VM (`guests/mips64-verdict-none.json`): `_start`, the syscalls, a heap, and panics as exit code 2
//! (status PANIC). A program names its entry with [`entry!`]; on any other target this crate is
//! empty, so programs that also build natively can depend on it unconditionally.
#![no_std]
#![cfg_attr(
    all(target_arch = "mips64", target_os = "none"),
    feature(asm_experimental_arch)
)]

#[cfg(all(target_arch = "riscv64", target_os = "none"))]
mod vm;
#[cfg(all(target_arch = "riscv64", target_os = "none"))]
pub use vm::*;

// Cannon's MIPS64 VM (`guests/mips64-verdict-none.json`, built with RUSTC_BOOTSTRAP for the
// unstable MIPS inline assembly).
#[cfg(all(target_arch = "mips64", target_os = "none"))]
mod mips64;
#[cfg(all(target_arch = "mips64", target_os = "none"))]
pub use mips64::*;

/// Names the program's entry: a function returning its exit code (anything convertible to
/// `usize`: the VM keeps the low byte). `_start` calls it and exits with the result.
#[macro_export]
macro_rules! entry {
    ($main:path) => {
        #[no_mangle]
        extern "C" fn __verdict_main() -> usize {
            $main() as usize
        }
    };
}
