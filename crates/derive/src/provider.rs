//! What the pipeline reads the chains through. The program implements these with the preimage
//! oracle (headers, receipts and transactions by block hash, blobs by commitment, bytecode by
//! hash); tests with in-memory chains.

use crate::error::DeriveError;
use crate::system_config::SystemConfig;
use crate::types::L2BlockRef;
use alloc::boxed::Box;
use alloc::vec::Vec;
use alloy_consensus::{Header, ReceiptEnvelope, TxEnvelope};
use alloy_primitives::{Bytes, B256};

/// One EIP-4844 blob.
pub type Blob = Box<[u8; crate::blob::BLOB_SIZE]>;

/// The L1 chain, up to a fixed head (no reorgs).
pub trait L1Provider {
    /// The header of the canonical block `number` (at most the L1 head; `None` past it).
    fn header_by_number(&mut self, number: u64) -> Result<Option<Header>, DeriveError>;
    /// The header of the block with `hash`.
    fn header_by_hash(&mut self, hash: B256) -> Result<Header, DeriveError>;
    /// The receipts of the block with `hash`, in transaction order.
    fn receipts(&mut self, hash: B256) -> Result<Vec<ReceiptEnvelope>, DeriveError>;
    /// The transactions of the block with `hash`, in order.
    fn transactions(&mut self, hash: B256) -> Result<Vec<TxEnvelope>, DeriveError>;
}

/// EIP-4844 blobs.
pub trait BlobProvider {
    /// The KZG commitment and the blob of `versioned_hash`, the blob numbered `index` among all
    /// the blobs of `block` (counting every blob transaction's, as the beacon API numbers them).
    /// The pipeline checks the commitment against the versioned hash; checking the blob against
    /// the commitment is the provider's (the preimage oracle checks field elements against it).
    fn blob(
        &mut self,
        block: &crate::types::L1BlockRef,
        index: u64,
        versioned_hash: B256,
    ) -> Result<([u8; 48], Blob), DeriveError>;
}

/// keccak256 preimages of contract bytecode (the network upgrade transactions' creation code).
pub trait BytecodeSource {
    /// The bytes whose keccak256 is `hash`.
    fn bytecode(&mut self, hash: B256) -> Result<Bytes, DeriveError>;
}

/// The L2 chain up to the safe head, as derivation needs it.
pub trait L2Provider {
    /// The block `number` of the safe chain.
    fn block_ref(&mut self, number: u64) -> Result<L2BlockRef, DeriveError>;
    /// The non-deposit transactions of block `number` (span batches that overlap the safe chain
    /// are checked against them).
    fn sequenced_transactions(&mut self, number: u64) -> Result<Vec<Bytes>, DeriveError>;
    /// The system config in effect after block `number`.
    fn system_config(&mut self, number: u64) -> Result<SystemConfig, DeriveError>;
}

impl<T: BytecodeSource + ?Sized> BytecodeSource for &mut T {
    fn bytecode(&mut self, hash: B256) -> Result<Bytes, DeriveError> {
        (**self).bytecode(hash)
    }
}

#[cfg(feature = "std")]
impl BytecodeSource for std::collections::HashMap<B256, Bytes> {
    fn bytecode(&mut self, hash: B256) -> Result<Bytes, DeriveError> {
        self.get(&hash)
            .cloned()
            .ok_or_else(|| DeriveError::Provider(alloc::format!("no bytecode with hash {hash}")))
    }
}
