//! Serde helpers for the reference's JSON encodings of bytes: `0x` hex, 32-byte hashes, base64 (as
//! Go encodes `[]byte`) and pages as plain hex.

/// `0x`-prefixed hex of a byte string.
pub mod hex_bytes {
    use serde::{Deserialize, Deserializer, Serializer};

    /// Serializes as `0x` hex.
    pub fn serialize<S: Serializer>(v: &[u8], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&format!("0x{}", hex::encode(v)))
    }
    /// Parses hex with or without `0x`.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
        let s = String::deserialize(d)?;
        hex::decode(s.strip_prefix("0x").unwrap_or(&s)).map_err(serde::de::Error::custom)
    }
}

/// `0x`-prefixed hex of exactly 32 bytes.
pub mod hex_hash {
    use serde::{Deserializer, Serializer};

    /// Serializes as `0x` hex.
    pub fn serialize<S: Serializer>(v: &[u8; 32], s: S) -> Result<S::Ok, S::Error> {
        super::hex_bytes::serialize(v, s)
    }
    /// Parses hex of 32 bytes.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<[u8; 32], D::Error> {
        let v = super::hex_bytes::deserialize(d)?;
        v.try_into().map_err(|v: Vec<u8>| {
            serde::de::Error::custom(format!("expected 32 bytes, got {}", v.len()))
        })
    }
}

/// Standard base64 with padding, as Go's `encoding/json` writes `[]byte`.
pub mod base64_bytes {
    use serde::{Deserialize, Deserializer, Serializer};
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

    /// Encodes `v`.
    pub fn encode(v: &[u8]) -> String {
        let mut out = String::with_capacity(v.len().div_ceil(3) * 4);
        for chunk in v.chunks(3) {
            let n = (chunk[0] as u32) << 16
                | (*chunk.get(1).unwrap_or(&0) as u32) << 8
                | *chunk.get(2).unwrap_or(&0) as u32;
            for i in 0..4 {
                if i <= chunk.len() {
                    out.push(ALPHABET[(n >> (18 - 6 * i)) as usize & 63] as char);
                } else {
                    out.push('=');
                }
            }
        }
        out
    }
    /// Decodes `s`.
    pub fn decode(s: &str) -> Result<Vec<u8>, String> {
        let s = s.trim_end_matches('=');
        let mut out = Vec::with_capacity(s.len() * 3 / 4);
        let (mut acc, mut bits) = (0u32, 0);
        for c in s.bytes() {
            let v = ALPHABET
                .iter()
                .position(|&a| a == c)
                .ok_or_else(|| format!("bad base64 character {:?}", c as char))?;
            acc = acc << 6 | v as u32;
            bits += 6;
            if bits >= 8 {
                bits -= 8;
                out.push((acc >> bits) as u8);
            }
        }
        Ok(out)
    }
    /// Serializes as base64.
    pub fn serialize<S: Serializer>(v: &[u8], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&encode(v))
    }
    /// Parses base64.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
        decode(&String::deserialize(d)?).map_err(serde::de::Error::custom)
    }
}

/// A page as plain hex of exactly [`PAGE_SIZE`](crate::memory::PAGE_SIZE) bytes.
pub mod page_hex {
    use crate::memory::PAGE_SIZE;
    use serde::{Deserializer, Serializer};

    /// Serializes as hex without prefix.
    pub fn serialize<S: Serializer, P: AsRef<[u8]>>(v: &P, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&hex::encode(v.as_ref()))
    }
    /// Parses a page's hex (borrowed or streamed).
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Box<[u8; PAGE_SIZE]>, D::Error> {
        struct PageVisitor;
        impl serde::de::Visitor<'_> for PageVisitor {
            type Value = Box<[u8; PAGE_SIZE]>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                write!(f, "a page of {} hex characters", PAGE_SIZE * 2)
            }
            fn visit_str<E: serde::de::Error>(self, s: &str) -> Result<Self::Value, E> {
                if s.len() != PAGE_SIZE * 2 {
                    return Err(E::custom(format!(
                        "page data has {} hex characters, not {}",
                        s.len(),
                        PAGE_SIZE * 2
                    )));
                }
                let mut out = Box::new([0u8; PAGE_SIZE]);
                hex::decode_to_slice(s, &mut out[..]).map_err(E::custom)?;
                Ok(out)
            }
        }
        d.deserialize_str(PageVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::base64_bytes;

    #[test]
    fn base64_matches_go_encoding() {
        assert_eq!(base64_bytes::encode(b"ab"), "YWI=");
        assert_eq!(base64_bytes::encode(b"abc"), "YWJj");
        assert_eq!(base64_bytes::encode(b"a"), "YQ==");
        assert_eq!(base64_bytes::decode("YWI=").unwrap(), b"ab");
    }
}
