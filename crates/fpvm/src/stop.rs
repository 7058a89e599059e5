//! Where a run stops on a preimage read, as the reference VMs' `--stop-at-preimage*` flags say:
//! right after the first step that reads a matching preimage. The VM checks after each read, so
//! its fast engines stop there too instead of stepping one instruction at a time.

use std::str::FromStr;

/// The preimage a step read: its key, the offset read from and the value's length with its
/// 8-byte length prefix.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PreimageRead {
    /// The key as the state holds it.
    pub key: [u8; 32],
    /// The offset (into the length-prefixed value) the step read from.
    pub offset: u64,
    /// Length of the value with its 8-byte prefix.
    pub prefixed_len: u64,
}

/// Conditions that stop a run right after a step that read preimage data. Several may be set;
/// any one stops the run.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PreimageStop {
    /// Any read.
    pub any: bool,
    /// A read of a key starting with these bytes at exactly this offset.
    pub prefix: Option<(Vec<u8>, u64)>,
    /// A read at offset 0 of a key of any type but local (Verdict's `global`).
    pub global: bool,
    /// A read of a value longer than this (counting its 8-byte length prefix); 0: never.
    pub larger_than: u64,
}

impl PreimageStop {
    /// Whether any condition is set.
    pub fn is_active(&self) -> bool {
        self.any || self.prefix.is_some() || self.global || self.larger_than > 0
    }

    /// Whether `read` stops the run.
    pub fn matches(&self, read: &PreimageRead) -> bool {
        self.any
            || self
                .prefix
                .as_ref()
                .is_some_and(|(p, off)| read.key.starts_with(p) && read.offset == *off)
            || (self.global && read.key[0] != KEY_TYPE_LOCAL && read.offset == 0)
            || (self.larger_than > 0 && read.prefixed_len > self.larger_than)
    }

    /// The conditions of `--stop-at-preimage KEY[@OFFSET]` (a key or a prefix of one, in hex;
    /// the offset defaults to 0).
    pub fn key(spec: &str) -> Result<Self, String> {
        let (key, offset) = match spec.split_once('@') {
            Some((k, o)) => (
                k,
                o.parse::<u64>()
                    .map_err(|_| format!("invalid preimage offset {o:?} in {spec:?}"))?,
            ),
            None => (spec, 0),
        };
        let bytes = hex::decode(key.strip_prefix("0x").unwrap_or(key))
            .map_err(|e| format!("preimage key {key:?} is not hex: {e}"))?;
        if bytes.is_empty() || bytes.len() > 32 {
            return Err(format!(
                "preimage key {key:?} has {} bytes: expected 1 to 32",
                bytes.len()
            ));
        }
        Ok(PreimageStop {
            prefix: Some((bytes, offset)),
            ..Default::default()
        })
    }

    /// The condition of `--stop-at-preimage-type T`: the reference's `keccak`, `sha256`, `blob`,
    /// `precompile`, `local` (a key of that type, read at offset 0) and `any`, and `global` (any
    /// type but local); empty for none.
    pub fn key_type(name: &str) -> Result<Self, String> {
        let prefix = |t: u8| PreimageStop {
            prefix: Some((vec![t], 0)),
            ..Default::default()
        };
        Ok(match name {
            "" => PreimageStop::default(),
            "any" => PreimageStop {
                any: true,
                ..Default::default()
            },
            "global" => PreimageStop {
                global: true,
                ..Default::default()
            },
            "local" => prefix(KEY_TYPE_LOCAL),
            "keccak" => prefix(2),
            "sha256" => prefix(4),
            "blob" => prefix(5),
            "precompile" => prefix(6),
            other => {
                return Err(format!(
                    "invalid preimage type {other:?}: expected any, local, global, keccak, sha256, blob or precompile"
                ))
            }
        })
    }
}

impl FromStr for PreimageStop {
    type Err = String;
    /// Parses a `--stop-at-preimage` value.
    fn from_str(s: &str) -> Result<Self, String> {
        PreimageStop::key(s)
    }
}

/// The type byte of local keys.
const KEY_TYPE_LOCAL: u8 = 1;

#[cfg(test)]
mod tests {
    use super::*;

    fn read(key0: u8, offset: u64, prefixed_len: u64) -> PreimageRead {
        let mut key = [0xab; 32];
        key[0] = key0;
        PreimageRead {
            key,
            offset,
            prefixed_len,
        }
    }

    #[test]
    fn types_match_their_key_byte_at_offset_zero() {
        let keccak = PreimageStop::key_type("keccak").unwrap();
        assert!(keccak.matches(&read(2, 0, 40)));
        assert!(!keccak.matches(&read(2, 32, 40)), "only the first read");
        assert!(!keccak.matches(&read(1, 0, 40)));
        let global = PreimageStop::key_type("global").unwrap();
        assert!(global.matches(&read(5, 0, 40)) && !global.matches(&read(1, 0, 40)));
        assert!(PreimageStop::key_type("any")
            .unwrap()
            .matches(&read(1, 8, 9)));
        assert!(PreimageStop::key_type("global2").is_err());
        assert!(!PreimageStop::key_type("").unwrap().is_active());
    }

    #[test]
    fn keys_take_prefixes_and_offsets() {
        let s = PreimageStop::key("0x02abab@32").unwrap();
        assert!(s.matches(&read(2, 32, 100)));
        assert!(!s.matches(&read(2, 0, 100)));
        assert!(!s.matches(&read(3, 32, 100)));
        let full = format!("0x02{}", "ab".repeat(31));
        assert!(PreimageStop::key(&full).unwrap().matches(&read(2, 0, 9)));
        assert!(PreimageStop::key(&format!("{full}ab")).is_err(), "33 bytes");
        assert!(PreimageStop::key("0x02@x").is_err());
        assert!(PreimageStop::key("0xzz").is_err());
    }

    #[test]
    fn larger_than_counts_the_length_prefix() {
        let s = PreimageStop {
            larger_than: 40,
            ..Default::default()
        };
        assert!(!s.matches(&read(2, 0, 40)));
        assert!(s.matches(&read(2, 0, 41)));
    }
}
