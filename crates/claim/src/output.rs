//! L2 output roots, version 0: `keccak256(version || state root || message passer storage root ||
//! block hash)`, each field 32 bytes (specs: proposals.md, "L2 Output Commitment Construction").

use alloy_primitives::{keccak256, B256};

/// The L2ToL1MessagePasser predeploy, whose storage root an output commits to.
pub const MESSAGE_PASSER: alloy_primitives::Address =
    alloy_primitives::address!("4200000000000000000000000000000000000016");

/// The fields of a version-0 output root.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Output {
    /// The L2 state root.
    pub state_root: B256,
    /// The storage root of the L2ToL1MessagePasser.
    pub message_passer_storage_root: B256,
    /// The L2 block hash.
    pub block_hash: B256,
}

/// The size of a version-0 output root's preimage.
pub const OUTPUT_V0_SIZE: usize = 128;

impl Output {
    /// The preimage of the output root: version 0, then the three roots.
    pub fn encode(&self) -> [u8; OUTPUT_V0_SIZE] {
        let mut out = [0u8; OUTPUT_V0_SIZE];
        out[32..64].copy_from_slice(self.state_root.as_slice());
        out[64..96].copy_from_slice(self.message_passer_storage_root.as_slice());
        out[96..].copy_from_slice(self.block_hash.as_slice());
        out
    }

    /// The output root.
    pub fn root(&self) -> B256 {
        keccak256(self.encode())
    }

    /// Reads a version-0 output root's preimage; `None` if it is not one.
    pub fn decode(preimage: &[u8]) -> Option<Self> {
        let bytes: &[u8; OUTPUT_V0_SIZE] = preimage.try_into().ok()?;
        if bytes[..32] != [0u8; 32] {
            return None;
        }
        Some(Output {
            state_root: B256::from_slice(&bytes[32..64]),
            message_passer_storage_root: B256::from_slice(&bytes[64..96]),
            block_hash: B256::from_slice(&bytes[96..]),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_and_decodes_version_0() {
        let o = Output {
            state_root: B256::repeat_byte(1),
            message_passer_storage_root: B256::repeat_byte(2),
            block_hash: B256::repeat_byte(3),
        };
        let bytes = o.encode();
        assert_eq!(Output::decode(&bytes), Some(o));
        assert_eq!(o.root(), keccak256(bytes));
        let mut v1 = bytes;
        v1[31] = 1;
        assert_eq!(Output::decode(&v1), None);
        assert_eq!(Output::decode(&bytes[..127]), None);
    }
}
