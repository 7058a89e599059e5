//! keccak: keccak256 (the hand-written keccak-f[1600] of guests/rust) over 4 MiB of xorshift data,
//! streamed through a sponge in 64 KiB chunks so the program needs well under 1 MiB of memory (and
//! fits ckb-vm's 4 MiB), then 200 chained short hashes. Self-checks: keccak256("") and the
//! streaming sponge against the one-shot function at every length around a block boundary.
#![cfg_attr(target_os = "none", no_std, no_main)]

#[cfg(target_os = "none")]
verdict_guest_rt::entry!(guest_main);

#[path = "../common.rs"]
mod common;

#[path = "../../../../rust/src/keccak.rs"]
mod keccak;

use common::{next, print, print_hex};

const DATA_LEN: usize = 4 * 1024 * 1024;
const CHUNK: usize = 64 * 1024;
const RATE: usize = 136;

/// An incremental keccak256.
struct Sponge {
    st: [u64; 25],
    buf: [u8; RATE],
    len: usize,
}

impl Sponge {
    fn new() -> Self {
        Sponge {
            st: [0; 25],
            buf: [0; RATE],
            len: 0,
        }
    }

    fn absorb_block(st: &mut [u64; 25], block: &[u8]) {
        for (i, lane) in block.chunks_exact(8).enumerate() {
            st[i] ^= u64::from_le_bytes(lane.try_into().unwrap());
        }
        keccak::keccak_f(st);
    }

    fn update(&mut self, mut data: &[u8]) {
        if self.len > 0 {
            let n = (RATE - self.len).min(data.len());
            self.buf[self.len..self.len + n].copy_from_slice(&data[..n]);
            self.len += n;
            data = &data[n..];
            if self.len < RATE {
                return;
            }
            Self::absorb_block(&mut self.st, &self.buf);
            self.len = 0;
        }
        let mut blocks = data.chunks_exact(RATE);
        for block in &mut blocks {
            Self::absorb_block(&mut self.st, block);
        }
        let rem = blocks.remainder();
        self.buf[..rem.len()].copy_from_slice(rem);
        self.len = rem.len();
    }

    fn finalize(mut self) -> [u8; 32] {
        self.buf[self.len..].fill(0);
        self.buf[self.len] ^= 0x01;
        self.buf[RATE - 1] ^= 0x80;
        Self::absorb_block(&mut self.st, &self.buf);
        let mut out = [0u8; 32];
        for i in 0..4 {
            out[8 * i..8 * i + 8].copy_from_slice(&self.st[i].to_le_bytes());
        }
        out
    }
}

fn guest_main() -> u8 {
    print("keccak\n");
    let empty = keccak::keccak256(&[]);
    assert_eq!(
        empty[..4],
        [0xc5, 0xd2, 0x46, 0x01],
        "keccak256 known-answer test"
    );
    let mut probe = [0u8; 2 * RATE + 2];
    for (i, b) in probe.iter_mut().enumerate() {
        *b = i as u8;
    }
    for len in (RATE - 2..=RATE + 2).chain(2 * RATE..=2 * RATE + 2) {
        let mut s = Sponge::new();
        let (a, b) = probe[..len].split_at(len / 3);
        s.update(a);
        s.update(b);
        assert_eq!(s.finalize(), keccak::keccak256(&probe[..len]), "sponge");
    }

    let mut chunk = [0u8; CHUNK];
    let mut x: u64 = 0x0123_4567_89ab_cdef;
    let mut sponge = Sponge::new();
    for _ in 0..DATA_LEN / CHUNK {
        for lane in chunk.chunks_exact_mut(8) {
            lane.copy_from_slice(&next(&mut x).to_le_bytes());
        }
        sponge.update(&chunk);
    }
    let digest = sponge.finalize();
    print_hex("keccak256(data)", &digest);

    let mut d = digest;
    for i in 0..200usize {
        d = keccak::keccak256(&d[..(i % 32) + 1]);
    }
    print_hex("chain", &d);
    0
}

#[cfg(not(target_os = "none"))]
fn main() {
    std::process::exit(guest_main() as i32)
}
