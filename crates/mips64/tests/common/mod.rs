//! Helpers shared by the MIPS64 VM's integration tests: proving a step and re-executing it with
//! the independent verifier.

#![allow(dead_code)]

use verdict_mips64::{Oracle, StepWitness, Vm};
use verdict_mips64_verifier::{self as verifier, PreimageStore, StepContext};

/// The onchain oracle holding what the step witness says the step reads.
pub fn onchain_oracle(w: &StepWitness, ctx: &StepContext) -> PreimageStore {
    let mut store = PreimageStore::new();
    if let Some(p) = &w.preimage {
        let value = p.value[8..].to_vec();
        if p.key[0] == 1 {
            store.insert_local(verifier::localize_key(&p.key, ctx), value);
        } else {
            store
                .insert_global(p.key, value)
                .expect("the VM's preimage matches its key");
        }
    }
    store
}

/// Executes one step with its proof and checks that the verifier computes the same post-state.
pub fn prove_step<O: Oracle>(vm: &mut Vm<O>) -> StepWitness {
    let ctx = StepContext::default();
    let pre = vm.state.state_hash();
    let w = vm.step_with_proof().expect("the step executes");
    let post = vm.state.state_hash();
    assert_eq!(
        verifier::state_hash(w.state.as_slice().try_into().unwrap()),
        pre
    );
    let oracle = onchain_oracle(&w, &ctx);
    let got = verifier::step(&w.state, &w.proof, &ctx, &oracle, vm.state.version)
        .unwrap_or_else(|e| panic!("the verifier refuses step {}: {e}", vm.state.step - 1));
    assert_eq!(
        got,
        post,
        "the verifier disagrees at step {}",
        vm.state.step - 1
    );
    w
}
