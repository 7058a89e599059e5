//! Keccak-256 against FIPS 202's round-constant LFSR, known digests and tiny-keccak.

use tiny_keccak::{Hasher, Keccak};
use verdict_keccak::{keccak256, keccak_f1600, native_keccak256, RATE, ROUND_CONSTANTS};

fn reference(data: &[u8]) -> [u8; 32] {
    let mut out = [0u8; 32];
    let mut k = Keccak::v256();
    k.update(data);
    k.finalize(&mut out);
    out
}

/// FIPS 202, algorithm 5: the bit rc(t) of the LFSR (bit i of `r` is R[i]).
fn rc_bit(t: usize) -> u64 {
    let mut r: u16 = 1;
    for _ in 0..t % 255 {
        r <<= 1;
        let b8 = (r >> 8) & 1;
        r ^= b8 | (b8 << 4) | (b8 << 5) | (b8 << 6);
        r &= 0xff;
    }
    u64::from(r & 1)
}

#[test]
fn round_constants_follow_the_spec() {
    for (ir, &rc) in ROUND_CONSTANTS.iter().enumerate() {
        let mut want = 0u64;
        for j in 0..=6 {
            want |= rc_bit(j + 7 * ir) << ((1 << j) - 1);
        }
        assert_eq!(rc, want, "round {ir}");
    }
}

#[test]
fn known_digests() {
    let hex = |h: [u8; 32]| h.iter().map(|b| format!("{b:02x}")).collect::<String>();
    assert_eq!(
        hex(keccak256(b"")),
        "c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470"
    );
    assert_eq!(
        hex(keccak256(b"abc")),
        "4e03657aea45a94fc7d47ba826c8d667c0d1e6e33a64a036ec44f58fa12d6c45"
    );
}

/// xorshift64*: reproducible pseudo-random bytes.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn bytes(&mut self, n: usize) -> Vec<u8> {
        (0..n).map(|_| self.next() as u8).collect()
    }
}

#[test]
fn every_length_around_the_rate_matches_tiny_keccak() {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    for len in 0..=5 * RATE + 1 {
        for _ in 0..4 {
            let data = rng.bytes(len);
            assert_eq!(keccak256(&data), reference(&data), "length {len}");
        }
    }
    for &len in &[
        0,
        1,
        31,
        32,
        33,
        64,
        RATE - 1,
        RATE,
        RATE + 1,
        2 * RATE,
        100 * RATE + 7,
    ] {
        let ones = vec![0xffu8; len];
        assert_eq!(keccak256(&ones), reference(&ones), "0xff * {len}");
    }
}

#[test]
fn random_lengths_match_tiny_keccak() {
    let mut rng = Rng(7);
    for _ in 0..2000 {
        let len = (rng.next() % 20_000) as usize;
        let data = rng.bytes(len);
        assert_eq!(keccak256(&data), reference(&data), "length {len}");
    }
}

#[test]
fn the_permutation_matches_tiny_keccak() {
    let mut rng = Rng(99);
    for _ in 0..1000 {
        let mut a = [0u64; 25];
        a.iter_mut().for_each(|l| *l = rng.next());
        let mut b = a;
        keccak_f1600(&mut a);
        tiny_keccak::keccakf(&mut b);
        assert_eq!(a, b);
    }
}

#[test]
fn the_alloy_hook_hashes_the_same() {
    let mut rng = Rng(3);
    for len in [0usize, 1, 135, 136, 137, 1000] {
        let data = rng.bytes(len);
        let mut out = [0u8; 32];
        // SAFETY: `data` has `len` bytes and `out` 32.
        unsafe { native_keccak256(data.as_ptr(), data.len(), out.as_mut_ptr()) };
        assert_eq!(out, keccak256(&data));
    }
    let mut out = [0u8; 32];
    // SAFETY: a zero length reads nothing.
    unsafe { native_keccak256(core::ptr::null(), 0, out.as_mut_ptr()) };
    assert_eq!(out, keccak256(b""));
}

#[test]
fn hashing_in_parts_matches_the_whole_at_every_split() {
    let mut rng = Rng(11);
    // Every split point of data around one and two blocks, then random splits into many parts.
    for len in [0usize, 1, RATE - 1, RATE, RATE + 1, 2 * RATE + 5] {
        let data = rng.bytes(len);
        for cut in 0..=len {
            let mut h = verdict_keccak::Keccak256::new();
            h.update(&data[..cut]).update(&data[cut..]);
            assert_eq!(h.finalize(), reference(&data), "length {len} cut at {cut}");
        }
    }
    for _ in 0..500 {
        let len = (rng.next() % 2_000) as usize;
        let data = rng.bytes(len);
        let mut h = verdict_keccak::Keccak256::default();
        let mut at = 0;
        while at < len {
            let part = ((rng.next() % 300) as usize).min(len - at);
            h.update(&data[at..at + part]);
            at += part;
        }
        assert_eq!(h.finalize(), keccak256(&data), "length {len}");
        // finalize does not consume: more data may follow.
        h.update(b"more");
        let mut whole = data.clone();
        whole.extend_from_slice(b"more");
        assert_eq!(h.finalize(), reference(&whole));
    }
}
