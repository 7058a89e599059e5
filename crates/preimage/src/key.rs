//! Preimage keys: 32 bytes, the type in byte 0.

use core::fmt;
use sha2::Digest;

/// keccak256 of `data` (verdict-keccak's, written for the programs inside the VMs).
pub fn keccak256(data: &[u8]) -> [u8; 32] {
    verdict_keccak::keccak256(data)
}

/// sha256 of `data`.
pub fn sha256(data: &[u8]) -> [u8; 32] {
    sha2::Sha256::digest(data).into()
}

/// The type of a preimage key (its first byte).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum KeyType {
    /// Local to one dispute (boot inputs).
    Local = 1,
    /// keccak256 of the value.
    Keccak256 = 2,
    /// Reserved.
    Generic = 3,
    /// sha256 of the value.
    Sha256 = 4,
    /// A blob field element: keccak256(commitment ++ z).
    Blob = 5,
    /// A precompile result: keccak256(address ++ input).
    Precompile = 6,
}

impl KeyType {
    /// The key type of a type byte.
    pub fn from_byte(b: u8) -> Option<KeyType> {
        Some(match b {
            1 => KeyType::Local,
            2 => KeyType::Keccak256,
            3 => KeyType::Generic,
            4 => KeyType::Sha256,
            5 => KeyType::Blob,
            6 => KeyType::Precompile,
            _ => return None,
        })
    }
}

/// Local key identifiers (boot inputs of the program).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(u64)]
pub enum LocalKey {
    /// The L1 head block hash.
    L1Head = 1,
    /// The agreed (starting) L2 output root.
    AgreedOutputRoot = 2,
    /// The disputed (claimed) L2 output root.
    ClaimedOutputRoot = 3,
    /// The claimed L2 block number (u64 big-endian).
    ClaimedBlockNumber = 4,
    /// The L2 chain id (u64 big-endian).
    ChainId = 5,
    /// The L2 chain config (custom chains).
    ChainConfig = 6,
    /// The rollup config (custom chains).
    RollupConfig = 7,
}

/// A 32-byte preimage key.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PreimageKey(pub [u8; 32]);

impl PreimageKey {
    /// The keccak256 key of `data`.
    pub fn keccak256(data: &[u8]) -> Self {
        Self::typed(KeyType::Keccak256, keccak256(data))
    }

    /// The keccak256 key of a value whose hash is known.
    pub fn from_keccak_hash(hash: [u8; 32]) -> Self {
        Self::typed(KeyType::Keccak256, hash)
    }

    /// The sha256 key of `data`.
    pub fn sha256(data: &[u8]) -> Self {
        Self::typed(KeyType::Sha256, sha256(data))
    }

    /// The key of a local boot input.
    pub fn local(ident: LocalKey) -> Self {
        Self::local_index(ident as u64)
    }

    /// The key of local input number `index`.
    pub fn local_index(index: u64) -> Self {
        let mut k = [0u8; 32];
        k[0] = KeyType::Local as u8;
        k[24..].copy_from_slice(&index.to_be_bytes());
        PreimageKey(k)
    }

    /// The key of a blob field element: type 5 ++ keccak256(commitment ++ z)[1..].
    pub fn blob(commitment: &[u8; 48], z: &[u8; 32]) -> Self {
        let mut buf = [0u8; 80];
        buf[..48].copy_from_slice(commitment);
        buf[48..].copy_from_slice(z);
        Self::typed(KeyType::Blob, keccak256(&buf))
    }

    /// The key of a precompile call: type 6 ++ keccak256(address ++ input)[1..].
    pub fn precompile(address: &[u8; 20], input: &[u8]) -> Self {
        let hash = verdict_keccak::Keccak256::new()
            .update(address)
            .update(input)
            .finalize();
        Self::typed(KeyType::Precompile, hash)
    }

    fn typed(t: KeyType, mut hash: [u8; 32]) -> Self {
        hash[0] = t as u8;
        PreimageKey(hash)
    }

    /// The key's type, if it is a known one.
    pub fn key_type(&self) -> Option<KeyType> {
        KeyType::from_byte(self.0[0])
    }

    /// Whether `value` is the preimage of this key, for the types that can be checked by hashing
    /// (keccak256, sha256); `None` for types that cannot (local, blob, precompile, generic).
    pub fn matches(&self, value: &[u8]) -> Option<bool> {
        match self.key_type()? {
            KeyType::Keccak256 => Some(Self::keccak256(value) == *self),
            KeyType::Sha256 => Some(Self::sha256(value) == *self),
            _ => None,
        }
    }
}

impl fmt::Debug for PreimageKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl fmt::Display for PreimageKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("0x")?;
        for b in self.0 {
            write!(f, "{b:02x}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_have_their_type_byte_and_check_their_values() {
        let k = PreimageKey::keccak256(b"hello");
        assert_eq!(k.key_type(), Some(KeyType::Keccak256));
        assert_eq!(&k.0[1..], &keccak256(b"hello")[1..]);
        assert_eq!(k.matches(b"hello"), Some(true));
        assert_eq!(k.matches(b"hellO"), Some(false));
        let s = PreimageKey::sha256(b"abc");
        assert_eq!(s.0[0], 4);
        assert_eq!(s.0[31], 0xad); // sha256("abc") ends in ...15ad
        assert_eq!(s.matches(b"abc"), Some(true));
        let l = PreimageKey::local(LocalKey::ChainId);
        assert_eq!(l.0[0], 1);
        assert_eq!(l.0[31], 5);
        assert_eq!(l.matches(b"x"), None);
        assert_eq!(format!("{l}").len(), 66);
    }

    #[test]
    fn a_precompile_key_hashes_the_address_then_the_input() {
        let address = [0x01u8; 20];
        let input = [0xabu8; 200];
        let k = PreimageKey::precompile(&address, &input);
        let mut whole = address.to_vec();
        whole.extend_from_slice(&input);
        assert_eq!(k.key_type(), Some(KeyType::Precompile));
        assert_eq!(k.0[0], 6);
        assert_eq!(&k.0[1..], &keccak256(&whole)[1..]);
    }
}
