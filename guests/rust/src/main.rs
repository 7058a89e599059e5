//! rust-compute: a no_std Rust guest for the Verdict VM. Hashes 2 MiB of
//! pseudo-random data (held in a heap Vec) with a hand-written keccak256
//! (keccak-f[1600]), prints the digest and exits 0. A failed self-check
//! panics, and the panic handler exits with code 2.
#![no_std]
#![no_main]

extern crate alloc;

mod keccak;

use alloc::vec::Vec;

const DATA_LEN: usize = 2 * 1024 * 1024;

fn print(s: &str) {
    verdict_guest_rt::write(1, s.as_bytes());
}

fn hex(bytes: &[u8]) -> alloc::string::String {
    const H: &[u8; 16] = b"0123456789abcdef";
    let mut s = alloc::string::String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(H[(b >> 4) as usize] as char);
        s.push(H[(b & 15) as usize] as char);
    }
    s
}

verdict_guest_rt::entry!(guest_main);

fn guest_main() -> u8 {
    print("rust-compute\n");

    // Known answer: keccak256("")
    let empty = keccak::keccak256(&[]);
    assert_eq!(
        hex(&empty),
        "c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470",
        "keccak256 known-answer test"
    );

    let mut data: Vec<u8> = Vec::with_capacity(DATA_LEN);
    let mut x: u64 = 0x0123_4567_89ab_cdef;
    while data.len() < DATA_LEN {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        data.extend_from_slice(&x.to_le_bytes());
    }
    let digest = keccak::keccak256(&data);
    print("keccak256(data)=");
    print(&hex(&digest));
    print("\n");

    // a chain of short hashes exercising the padding paths
    let mut d = digest;
    for i in 0..200usize {
        d = keccak::keccak256(&d[..(i % 32) + 1]);
    }
    print("chain=");
    print(&hex(&d));
    print("\n");
    0
}
