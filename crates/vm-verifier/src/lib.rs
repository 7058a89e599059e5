//! Stateless verifier of a single RISC-V FPVM step (the onchain `step` in Rust).
#![cfg_attr(not(feature = "std"), no_std)]
extern crate alloc;
