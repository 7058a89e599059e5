//! Output helpers shared by the benchmark bins, the same in the VM and natively.

#[cfg(target_os = "none")]
pub fn print(s: &str) {
    verdict_guest_rt::write(1, s.as_bytes());
}

#[cfg(not(target_os = "none"))]
pub fn print(s: &str) {
    use std::io::Write;
    std::io::stdout()
        .write_all(s.as_bytes())
        .expect("writing stdout");
}

/// Prints `label=<hex of bytes>\n` (at most 64 bytes).
pub fn print_hex(label: &str, bytes: &[u8]) {
    const H: &[u8; 16] = b"0123456789abcdef";
    let mut buf = [0u8; 128];
    let n = bytes.len().min(64);
    for (i, b) in bytes[..n].iter().enumerate() {
        buf[2 * i] = H[(b >> 4) as usize];
        buf[2 * i + 1] = H[(b & 15) as usize];
    }
    print(label);
    print("=");
    print(core::str::from_utf8(&buf[..2 * n]).unwrap());
    print("\n");
}

/// xorshift64
#[allow(dead_code)] // not every bin uses it
pub fn next(x: &mut u64) -> u64 {
    *x ^= *x << 13;
    *x ^= *x >> 7;
    *x ^= *x << 17;
    *x
}
