//! Synthetic chains for tests (`std`): a seeded generator of L1 blocks (deposits, config updates,
//! batcher transactions in calldata and blobs) from a sequenced L2 chain, with the expected
//! payload attributes of every L2 block; in-memory L1 and L2 providers and a fake engine.
//!
//! - [`l1`]: the rollup config and forks, L1 headers and L1 events;
//! - [`sequencer`]: the L2 chain and its batches;
//! - [`batcher`]: channels and frames posted in L1 blocks;
//! - [`adversary`]: the inputs that must be dropped, and random damage;
//! - [`memory`]: the in-memory chains the pipeline reads; [`rng`]: seeded randomness;
//! - [`recording`]: a real chain's L1 data (recorded from an L1 node) as a scenario.

mod adversary;
mod batcher;
mod l1;
mod memory;
pub mod recording;
mod rng;
mod sequencer;

pub use memory::{CodeStore, FakeL2, MemL1};
pub use rng::Rng;

use crate::attributes::PayloadAttributes;
use crate::config::{Fork, RollupConfig};
use crate::error::DeriveError;
use crate::log::{DropReason, Dropped};
use alloy_primitives::keccak256;
use k256::ecdsa::SigningKey;

/// A generated chain.
#[derive(Clone, Debug)]
pub struct Scenario {
    /// The rollup config.
    pub cfg: RollupConfig,
    /// The L1 chain.
    pub l1: MemL1,
    /// The sequencer's L2 chain.
    pub l2: FakeL2,
    /// The expected attributes of L2 blocks 1, 2, ...
    pub expected: Vec<PayloadAttributes>,
    /// Which features the scenario used (for coverage counts).
    pub features: Vec<&'static str>,
    /// The L2 blocks whose epoch's batches were withheld: derived deposits-only when the
    /// sequencing window expires.
    pub deposits_only: Vec<u64>,
    /// The drops the generator's inputs must cause, wherever they are certain (see
    /// [`unmatched_drops`]); none when [`Options::corrupt`] damages inputs at random.
    pub expected_drops: Vec<ExpectedDrop>,
}

/// A drop an input of the generator must cause: its reason (which names the stage, see
/// [`DropReason::stage`]) and the L1 blocks it can happen in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ExpectedDrop {
    /// Why.
    pub reason: DropReason,
    /// The number of the L1 block the input is in (for a batch, the block its channel is
    /// complete in): the first the drop can happen in.
    pub l1_block: u64,
    /// `None`: the drop happens in `l1_block` itself. For a batch, the L2 timestamp of the
    /// block it was made for: it is dropped when read, or before Holocene, when it is checked
    /// for its slot, so at the latest in the L1 block that block is derived from.
    pub by_timestamp: Option<u64>,
}

/// A scenario as the pipeline derived it.
#[derive(Clone, Debug, Default)]
pub struct Derivation {
    /// The attributes of every block derived before the L1 head.
    pub attributes: Vec<PayloadAttributes>,
    /// The number of the L1 block each was derived from.
    pub derived_from: Vec<u64>,
    /// Every drop the pipeline recorded, in order.
    pub drops: Vec<Dropped>,
}

/// Generation knobs.
#[derive(Clone, Debug)]
pub struct Options {
    /// L1 blocks after genesis.
    pub l1_blocks: usize,
    /// Whether Jovian may be scheduled.
    pub jovian: bool,
    /// Percent chance to corrupt each channel and each batcher payload (bad input tests).
    pub corrupt: u64,
    /// Whether to add invalid and valid-looking-but-unusable inputs (invalid batches of every
    /// kind, duplicate, out-of-order and interleaved frames, timed-out channels, wrong senders,
    /// bad blobs, withheld epochs, a batcher change, missed L1 slots).
    pub adversarial: bool,
    /// Whether to leave out the inputs on which kona-derive 0.4.5 departs from op-node (and the
    /// spec where op-node follows it).
    pub kona_safe: bool,
    /// When the forks activate.
    pub forks: ForkSchedule,
    /// Whether the chain surely has a short sequencer drift and missed L1 slots, so some blocks
    /// outrun their L1 origin (adversarial chains have them at times).
    pub l1_gaps: bool,
}

/// When a scenario's forks activate.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ForkSchedule {
    /// Drawn from the seed: every fork at genesis, staggered over the chain, or at random times
    /// (Jovian only with [`Options::jovian`]).
    #[default]
    Random,
    /// Every fork through this one at genesis, the later ones never.
    Through(Fork),
    /// Every fork through the first at genesis, the second this many seconds after genesis,
    /// the later ones never.
    Then(Fork, Fork, u64),
}

impl Options {
    /// The chains of the differential against kona-derive 0.4.5: no Jovian (kona 0.4.5 predates
    /// it), and none of the inputs where kona departs from op-node (see `kona-diff`).
    pub fn kona_differential() -> Self {
        Self {
            jovian: false,
            adversarial: true,
            kona_safe: true,
            ..Self::default()
        }
    }
}

