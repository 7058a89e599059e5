//! Keccak-f[1600] (FIPS 202, section 3) and Keccak-256, the Ethereum hash (the sponge of FIPS 202
//! with rate 1088 bits and the original `0x01 ... 0x80` padding, not SHA3-256's `0x06`).
//!
//! Written for the fault proof programs, whose instructions are what a dispute pays for: the
//! 25 lanes live in locals, each round is straight-line code (no index tables, no loops over
//! lanes), and rotations are by constants, so a CPU without rotate instructions (RV64IM, MIPS64)
//! needs three instructions for each. Lanes are read and written little-endian explicitly, so a
//! big-endian machine computes the same hashes.
#![no_std]

/// The 24 round constants of iota (FIPS 202, algorithm 6); `tests/keccak.rs` derives them from
/// the spec's LFSR.
pub const ROUND_CONSTANTS: [u64; 24] = [
    0x0000_0000_0000_0001,
    0x0000_0000_0000_8082,
    0x8000_0000_0000_808a,
    0x8000_0000_8000_8000,
    0x0000_0000_0000_808b,
    0x0000_0000_8000_0001,
    0x8000_0000_8000_8081,
    0x8000_0000_0000_8009,
    0x0000_0000_0000_008a,
    0x0000_0000_0000_0088,
    0x0000_0000_8000_8009,
    0x0000_0000_8000_000a,
    0x0000_0000_8000_808b,
    0x8000_0000_0000_008b,
    0x8000_0000_0000_8089,
    0x8000_0000_0000_8003,
    0x8000_0000_0000_8002,
    0x8000_0000_0000_0080,
    0x0000_0000_0000_800a,
    0x8000_0000_8000_000a,
    0x8000_0000_8000_8081,
    0x8000_0000_0000_8080,
    0x0000_0000_8000_0001,
    0x8000_0000_8000_8008,
];

/// Keccak-256's rate in bytes (1600 - 2 * 256 bits).
pub const RATE: usize = 136;

/// One round of Keccak-f[1600] on the state `a` (lane `x + 5y` at `a[x + 5 * y]`), with the
/// round constant `rc`.
#[inline(always)]
fn round(a: &mut [u64; 25], rc: u64) {
    // theta: column parities and their mix
    let c0 = a[0] ^ a[5] ^ a[10] ^ a[15] ^ a[20];
    let c1 = a[1] ^ a[6] ^ a[11] ^ a[16] ^ a[21];
    let c2 = a[2] ^ a[7] ^ a[12] ^ a[17] ^ a[22];
    let c3 = a[3] ^ a[8] ^ a[13] ^ a[18] ^ a[23];
    let c4 = a[4] ^ a[9] ^ a[14] ^ a[19] ^ a[24];
    let d0 = c4 ^ c1.rotate_left(1);
    let d1 = c0 ^ c2.rotate_left(1);
    let d2 = c1 ^ c3.rotate_left(1);
    let d3 = c2 ^ c4.rotate_left(1);
    let d4 = c3 ^ c0.rotate_left(1);
    // rho and pi: b[x + 5y] = rot(a[x' + 5x] ^ d[x'], r[x' + 5x]) with x' = (x + 3y) mod 5
    let b0 = a[0] ^ d0;
    let b1 = (a[6] ^ d1).rotate_left(44);
    let b2 = (a[12] ^ d2).rotate_left(43);
    let b3 = (a[18] ^ d3).rotate_left(21);
    let b4 = (a[24] ^ d4).rotate_left(14);
    let b5 = (a[3] ^ d3).rotate_left(28);
    let b6 = (a[9] ^ d4).rotate_left(20);
    let b7 = (a[10] ^ d0).rotate_left(3);
    let b8 = (a[16] ^ d1).rotate_left(45);
    let b9 = (a[22] ^ d2).rotate_left(61);
    let b10 = (a[1] ^ d1).rotate_left(1);
    let b11 = (a[7] ^ d2).rotate_left(6);
    let b12 = (a[13] ^ d3).rotate_left(25);
    let b13 = (a[19] ^ d4).rotate_left(8);
    let b14 = (a[20] ^ d0).rotate_left(18);
    let b15 = (a[4] ^ d4).rotate_left(27);
    let b16 = (a[5] ^ d0).rotate_left(36);
    let b17 = (a[11] ^ d1).rotate_left(10);
    let b18 = (a[17] ^ d2).rotate_left(15);
    let b19 = (a[23] ^ d3).rotate_left(56);
    let b20 = (a[2] ^ d2).rotate_left(62);
    let b21 = (a[8] ^ d3).rotate_left(55);
    let b22 = (a[14] ^ d4).rotate_left(39);
    let b23 = (a[15] ^ d0).rotate_left(41);
    let b24 = (a[21] ^ d1).rotate_left(2);
    // chi (and iota on lane 0)
    a[0] = b0 ^ (!b1 & b2) ^ rc;
    a[1] = b1 ^ (!b2 & b3);
    a[2] = b2 ^ (!b3 & b4);
    a[3] = b3 ^ (!b4 & b0);
    a[4] = b4 ^ (!b0 & b1);
    a[5] = b5 ^ (!b6 & b7);
    a[6] = b6 ^ (!b7 & b8);
    a[7] = b7 ^ (!b8 & b9);
    a[8] = b8 ^ (!b9 & b5);
    a[9] = b9 ^ (!b5 & b6);
    a[10] = b10 ^ (!b11 & b12);
    a[11] = b11 ^ (!b12 & b13);
    a[12] = b12 ^ (!b13 & b14);
    a[13] = b13 ^ (!b14 & b10);
    a[14] = b14 ^ (!b10 & b11);
    a[15] = b15 ^ (!b16 & b17);
    a[16] = b16 ^ (!b17 & b18);
    a[17] = b17 ^ (!b18 & b19);
    a[18] = b18 ^ (!b19 & b15);
    a[19] = b19 ^ (!b15 & b16);
    a[20] = b20 ^ (!b21 & b22);
    a[21] = b21 ^ (!b22 & b23);
    a[22] = b22 ^ (!b23 & b24);
    a[23] = b23 ^ (!b24 & b20);
    a[24] = b24 ^ (!b20 & b21);
}

