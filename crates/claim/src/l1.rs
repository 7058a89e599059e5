//! The L1 chain up to the L1 head, read from the host: headers by hash (keccak256 preimages of
//! their RLP), by number by walking parent hashes back from the head, and each block's
//! transactions and receipts from the tries its header commits to.

use crate::error::ClaimError;
use crate::hints::Hint;
use crate::list_trie::list_values;
use crate::oracle::ClaimOracle;
use alloc::collections::BTreeMap;
use alloc::format;
use alloc::string::ToString;
use alloc::vec::Vec;
use alloy_consensus::{Header, ReceiptEnvelope, TxEnvelope};
use alloy_eips::eip2718::Decodable2718;
use alloy_primitives::B256;
use alloy_rlp::Decodable;
use verdict_derive::provider::L1Provider;
use verdict_derive::DeriveError;
use verdict_preimage::{HintWriter, PreimageOracle};

/// The L1 chain as the program reads it.
pub struct OracleL1<'a, O, H> {
    host: &'a ClaimOracle<O, H>,
    head: Header,
    /// Canonical block hashes by number, filled walking back from the head.
    hashes: BTreeMap<u64, B256>,
    headers: BTreeMap<B256, Header>,
}

/// A header read by hash: the preimage must decode and be that header.
pub(crate) fn read_header<O: PreimageOracle, H: HintWriter>(
    host: &ClaimOracle<O, H>,
    hint: Hint<'_>,
    what: &str,
    hash: B256,
) -> Result<Header, ClaimError> {
    host.hint(hint)?;
    let rlp = host.keccak(what, hash)?;
    Header::decode(&mut rlp.as_slice()).map_err(|e| {
        host.fail(ClaimError::BadPreimage(format!(
            "{what} {hash}: not a header: {e}"
        )))
    })
}

fn provider(e: ClaimError) -> DeriveError {
    DeriveError::Provider(e.to_string())
}

impl<'a, O: PreimageOracle, H: HintWriter> OracleL1<'a, O, H> {
    /// The L1 chain ending at the block with `head` (its hash, the L1 head boot input).
    pub fn new(host: &'a ClaimOracle<O, H>, head: B256) -> Result<Self, ClaimError> {
        let header = read_header(host, Hint::L1BlockHeader(head), "L1 head header", head)?;
        let mut hashes = BTreeMap::new();
        hashes.insert(header.number, head);
        let mut headers = BTreeMap::new();
        headers.insert(head, header.clone());
        Ok(OracleL1 {
            host,
            head: header,
            hashes,
            headers,
        })
    }

    /// The L1 head's header.
    pub fn head(&self) -> &Header {
        &self.head
    }

    fn header(&mut self, hash: B256) -> Result<Header, ClaimError> {
        if let Some(h) = self.headers.get(&hash) {
            return Ok(h.clone());
        }
        let header = read_header(self.host, Hint::L1BlockHeader(hash), "L1 header", hash)?;
        self.headers.insert(hash, header.clone());
        Ok(header)
    }
}

impl<O: PreimageOracle, H: HintWriter> L1Provider for OracleL1<'_, O, H> {
    fn header_by_number(&mut self, number: u64) -> Result<Option<Header>, DeriveError> {
        if number > self.head.number {
            return Ok(None);
        }
        // Walk back from the lowest block known so far.
        loop {
            if let Some(&hash) = self.hashes.get(&number) {
                return self.header(hash).map(Some).map_err(provider);
            }
            let (&lowest, &hash) = self.hashes.iter().next().expect("the head is known");
            let header = self.header(hash).map_err(provider)?;
            if lowest == 0 {
                return Err(DeriveError::BadL1("walked back past L1 block 0".into()));
            }
            self.hashes.insert(lowest - 1, header.parent_hash);
        }
    }

    fn header_by_hash(&mut self, hash: B256) -> Result<Header, DeriveError> {
        self.header(hash).map_err(provider)
    }

    fn receipts(&mut self, hash: B256) -> Result<Vec<ReceiptEnvelope>, DeriveError> {
        let header = self.header(hash).map_err(provider)?;
        self.host.hint(Hint::L1Receipts(hash)).map_err(provider)?;
        let host = self.host;
        let raw = list_values(header.receipts_root, &mut |h| {
            host.keccak("L1 receipt trie node", h)
        })
        .map_err(provider)?;
        raw.iter()
            .enumerate()
            .map(|(i, r)| {
                ReceiptEnvelope::decode_2718(&mut r.as_slice())
                    .map_err(|e| DeriveError::BadL1(format!("receipt {i} of L1 block {hash}: {e}")))
            })
            .collect()
    }

    fn transactions(&mut self, hash: B256) -> Result<Vec<TxEnvelope>, DeriveError> {
        let header = self.header(hash).map_err(provider)?;
        self.host
            .hint(Hint::L1Transactions(hash))
            .map_err(provider)?;
        let host = self.host;
        let raw = list_values(header.transactions_root, &mut |h| {
            host.keccak("L1 transaction trie node", h)
        })
        .map_err(provider)?;
        raw.iter()
            .enumerate()
            .map(|(i, t)| {
                TxEnvelope::decode_2718(&mut t.as_slice()).map_err(|e| {
                    DeriveError::BadL1(format!("transaction {i} of L1 block {hash}: {e}"))
                })
            })
            .collect()
    }
}
