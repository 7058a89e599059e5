/* sha256: compute-heavy benchmark. SHA-256 of 512 KiB of pseudo-random data
 * (tens of millions of instructions), then a second pass over the digest
 * chain; prints the digests. Also a known-answer test ("abc"). */
#include "rt/rt.h"

#define DATA_LEN (512 * 1024)
static u8 data[DATA_LEN];

static const u32 K[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

#define ROR(x, n) (((x) >> (n)) | ((x) << (32 - (n))))

static void compress(u32 st[8], const u8 *blk) {
    u32 w[64];
    for (int i = 0; i < 16; i++)
        w[i] = (u32)blk[4 * i] << 24 | (u32)blk[4 * i + 1] << 16 | (u32)blk[4 * i + 2] << 8 | blk[4 * i + 3];
    for (int i = 16; i < 64; i++) {
        u32 s0 = ROR(w[i - 15], 7) ^ ROR(w[i - 15], 18) ^ (w[i - 15] >> 3);
        u32 s1 = ROR(w[i - 2], 17) ^ ROR(w[i - 2], 19) ^ (w[i - 2] >> 10);
        w[i] = w[i - 16] + s0 + w[i - 7] + s1;
    }
    u32 a = st[0], b = st[1], c = st[2], d = st[3], e = st[4], f = st[5], g = st[6], h = st[7];
    for (int i = 0; i < 64; i++) {
        u32 t1 = h + (ROR(e, 6) ^ ROR(e, 11) ^ ROR(e, 25)) + ((e & f) ^ (~e & g)) + K[i] + w[i];
        u32 t2 = (ROR(a, 2) ^ ROR(a, 13) ^ ROR(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
        h = g; g = f; f = e; e = d + t1; d = c; c = b; b = a; a = t1 + t2;
    }
    st[0] += a; st[1] += b; st[2] += c; st[3] += d; st[4] += e; st[5] += f; st[6] += g; st[7] += h;
}

static void sha256(const u8 *msg, usize len, u8 out[32]) {
    u32 st[8] = { 0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19 };
    usize i = 0;
    for (; i + 64 <= len; i += 64) compress(st, msg + i);
    u8 tail[128];
    usize rem = len - i;
    memset(tail, 0, sizeof tail);
    memcpy(tail, msg + i, rem);
    tail[rem] = 0x80;
    usize tl = rem + 9 <= 64 ? 64 : 128;
    u64 bits = (u64)len * 8;
    for (int k = 0; k < 8; k++) tail[tl - 1 - k] = (u8)(bits >> (8 * k));
    compress(st, tail);
    if (tl == 128) compress(st, tail + 64);
    for (int k = 0; k < 8; k++) {
        out[4 * k] = st[k] >> 24; out[4 * k + 1] = st[k] >> 16; out[4 * k + 2] = st[k] >> 8; out[4 * k + 3] = st[k];
    }
}

static void print_digest(const char *label, const u8 d[32]) {
    char hex[65];
    for (int i = 0; i < 32; i++) { hex[2 * i] = "0123456789abcdef"[d[i] >> 4]; hex[2 * i + 1] = "0123456789abcdef"[d[i] & 15]; }
    hex[64] = '\n';
    print_str(label);
    sys_write(1, hex, 65);
}

int main(void) {
    u8 d[32];
    sha256((const u8 *)"abc", 3, d);
    print_digest("sha256(abc)=", d);
    /* ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad */
    check("kat", (u64)d[0] << 24 | d[1] << 16 | d[2] << 8 | d[31], 0xba7816adul);

    u64 x = 0x0123456789abcdeful;
    for (usize i = 0; i < DATA_LEN; i += 8) {
        x ^= x << 13; x ^= x >> 7; x ^= x << 17;
        memcpy(data + i, &x, 8);
    }
    sha256(data, DATA_LEN, d);
    print_digest("sha256(data)=", d);
    /* a chain of short hashes: exercises the padding paths */
    for (int i = 0; i < 64; i++) sha256(d, (usize)(i % 32) + 1, d);
    print_digest("chain=", d);
    return finish();
}
