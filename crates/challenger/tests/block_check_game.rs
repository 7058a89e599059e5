//! A dispute over real chain data: the block-check program (in our RISC-V VM; one block from its
//! parent, the execution half of the fault proof program) on a real OP Sepolia block (the full
//! program's dispute, on a synthetic chain, is `claim_game.rs`). A proposer claims a wrong block hash and defends it with a made-up execution
//! trace that agrees with the real run up to the middle of the block, right before a step that
//! reads a global preimage (a trie node). The honest challenger bisects down to that step; the
//! step's data carries the preimage and the local context; the challenger loads the preimage into
//! the PreimageOracle and steps; the stateless verifier accepts the step; the honest side wins.
//!
//! Needs `guests/build/block-check.elf` (scripts/build-guests.sh) and the shared fixtures; with
//! `CI=true` a missing one fails the test.
#![cfg(feature = "riscv")]

mod common;

use common::{guest, needed, play_to_a_preimage_step, Dispute, Outputs};
use verdict_game::Claim;
use verdict_preimage::{keccak256, MapOracle, PreimageKey};
use verdict_program::fixture::{fixtures_dir, header_preimage, parse_header, parse_preimages};

const BLOCK: &str = "op-sepolia-blocks/block-26207960";
const CHAIN_ID: u64 = 11155420;

/// The fixture's preimages (trie nodes, code, the parent header, the payload attributes), the
/// attributes' hash, the parent's number and hash, and the real block hash.
struct Chain {
    preimages: MapOracle,
    attributes_hash: [u8; 32],
    parent_number: u64,
    parent_hash: Claim,
    block_hash: Claim,
}

fn load_chain(dir: &std::path::Path) -> Chain {
    let read = |f: &str| -> serde_json::Value {
        serde_json::from_slice(&std::fs::read(dir.join(f)).unwrap()).unwrap()
    };
    let f = read("fixture.json");
    let mut oracle = MapOracle::default();
    for (k, v) in parse_preimages(&read("preimages.json")).unwrap() {
        oracle.insert(k, v);
    }
    let parent = parse_header(&f["parent_header"], "parent_header").unwrap();
    let (parent_hash, rlp) = header_preimage(&parent);
    oracle.insert(PreimageKey::from_keccak_hash(parent_hash.0), rlp);
    let attributes = serde_json::to_vec(&f["executing_payload"]).unwrap();
    let attributes_hash = keccak256(&attributes);
    oracle.insert(PreimageKey::from_keccak_hash(attributes_hash), attributes);
    let block_hash: [u8; 32] = hex::decode(&f["expected_block_hash"].as_str().unwrap()[2..])
        .unwrap()
        .try_into()
        .unwrap();
    Chain {
        preimages: oracle,
        attributes_hash,
        parent_number: parent.number,
        parent_hash: Claim(parent_hash.0),
        block_hash: Claim(block_hash),
    }
}

#[test]
fn a_dispute_over_the_block_check_ends_in_a_verified_step_that_reads_a_preimage() {
    let (Some(dir), Some(elf)) = (
        needed(fixtures_dir().join(BLOCK), "the shared fixtures"),
        guest("block-check.elf"),
    ) else {
        return;
    };
    let chain = load_chain(&dir);
    // Output roots as the block check sees them: block hashes. The liar claims a wrong hash for
    // the block.
    let parent = chain.parent_number;
    let truth = Outputs {
        roots: [(parent, chain.parent_hash), (parent + 1, chain.block_hash)].into(),
    };
    let mut lie = truth.clone();
    lie.roots.insert(parent + 1, Claim([0xab; 32]));
    play_to_a_preimage_step(Dispute {
        elf: &elf,
        preimages: chain.preimages,
        l1_head: Claim(chain.attributes_hash),
        chain_id: CHAIN_ID,
        anchor: parent,
        top_block: parent + 1,
        truth,
        lie,
        disputed_block: parent + 1,
    });
}
