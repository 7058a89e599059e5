//! The errors of the program: each names what was missing or wrong.

use alloc::string::String;
use alloy_primitives::B256;
use core::fmt;
use verdict_preimage::PreimageKey;

/// What a preimage was fetched for (used in error messages).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PreimageKind {
    /// A node of the state trie or of a storage trie.
    TrieNode,
    /// Contract bytecode, by code hash.
    Code,
    /// An RLP block header, by block hash.
    Header,
    /// Payload attributes (JSON), by the hash a boot input commits to.
    PayloadAttributes,
}

impl fmt::Display for PreimageKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            PreimageKind::TrieNode => "trie node",
            PreimageKind::Code => "contract code",
            PreimageKind::Header => "block header",
            PreimageKind::PayloadAttributes => "payload attributes",
        })
    }
}

/// Why a block could not be executed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ProgramError {
    /// The oracle has no preimage for `key` (the keccak256 key of `hash`).
    MissingPreimage {
        /// What the preimage was wanted for.
        kind: PreimageKind,
        /// The keccak256 hash the value was asked by.
        hash: B256,
        /// The preimage oracle key.
        key: PreimageKey,
    },
    /// The oracle answered with a value whose keccak256 is not `hash`.
    PreimageMismatch {
        /// What the preimage was wanted for.
        kind: PreimageKind,
        /// The keccak256 hash the value was asked by.
        hash: B256,
        /// The preimage oracle key.
        key: PreimageKey,
    },
    /// The oracle transport failed.
    Oracle(String),
    /// A trie node (by the hash of the node that holds it) is not a valid node.
    BadTrieNode {
        /// The hash of the fetched node (the node itself, or the one embedding it).
        hash: B256,
        /// What is wrong.
        reason: String,
    },
    /// A value stored in a trie (an account) could not be decoded.
    BadTrieValue(String),
    /// Contract code that revm rejects (e.g. a malformed EIP-7702 delegation).
    BadCode {
        /// The code hash.
        hash: B256,
        /// What is wrong.
        reason: String,
    },
    /// A block header (RLP) could not be decoded.
    BadHeader(String),
    /// The payload attributes are not valid.
    BadPayload(String),
    /// A transaction of the payload is invalid: the block is invalid.
    InvalidTransaction {
        /// Its index in the payload (0 is the L1 info deposit).
        index: usize,
        /// Why (revm's reason, or the decoding or block gas limit failure).
        reason: String,
    },
    /// A system call at the start of the block failed.
    SystemCall(String),
    /// A hardfork the program does not implement is active.
    UnsupportedFork(String),
    /// Bad fixture or configuration input (names the field).
    BadInput(String),
}

impl fmt::Display for ProgramError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ProgramError::MissingPreimage { kind, hash, key } => {
                write!(f, "{kind} {hash} missing (no preimage for key {key})")
            }
            ProgramError::PreimageMismatch { kind, hash, key } => {
                write!(
                    f,
                    "{kind} {hash} does not match its hash (preimage key {key})"
                )
            }
            ProgramError::Oracle(e) => write!(f, "preimage oracle: {e}"),
            ProgramError::BadTrieNode { hash, reason } => {
                write!(f, "trie node {hash} is invalid: {reason}")
            }
            ProgramError::BadTrieValue(e) => write!(f, "invalid trie value: {e}"),
            ProgramError::BadCode { hash, reason } => {
                write!(f, "contract code {hash} is invalid: {reason}")
            }
            ProgramError::BadHeader(e) => write!(f, "invalid block header: {e}"),
            ProgramError::BadPayload(e) => write!(f, "invalid payload attributes: {e}"),
            ProgramError::InvalidTransaction { index, reason } => {
                write!(f, "invalid transaction {index} in the payload: {reason}")
            }
            ProgramError::SystemCall(e) => write!(f, "system call failed: {e}"),
            ProgramError::UnsupportedFork(e) => write!(f, "unsupported hardfork: {e}"),
            ProgramError::BadInput(e) => write!(f, "bad input: {e}"),
        }
    }
}

impl core::error::Error for ProgramError {}

impl revm::database_interface::DBErrorMarker for ProgramError {}
