//! The program's boot and its edge rules on a real agreed block (an OP Sepolia fixture block's
//! parent): claims at or below the agreed block, and every bad input with its exit code.

use alloy_primitives::B256;
use std::collections::HashMap;
use verdict_claim::output::Output;
use verdict_claim::{run, ClaimError, Stop};
use verdict_preimage::{HintWriter, LocalKey, PreimageError, PreimageKey};

/// Hints go nowhere.
struct NoHints;

impl HintWriter for NoHints {
    fn hint(&self, _: &[u8]) -> Result<(), PreimageError> {
        Ok(())
    }
}

const OP_SEPOLIA: u64 = 11155420;

/// The world of a claim about the agreed block: its header, its output root, the boot inputs.
struct World {
    preimages: HashMap<PreimageKey, Vec<u8>>,
    agreed_root: B256,
    agreed_number: u64,
}

fn world() -> Option<World> {
    let dir = verdict_program::fixture::fixtures_dir().join("op-sepolia-blocks/block-26207960");
    if !dir.exists() {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "{} is missing",
            dir.display()
        );
        return None;
    }
    let fixture = verdict_program::fixture::Fixture::load(&dir).unwrap();
    let (hash, rlp) = verdict_program::fixture::header_preimage(&fixture.parent);
    let output = Output {
        state_root: fixture.parent.state_root,
        message_passer_storage_root: B256::repeat_byte(7),
        block_hash: hash,
    };
    let mut preimages = HashMap::new();
    preimages.insert(PreimageKey::from_keccak_hash(hash.0), rlp);
    preimages.insert(
        PreimageKey::from_keccak_hash(output.root().0),
        output.encode().to_vec(),
    );
    let mut w = World {
        preimages,
        agreed_root: output.root(),
        agreed_number: fixture.parent.number,
    };
    w.boot(
        B256::repeat_byte(1),
        w.agreed_root,
        w.agreed_number,
        OP_SEPOLIA,
    );
    Some(w)
}

impl World {
    fn boot(&mut self, l1_head: B256, claimed: B256, number: u64, chain: u64) {
        let agreed = self.agreed_root;
        let mut set = |k: LocalKey, v: Vec<u8>| {
            self.preimages.insert(PreimageKey::local(k), v);
        };
        set(LocalKey::L1Head, l1_head.to_vec());
        set(LocalKey::AgreedOutputRoot, agreed.to_vec());
        set(LocalKey::ClaimedOutputRoot, claimed.to_vec());
        set(LocalKey::ClaimedBlockNumber, number.to_be_bytes().to_vec());
        set(LocalKey::ChainId, chain.to_be_bytes().to_vec());
    }

    fn run(&self) -> Result<verdict_claim::Report, ClaimError> {
        run(self.preimages.clone(), NoHints)
    }
}

#[test]
fn a_claim_at_or_below_the_agreed_block_is_judged_by_the_agreed_root() {
    let Some(mut w) = world() else { return };
    let report = w.run().unwrap();
    assert!(report.valid(), "{report}");
    assert_eq!(report.stop, Stop::AtOrBelowAgreed);
    assert_eq!(report.blocks, 0);
    let (root, n) = (w.agreed_root, w.agreed_number);
    w.boot(B256::repeat_byte(1), B256::repeat_byte(9), n, OP_SEPOLIA);
    assert!(!w.run().unwrap().valid());
    w.boot(B256::repeat_byte(1), root, n - 5, OP_SEPOLIA);
    assert!(w.run().unwrap().valid());
    w.boot(
        B256::repeat_byte(1),
        B256::repeat_byte(9),
        n - 5,
        OP_SEPOLIA,
    );
    assert!(!w.run().unwrap().valid());
}

/// Asserts `run` fails with `code` and a message naming `needle`.
fn fails(w: &World, code: i32, needle: &str) {
    let e = w.run().unwrap_err();
    assert_eq!(e.exit_code(), code, "{e}");
    assert!(
        e.to_string().contains(needle),
        "{e} should mention {needle}"
    );
}

#[test]
fn bad_boot_inputs_and_preimages_have_their_own_exit_codes() {
    let Some(mut w) = world() else { return };
    let (root, n) = (w.agreed_root, w.agreed_number);
    // An unknown chain: no config is ever read from a local key.
    w.boot(B256::repeat_byte(1), root, n, 42);
    fails(&w, 3, "unknown L2 chain id 42");
    // A boot input of the wrong size, and a missing one.
    w.boot(B256::repeat_byte(1), root, n, OP_SEPOLIA);
    w.preimages.insert(
        PreimageKey::local(LocalKey::ClaimedBlockNumber),
        vec![1, 2, 3],
    );
    fails(&w, 3, "has 3 bytes, not 8");
    w.preimages.remove(&PreimageKey::local(LocalKey::L1Head));
    fails(&w, 3, "local input 1");
    // The agreed output root's preimage: missing, another version, or of another state.
    w.boot(B256::repeat_byte(1), root, n, OP_SEPOLIA);
    let key = PreimageKey::from_keccak_hash(root.0);
    let good = w.preimages.remove(&key).unwrap();
    fails(&w, 4, "the agreed output root");
    let mut v1 = good.clone();
    v1[31] = 1;
    w.preimages.insert(key, v1);
    fails(&w, 4, "hashes to");
    let mut other = Output::decode(&good).unwrap();
    other.state_root = B256::repeat_byte(3);
    w.agreed_root = other.root();
    w.preimages.insert(
        PreimageKey::from_keccak_hash(other.root().0),
        other.encode().to_vec(),
    );
    w.boot(B256::repeat_byte(1), w.agreed_root, n, OP_SEPOLIA);
    fails(&w, 4, "is not its block's");
    // A lying header.
    w.agreed_root = root;
    w.boot(B256::repeat_byte(1), root, n, OP_SEPOLIA);
    w.preimages.insert(key, good.clone());
    let block = Output::decode(&good).unwrap().block_hash;
    w.preimages
        .insert(PreimageKey::from_keccak_hash(block.0), vec![0xc0]);
    fails(&w, 4, "L2 header");
}

#[test]
fn known_chains_carry_their_l1_blob_schedule() {
    // The L1 info deposit's blob base fee uses the L1's update fraction: Prague's until BPO1,
    // then BPO1's and BPO2's (EIP-7892).
    for (chain, bpo1, bpo2) in [
        (10, 1765290071, 1767747671),
        (11155420, 1761017184, 1761607008),
    ] {
        let cfg = verdict_claim::chains::configs(chain).unwrap().derive;
        assert_eq!(
            cfg.blob_update_fraction(bpo1 - 1, true),
            5_007_716,
            "{chain}"
        );
        assert_eq!(cfg.blob_update_fraction(bpo1, true), 8_346_193, "{chain}");
        assert_eq!(
            cfg.blob_update_fraction(bpo2 + 100, true),
            11_684_671,
            "{chain}"
        );
    }
}
