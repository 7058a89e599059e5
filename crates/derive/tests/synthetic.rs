//! Seeded synthetic chains: the pipeline derives every block the sequencer built, attribute for
//! attribute, and drops every invalid input the generator made where the spec says.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use verdict_derive::generator::{
    derive, derive_all, generate, unmatched_drops, CodeStore, Options, Scenario,
};
use verdict_derive::log::DropReason;

fn seeds(default: u64) -> u64 {
    std::env::var("VERDICT_DERIVE_SEEDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(default)
}

/// What a run over many chains saw.
#[derive(Default)]
struct Tally {
    blocks: usize,
    features: BTreeMap<&'static str, u32>,
    expected: BTreeMap<String, u32>,
}

/// Derives `s` and checks it: every expected block derived with the expected attributes, the
/// blocks of a withheld epoch deposits-only, every expected drop where it must be; returns the
/// drops recorded.
fn check(seed: u64, s: &Scenario, code: &CodeStore, tally: &mut Tally) -> Vec<DropReason> {
    let d = derive(s, code).unwrap_or_else(|e| panic!("seed {seed}: {e}"));
    assert!(
        d.attributes.len() >= s.expected.len(),
        "seed {seed}: derived {} of {} blocks",
        d.attributes.len(),
        s.expected.len()
    );
    for (i, (got, want)) in d.attributes.iter().zip(&s.expected).enumerate() {
        assert_eq!(got, want, "seed {seed}: block {}", i + 1);
    }
    // What the generator knows independently of the attributes builder: the blocks of a
    // withheld epoch carry only deposits.
    for n in &s.deposits_only {
        let a = &d.attributes[*n as usize - 1];
        assert_eq!(
            a.deposit_count(),
            a.transactions.len(),
            "seed {seed}: block {n}"
        );
    }
    let missing = unmatched_drops(s, &d);
    assert!(
        missing.is_empty(),
        "seed {seed}: expected drops not recorded: {missing:?}\nrecorded: {:?}",
        d.drops
    );
    tally.blocks += s.expected.len();
    for f in s.features.iter().collect::<BTreeSet<_>>() {
        *tally.features.entry(f).or_default() += 1;
    }
    for e in &s.expected_drops {
        *tally
            .expected
            .entry(format!("{:?}: {:?}", e.reason.stage(), e.reason))
            .or_default() += 1;
    }
    d.drops.iter().map(|x| x.reason).collect()
}

#[test]
fn seeded_chains_derive_as_sequenced() {
    let Some(code) = common::code_store() else {
        return;
    };
    let n = seeds(60);
    let mut tally = Tally::default();
    for seed in 0..n {
        let s = generate(seed, &code, &Options::default()).unwrap();
        let drops = check(seed, &s, &code, &mut tally);
        // Nothing the batcher posted is invalid: the only drop is Holocene's activation.
        assert!(
            drops.iter().all(|r| *r == DropReason::HoloceneActivation),
            "seed {seed}: {drops:?}"
        );
        assert!(s.expected_drops.is_empty());
    }
    eprintln!(
        "{n} chains, {} blocks; features (chains): {:?}",
        tally.blocks, tally.features
    );
    assert!(tally.blocks > 0);
}

/// Chains with every kind of invalid input (Jovian included, and the inputs the kona
/// differential leaves out), and the differential's own chains.
#[test]
fn adversarial_chains_derive_as_sequenced_and_drop_what_they_must() {
    let Some(code) = common::code_store() else {
        return;
    };
    let n = seeds(60);
    let mut tally = Tally::default();
    let mut reasons = std::collections::HashSet::new();
    for (opts, first) in [
        (
            Options {
                adversarial: true,
                ..Options::default()
            },
            0,
        ),
        (Options::kona_differential(), 10_000),
    ] {
        for seed in first..first + n {
            let s = generate(seed, &code, &opts).unwrap();
            reasons.extend(check(seed, &s, &code, &mut tally));
        }
    }
    eprintln!(
        "{} chains, {} blocks; features (chains): {:?}\nexpected drops: {:?}",
        2 * n,
        tally.blocks,
        tally.features,
        tally.expected
    );
    // Enough chains make every kind of input the generator knows (the drift rules' batches
    // are rare: tests/malformed.rs has one of each kind).
    if n >= 40 {
        let kinds = [
            "Traversal: ConfigUpdate(Value)",
            "Traversal: ConfigUpdate(UnknownType)",
            "Traversal: ConfigUpdate(Data)",
            "Traversal: ConfigUpdate(Version)",
            "Traversal: ConfigUpdate(EcotoneScalar)",
            "Retrieval: WrongSender",
            "Retrieval: BadBlob(Version(1))",
            "Retrieval: BadBlob(FieldElement(0))",
            "FrameQueue: BadFrames(Version(1))",
            "FrameQueue: BadFrames(Truncated)",
            "FrameQueue: BadFrames(BadIsLast(2))",
            "ChannelBank: ChannelTimedOut",
            "ChannelBank: NoStagingChannel",
            "ChannelBank: StagingChannelReplaced",
            "ChannelReader: Decompression(BrotliBeforeFjord)",
            "ChannelReader: Decompression(UnknownVersion(2))",
            "ChannelReader: MalformedBatch(UnknownType(9))",
            "ChannelReader: MalformedBatch(Rlp)",
            "ChannelReader: MalformedBatch(Empty)",
            "ChannelReader: MalformedBatch(CutShort)",
            "ChannelReader: MalformedBatch(Singular)",
            "ChannelReader: MalformedBatch(Span)",
            "BatchQueue: InvalidBatch(FutureTimestamp)",
            "BatchQueue: InvalidBatch(PastTimestamp)",
            "BatchQueue: InvalidBatch(ParentHash)",
            "BatchQueue: InvalidBatch(OutsideSequenceWindow)",
            "BatchQueue: InvalidBatch(EpochTooOld)",
            "BatchQueue: InvalidBatch(EpochTooNew)",
            "BatchQueue: InvalidBatch(EpochHash)",
            "BatchQueue: InvalidBatch(BeforeL1Origin)",
            "BatchQueue: InvalidBatch(EmptyTransaction)",
            "BatchQueue: InvalidBatch(DepositTransaction)",
            "BatchQueue: InvalidBatch(SetCodeBeforeIsthmus)",
            "BatchQueue: InvalidBatch(SpanParentCheck)",
            "BatchQueue: InvalidBatch(SpanOriginCheck)",
            "BatchQueue: InvalidBatch(SpanMisaligned)",
            "BatchQueue: InvalidBatch(SpanUndecided)",
        ];
        for k in kinds {
            assert!(tally.expected.contains_key(k), "no {k} in {} chains", 2 * n);
        }
    }
    // Never in chains without random damage: a stream that breaks off or grows past the
    // limit, a bank or channel too large, a signature that does not recover.
    for r in &reasons {
        assert!(
            !matches!(
                r,
                DropReason::CorruptStream
                    | DropReason::StreamClipped
                    | DropReason::ChannelBankFull
                    | DropReason::ChannelTooLarge
                    | DropReason::BadSignature
            ),
            "{r:?}"
        );
    }
}

#[test]
fn corrupt_batcher_data_is_dropped_and_derivation_goes_on() {
    let Some(code) = common::code_store() else {
        return;
    };
    let opts = Options {
        corrupt: 25,
        ..Options::default()
    };
    let mut corrupted = 0;
    for seed in 1000..1040 {
        let s = generate(seed, &code, &opts).unwrap();
        corrupted += s
            .features
            .iter()
            .filter(|f| f.starts_with("corrupt"))
            .count();
        let derived = derive_all(&s, &code).unwrap_or_else(|e| panic!("seed {seed}: {e}"));
        // Whatever was dropped, the derived chain is a chain: consecutive timestamps, each block
        // led by its L1 info deposit, and every window that expired filled with empty blocks.
        let mut t = s.cfg.genesis.l2_time;
        for a in &derived {
            assert_eq!(a.timestamp, t + s.cfg.block_time, "seed {seed}");
            assert_eq!(a.transactions[0][0], 0x7e);
            t = a.timestamp;
        }
        assert!(!derived.is_empty(), "seed {seed}");
    }
    assert!(corrupted > 50, "the generator corrupted {corrupted} items");
}
