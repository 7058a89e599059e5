//! A dispute over the real fault proof program: the claim program (in our RISC-V VM) on a
//! synthetic chain (L1 blocks carrying the batcher's data, the L2 chain executed by our executor).
//! A proposer claims a wrong output root four blocks past the anchor, wrong from the second block
//! on, and defends it with a made-up execution trace that agrees with the real run of the disputed
//! block up to the middle, right before a step that reads a global preimage. The honest
//! challenger bisects the output roots to that block, then its execution to that step; the step's
//! data carries the preimage and the local context; the challenger loads the preimage into the
//! PreimageOracle and steps; the stateless verifier accepts the step; the honest side wins.
//!
//! Needs `guests/build/claim.elf` (scripts/build-guests.sh) and `../shared/fixtures/upgrade-txs`
//! (the synthetic chain's upgrade transactions); with `CI=true` a missing one fails the test.
#![cfg(feature = "riscv")]

mod common;

use common::{guest, needed, play_to_a_preimage_step, Dispute, Outputs};
use verdict_game::Claim;
use verdict_preimage::MapOracle;
use verdict_testchain::fixture::{generate, Kind};

#[test]
fn a_dispute_over_the_fault_proof_program_ends_in_a_verified_step_that_reads_a_preimage() {
    let (Some(elf), Some(_)) = (
        guest("claim.elf"),
        needed(
            verdict_program::fixture::fixtures_dir().join("upgrade-txs"),
            "the shared fixtures",
        ),
    ) else {
        return;
    };
    let (world, claims) = generate(Kind::OneBlock, 1).unwrap();
    // Anchor at block 2, root claim at block 6: the output bisection covers blocks 3 to 6. The
    // liar's roots are wrong from block 4 on.
    let (anchor, top_block) = (2u64, 6u64);
    assert!(top_block <= claims[0].claimed_l2_block_number);
    let truth = Outputs {
        roots: (anchor..=top_block)
            .map(|n| (n, Claim(world.output_root(n).unwrap().0)))
            .collect(),
    };
    let mut lie = truth.clone();
    for n in anchor + 2..=top_block {
        lie.roots.insert(n, Claim([n as u8; 32]));
    }
    let mut preimages = MapOracle::default();
    for (k, v) in &world.preimages.0 {
        preimages.insert(*k, v.clone());
    }
    play_to_a_preimage_step(Dispute {
        elf: &elf,
        preimages,
        l1_head: Claim(claims[0].l1_head.0),
        chain_id: claims[0].l2_chain_id,
        anchor,
        top_block,
        truth,
        lie,
        disputed_block: anchor + 2,
    });
}
