//! Programs run inside the Verdict VM: a small runtime for `riscv64imac-unknown-none-elf` (built
//! without the C extension) and the programs' logic, which also builds natively.
#![cfg_attr(not(feature = "std"), no_std)]
extern crate alloc;

pub mod block_check;
pub mod oracle_check;

#[cfg(all(target_arch = "riscv64", target_os = "none"))]
pub mod rt;
