//! Shared helpers for the VM's integration tests.
#![allow(dead_code)]

pub mod qemu;
