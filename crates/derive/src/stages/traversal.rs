//! L1 traversal: the current L1 block, moved forward one block at a time up to the L1 head; the
//! system config of the retrieval stage follows every block's `ConfigUpdate` logs (one that
//! cannot be parsed is skipped, and recorded).

use super::{StageResult, Step};
use crate::config::RollupConfig;
use crate::error::DeriveError;
use crate::log::{DropLog, DropReason};
use crate::provider::L1Provider;
use crate::system_config::SystemConfig;
use crate::types::L1BlockRef;
use alloc::format;

/// The L1 traversal stage.
#[derive(Clone, Debug)]
pub struct Traversal {
    /// The current L1 block.
    pub block: L1BlockRef,
    /// Whether the current block was handed to retrieval.
    pub done: bool,
    /// The system config as of the current block (batcher authentication).
    pub system_config: SystemConfig,
}

impl Traversal {
    /// Starts at `block` with `system_config`.
    pub fn new(block: L1BlockRef, system_config: SystemConfig) -> Self {
        Self {
            block,
            done: false,
            system_config,
        }
    }

    /// The current block, once; then [`Step::Eof`].
    pub fn next_block(&mut self) -> StageResult<L1BlockRef> {
        if self.done {
            return Err(Step::Eof);
        }
        self.done = true;
        Ok(self.block)
    }

    /// Moves to the next L1 block; [`DeriveError::EndOfL1`] past the head. `ConfigUpdate` logs
    /// that cannot be parsed are skipped and recorded in `log`.
    pub fn advance(
        &mut self,
        cfg: &RollupConfig,
        l1: &mut dyn L1Provider,
        log: &DropLog,
    ) -> Result<(), DeriveError> {
        let header = l1
            .header_by_number(self.block.number + 1)?
            .ok_or(DeriveError::EndOfL1)?;
        let next = L1BlockRef::from_header(&header);
        if next.parent_hash != self.block.hash {
            return Err(DeriveError::BadL1(format!(
                "block {} does not follow block {} ({})",
                next.number, self.block.number, self.block.hash
            )));
        }
        let receipts = l1.receipts(next.hash)?;
        for why in self
            .system_config
            .update_from_receipts(cfg, &receipts, next.timestamp)
        {
            log.record(next.number, DropReason::ConfigUpdate(why));
        }
        self.block = next;
        self.done = false;
        Ok(())
    }
}
