//! The Solidity step against the stateless verifier on steps of the fault proof program
//! (`guests/build/claim.elf`) judging a synthetic claim (`verdict-testchain`, kind `one-block`):
//! about 50 windows of consecutive steps (at least 20), each from a preimage read on (the boot's local keys and the
//! global keccak256 preimages the program reads), spread over the run; every step's preimage part
//! is loaded into the oracle contract first, as a challenger does.
//!
//! `VERDICT_SOL_PROGRAM_STEPS` sets how many steps are compared (default 1,000).

mod common;

use common::*;
use std::path::PathBuf;
use verdict_preimage::PreimageKey;
use verdict_riscv::{MapOracle, Vm};
use verdict_testchain::fixture::{generate, Kind};

fn budget() -> u64 {
    std::env::var("VERDICT_SOL_PROGRAM_STEPS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1_000)
}

#[test]
fn fault_proof_program_steps_agree() {
    let ci = std::env::var("CI").as_deref() == Ok("true");
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../guests/build/claim.elf");
    let Ok(elf) = std::fs::read(&path) else {
        assert!(
            !ci,
            "{} is missing: run scripts/build-guests.sh",
            path.display()
        );
        eprintln!(
            "skipping: {} not built (run scripts/build-guests.sh)",
            path.display()
        );
        return;
    };
    // The synthetic chains need ../shared/fixtures/upgrade-txs (or VERDICT_FIXTURES).
    let (world, [valid, _]) = match generate(Kind::OneBlock, 1) {
        Ok(generated) => generated,
        Err(e) => {
            assert!(!ci, "the synthetic claim: {e}");
            eprintln!("skipping: the synthetic claim cannot be built: {e}");
            return;
        }
    };
    let locals: [(u8, Vec<u8>); 5] = [
        (1, valid.l1_head.to_vec()),
        (2, valid.agreed_l2_output_root.to_vec()),
        (3, valid.claimed_l2_output_root.to_vec()),
        (4, valid.claimed_l2_block_number.to_be_bytes().to_vec()),
        (5, valid.l2_chain_id.to_be_bytes().to_vec()),
    ];
    let machine = || {
        let mut oracle = MapOracle {
            preimages: world.preimages.0.clone(),
            ..Default::default()
        };
        for (ident, value) in &locals {
            let mut key = [0u8; 32];
            key[0] = 1;
            key[31] = *ident;
            oracle.preimages.insert(PreimageKey(key), value.clone());
        }
        let mut vm = Vm::with_oracle(verdict_riscv::load_elf(&elf).unwrap(), oracle);
        vm.capture_output();
        vm
    };
    // The scout finds the next read; the prover runs up to it and proves from there.
    let (mut scout, mut vm) = (machine(), machine());
    let stop_any = verdict_fpvm::PreimageStop {
        any: true,
        ..Default::default()
    };
    let mut h = Harness::new();
    let (mut local_reads, mut global_reads, mut windows) = (0, 0, 0);
    // About 50 windows fit the run: each as long as the budget needs.
    let window = (budget() / 50).max(20);
    let started = std::time::Instant::now();
    while h.compared < budget() && !vm.state.exited {
        // Every read of the boot, then skip 20,000 steps each time before the next read.
        scout.set_preimage_stop(Default::default());
        scout.run(if windows < 8 { 0 } else { 20_000 }).unwrap();
        scout.set_preimage_stop(stop_any.clone());
        scout.run(u64::MAX / 2).unwrap();
        if !scout.stopped_at_preimage() {
            break;
        }
        let read_step = scout.state.step - 1;
        vm.run(read_step - vm.state.step).unwrap();
        windows += 1;
        // The reading step and the steps after it.
        for _ in 0..window {
            if vm.state.exited {
                break;
            }
            let step = vm.state.step;
            let w = vm.step_with_proof().unwrap();
            match w.preimage.as_ref().map(|p| p.key[0]) {
                Some(1) => local_reads += 1,
                Some(_) => global_reads += 1,
                None => {}
            }
            let agreed = h.compare(&w, &format!("claim step {step}"));
            assert!(
                matches!(agreed, Agreed::Post { .. }),
                "step {step}: {agreed:?}"
            );
        }
        scout.set_preimage_stop(Default::default());
        scout.run(vm.state.step - scout.state.step).unwrap();
    }
    eprintln!(
        "fault proof program: {windows} windows up to step {}, {local_reads} local and {global_reads} global preimage reads, {:.1} s",
        vm.state.step,
        started.elapsed().as_secs_f64()
    );
    h.report("fault proof program");
    assert!(
        local_reads >= 5 && global_reads >= 10,
        "{local_reads} local, {global_reads} global reads"
    );
}