/// Keccak-f[1600]: the 24 rounds of FIPS 202's Keccak-p[1600, 24] on the state (lane `x + 5y` at
/// `state[x + 5 * y]`).
pub fn keccak_f1600(state: &mut [u64; 25]) {
    let mut a = *state;
    for pair in ROUND_CONSTANTS.chunks_exact(2) {
        round(&mut a, pair[0]);
        round(&mut a, pair[1]);
    }
    *state = a;
}

/// XORs one block of `RATE` bytes into the state's first 17 lanes, little-endian.
#[inline(always)]
fn absorb(state: &mut [u64; 25], block: &[u8; RATE]) {
    for (lane, bytes) in state.iter_mut().zip(block.chunks_exact(8)) {
        *lane ^= u64::from_le_bytes(bytes.try_into().unwrap());
    }
}

/// Keccak-256 of `data` (Ethereum's `keccak256`).
pub fn keccak256(data: &[u8]) -> [u8; 32] {
    let mut state = [0u64; 25];
    let mut blocks = data.chunks_exact(RATE);
    for block in &mut blocks {
        absorb(&mut state, block.try_into().unwrap());
        keccak_f1600(&mut state);
    }
    finish(state, blocks.remainder())
}

/// Pads the last `rest` bytes (fewer than `RATE`) into the state, permutes it and squeezes the
/// 32-byte hash.
fn finish(mut state: [u64; 25], rest: &[u8]) -> [u8; 32] {
    let mut last = [0u8; RATE];
    last[..rest.len()].copy_from_slice(rest);
    last[rest.len()] ^= 0x01;
    last[RATE - 1] ^= 0x80;
    absorb(&mut state, &last);
    keccak_f1600(&mut state);
    let mut out = [0u8; 32];
    for (bytes, lane) in out.chunks_exact_mut(8).zip(state) {
        bytes.copy_from_slice(&lane.to_le_bytes());
    }
    out
}

/// Keccak-256 over data given in parts (the hash of their concatenation, without building it).
#[derive(Clone)]
pub struct Keccak256 {
    state: [u64; 25],
    /// The bytes of the block being filled.
    pending: [u8; RATE],
    /// How many of `pending` are filled (always below `RATE`).
    filled: usize,
}

impl Default for Keccak256 {
    fn default() -> Self {
        Self::new()
    }
}

impl Keccak256 {
    /// A hasher over no data yet.
    pub fn new() -> Self {
        Keccak256 {
            state: [0; 25],
            pending: [0; RATE],
            filled: 0,
        }
    }

    /// Appends `data`.
    pub fn update(&mut self, mut data: &[u8]) -> &mut Self {
        if self.filled > 0 {
            let take = data.len().min(RATE - self.filled);
            self.pending[self.filled..self.filled + take].copy_from_slice(&data[..take]);
            self.filled += take;
            data = &data[take..];
            if self.filled < RATE {
                return self;
            }
            absorb(&mut self.state, &self.pending);
            keccak_f1600(&mut self.state);
            self.filled = 0;
        }
        let mut blocks = data.chunks_exact(RATE);
        for block in &mut blocks {
            absorb(&mut self.state, block.try_into().unwrap());
            keccak_f1600(&mut self.state);
        }
        let rest = blocks.remainder();
        self.pending[..rest.len()].copy_from_slice(rest);
        self.filled = rest.len();
        self
    }

    /// The hash of everything appended.
    pub fn finalize(&self) -> [u8; 32] {
        finish(self.state, &self.pending[..self.filled])
    }
}

/// The hook of alloy-primitives' `native-keccak` feature: its `keccak256` calls this function
/// (the fault proof programs enable the feature, so revm's and the trie's hashing run
/// [`keccak256`]).
///
/// # Safety
/// `bytes` must point to `len` readable bytes (any pointer if `len` is 0) and `output` to 32
/// writable bytes.
#[no_mangle]
pub unsafe extern "C" fn native_keccak256(bytes: *const u8, len: usize, output: *mut u8) {
    let data = if len == 0 {
        &[][..]
    } else {
        // SAFETY: the caller guarantees `len` readable bytes at `bytes`.
        unsafe { core::slice::from_raw_parts(bytes, len) }
    };
    let hash = keccak256(data);
    // SAFETY: the caller guarantees 32 writable bytes at `output`.
    unsafe { core::ptr::copy_nonoverlapping(hash.as_ptr(), output, 32) };
}