impl Default for Options {
    fn default() -> Self {
        Self {
            l1_blocks: 40,
            jovian: true,
            corrupt: 0,
            adversarial: false,
            kona_safe: false,
            forks: ForkSchedule::Random,
            l1_gaps: false,
        }
    }
}

/// The keys of a scenario's actors.
pub(crate) struct Keys {
    /// The batcher's key at genesis.
    pub batcher: SigningKey,
    /// The batcher's key after a batcher change.
    pub new_batcher: SigningKey,
    /// The key of the L2 user whose transactions fill the blocks.
    pub user: SigningKey,
}

impl Keys {
    fn new() -> Self {
        let key = |seed: &[u8]| SigningKey::from_slice(&keccak256(seed).0).expect("valid key");
        Self {
            batcher: key(b"verdict batcher"),
            new_batcher: key(b"verdict batcher 2"),
            user: key(b"verdict user"),
        }
    }
}

/// The batcher's key at genesis (tests post their own batcher transactions with it).
pub fn batcher_key() -> SigningKey {
    Keys::new().batcher
}

/// Generates the scenario of `seed`.
pub fn generate(seed: u64, code: &CodeStore, opts: &Options) -> Result<Scenario, DeriveError> {
    let mut rng = Rng::new(seed);
    let mut features = Vec::new();
    let keys = Keys::new();
    let (cfg, mut l1) = l1::chain(&mut rng, opts, &keys);
    let batcher_change = l1::batcher_change(&mut rng, &cfg, &l1, opts);
    let mut expected_drops = l1::events(
        &mut rng,
        &cfg,
        opts,
        &mut l1,
        batcher_change,
        &keys,
        &mut features,
    );
    let seq = sequencer::sequence(&mut rng, &cfg, &l1, code, opts, &keys, &mut features)?;
    expected_drops.extend(batcher::submit(
        &mut rng,
        &cfg,
        &mut l1,
        &seq,
        opts,
        seed,
        &keys,
        batcher_change,
        &mut features,
    )?);
    // Random damage makes every expectation uncertain.
    if opts.corrupt > 0 {
        expected_drops.clear();
    }
    Ok(Scenario {
        cfg,
        l1,
        l2: seq.l2,
        expected: seq.expected,
        features,
        deposits_only: seq.deposits_only,
        expected_drops,
    })
}

/// Derives a scenario's chain with the pipeline and a fresh fake engine: the attributes of every
/// block derived before the L1 head, where each was derived from, and every drop.
pub fn derive(s: &Scenario, code: &CodeStore) -> Result<Derivation, DeriveError> {
    let l2 = FakeL2::new(&s.cfg).with_hashes(s.l2.hashes.clone());
    let genesis = l2.head();
    let mut p = crate::Pipeline::new(
        s.cfg.clone(),
        &s.l1,
        &s.l1,
        l2,
        code.clone(),
        genesis,
        s.cfg.genesis.l1.number,
    )?;
    let mut out = Derivation::default();
    loop {
        let next = p.next_attributes();
        out.drops.extend(p.take_drops().0);
        match next {
            Ok(d) => {
                let block = p.l2_mut().execute(&d.attributes)?;
                p.advance(block);
                out.attributes.push(d.attributes);
                out.derived_from.push(d.derived_from.number);
            }
            Err(DeriveError::EndOfL1) => return Ok(out),
            Err(e) => return Err(e),
        }
    }
}

/// [`derive`]'s attributes alone.
pub fn derive_all(s: &Scenario, code: &CodeStore) -> Result<Vec<PayloadAttributes>, DeriveError> {
    derive(s, code).map(|d| d.attributes)
}

/// The expected drops of `s` that `d` does not show. Each must be matched by a recorded drop of
/// its own (the same reason) in an L1 block from its `l1_block` to the block its
/// `by_timestamp` block was derived from (the L1 head's, should that block be missing).
pub fn unmatched_drops(s: &Scenario, d: &Derivation) -> Vec<ExpectedDrop> {
    let head = s.l1.headers.last().map_or(0, |h| h.number);
    let mut windows: Vec<(u64, u64, ExpectedDrop)> = s
        .expected_drops
        .iter()
        .map(|e| {
            let end = match e.by_timestamp {
                None => e.l1_block,
                Some(t) => d
                    .attributes
                    .iter()
                    .position(|a| a.timestamp == t)
                    .and_then(|i| d.derived_from.get(i).copied())
                    .unwrap_or(head),
            };
            (e.l1_block, end, *e)
        })
        .collect();
    // Earliest deadline first, each taking the earliest free drop it can: a matching exists
    // exactly when this finds one.
    windows.sort_by_key(|w| (w.1, w.0));
    let mut used = vec![false; d.drops.len()];
    let mut missing = Vec::new();
    for (start, end, e) in windows {
        let found = d.drops.iter().enumerate().position(|(i, x)| {
            !used[i] && x.reason == e.reason && (start..=end).contains(&x.l1_block)
        });
        match found {
            Some(i) => used[i] = true,
            None => missing.push(e),
        }
    }
    missing
}
