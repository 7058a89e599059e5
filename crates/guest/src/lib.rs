//! Programs run inside the Verdict VM (on the runtime of `verdict-guest-rt`): their logic, which
//! also builds natively.
#![cfg_attr(not(feature = "std"), no_std)]
extern crate alloc;

pub mod block_check;
pub mod oracle_check;
