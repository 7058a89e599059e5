//! Support for the differential tests: QEMU runs and the guest corpus.
pub mod qemu;
