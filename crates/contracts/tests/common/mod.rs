//! The differential harness: the Solidity step (`RISCV.sol` over `PreimageOracle.sol`) in revm
//! beside the stateless verifier, on the same witness, proof and preimage.
#![allow(dead_code)]

use alloy_primitives::{Address, FixedBytes, U256};
use alloy_sol_types::SolCall;
use verdict_contracts::bindings::{IPreimageOracle, IRISCV};
use verdict_contracts::{CallOutcome, Contract, TestEvm};
use verdict_riscv::{PreimageWitness, StepWitness};
use verdict_riscv_verifier::{self as verifier, PreimageStore, StepContext, WITNESS_SIZE};

/// Who deploys the contracts.
pub const DEPLOYER: Address = Address::new([0xd0; 20]);
/// Who calls `step` and loads local data (the dispute game's role).
pub const GAME: Address = Address::new([0x9a; 20]);
/// The local context of the steps.
pub const LOCAL_CONTEXT: [u8; 32] = [0x1c; 32];

/// The step context the verifier sees for calls from [`GAME`].
pub fn ctx() -> StepContext {
    StepContext {
        local_context: LOCAL_CONTEXT,
        caller: GAME.into_array(),
    }
}

/// What both sides said about one step.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Agreed {
    /// Both computed this post-state; the step used this much gas.
    Post { gas: u64 },
    /// Both refused, with this revert code (None: no revert data).
    Revert(Option<u64>),
}

/// The two contracts deployed in an in-memory EVM.
pub struct Harness {
    pub evm: TestEvm,
    pub oracle: Address,
    pub riscv: Address,
    /// Steps compared, and of them reverting ones.
    pub compared: u64,
    pub reverted: u64,
    /// Gas of the steps that succeeded (the transaction's, and the execution's alone): sum, max.
    pub gas_sum: u64,
    pub gas_max: u64,
    pub exec_sum: u64,
    pub exec_max: u64,
}

impl Harness {
    pub fn new() -> Self {
        let mut evm = TestEvm::new();
        let mut oracle_code = Contract::PreimageOracle.artifact().unwrap().bytecode;
        oracle_code.extend_from_slice(&U256::from(86_400u64).to_be_bytes::<32>());
        let oracle = evm.deploy(DEPLOYER, oracle_code).unwrap();
        let mut code = Contract::Riscv.artifact().unwrap().bytecode;
        code.extend_from_slice(&[0u8; 12]);
        code.extend_from_slice(oracle.as_slice());
        let riscv = evm.deploy(DEPLOYER, code).unwrap();
        Harness {
            evm,
            oracle,
            riscv,
            compared: 0,
            reverted: 0,
            gas_sum: 0,
            gas_max: 0,
            exec_sum: 0,
            exec_max: 0,
        }
    }

    /// Calls the oracle from [`GAME`]; panics unless it succeeds.
    pub fn oracle_call(&mut self, data: Vec<u8>) -> CallOutcome {
        self.evm.call(GAME, self.oracle, data).unwrap()
    }

    /// Loads the part of `p` the step reads into the oracle contract, the way a challenger does.
    pub fn load(&mut self, p: &PreimageWitness) -> CallOutcome {
        let value = p.value[8..].to_vec();
        let offset = U256::from(p.offset);
        let data = match p.key[0] {
            1 => {
                let mut ident = p.key;
                ident[0] = 0;
                let mut word = [0u8; 32];
                word[..value.len().min(32)].copy_from_slice(&value[..value.len().min(32)]);
                IPreimageOracle::loadLocalDataCall {
                    ident: U256::from_be_bytes(ident),
                    localContext: FixedBytes(LOCAL_CONTEXT),
                    word: FixedBytes(word),
                    size: U256::from(value.len()),
                    partOffset: offset,
                }
                .abi_encode()
            }
            4 => IPreimageOracle::loadSha256PreimagePartCall {
                partOffset: offset,
                preimage: value.into(),
            }
            .abi_encode(),
            _ => IPreimageOracle::loadKeccak256PreimagePartCall {
                partOffset: offset,
                preimage: value.into(),
            }
            .abi_encode(),
        };
        self.oracle_call(data)
    }

    /// The Solidity step from [`GAME`] with the given local context.
    pub fn sol_step(&mut self, state: &[u8], proof: &[u8], local_context: [u8; 32]) -> CallOutcome {
        let data = IRISCV::stepCall {
            stateData: state.to_vec().into(),
            proof: proof.to_vec().into(),
            localContext: FixedBytes(local_context),
        }
        .abi_encode();
        self.evm.call(GAME, self.riscv, data).unwrap()
    }

    /// Runs both sides on `state` and `proof` (the verifier over `store`, the contract over
    /// whatever the oracle holds) and panics unless they agree: the same post-state hash (and the
    /// logged post-state witness byte for byte) or the same revert code.
    pub fn compare_with(
        &mut self,
        state: &[u8],
        proof: &[u8],
        ctx: &StepContext,
        store: &PreimageStore,
        what: &str,
    ) -> Agreed {
        let rust = verifier::step_report(state, proof, ctx, store);
        let sol = self.sol_step(state, proof, ctx.local_context);
        self.compared += 1;
        match (&rust, &sol) {
            (
                Ok(report),
                CallOutcome::Success {
                    output,
                    gas_used,
                    execution_gas,
                    logs,
                },
            ) => {
                let hash = verifier::state_hash(&report.post);
                assert_eq!(
                    output.as_ref(),
                    hash.as_slice(),
                    "{what}: post-state hashes differ"
                );
                let logged = logs
                    .last()
                    .map(|l| l.data.data.to_vec())
                    .unwrap_or_default();
                assert_eq!(logged.len(), WITNESS_SIZE, "{what}: the post-state log");
                assert_eq!(
                    logged,
                    report.post.to_vec(),
                    "{what}: post-state witnesses differ"
                );
                self.gas_sum += gas_used;
                self.gas_max = self.gas_max.max(*gas_used);
                self.exec_sum += execution_gas;
                self.exec_max = self.exec_max.max(*execution_gas);
                Agreed::Post { gas: *gas_used }
            }
            (Err(e), CallOutcome::Revert { data, .. }) => {
                let code = e.revert_code();
                let expected = code
                    .map(|c| U256::from(c).to_be_bytes::<32>().to_vec())
                    .unwrap_or_default();
                assert_eq!(
                    data.to_vec(),
                    expected,
                    "{what}: the verifier says {e}, the contract reverts differently"
                );
                self.reverted += 1;
                Agreed::Revert(code)
            }
            _ => panic!("{what}: the verifier says {rust:?}, the contract {sol:?}"),
        }
    }

    /// Compares a witness the VM proved: its preimage (if any) is loaded into the oracle contract
    /// and into the verifier's store first.
    pub fn compare(&mut self, w: &StepWitness, what: &str) -> Agreed {
        let ctx = ctx();
        let store = store_for(w, &ctx);
        if let Some(p) = &w.preimage {
            match self.load(p) {
                CallOutcome::Success { .. } => {}
                other => panic!("{what}: loading the preimage failed: {other:?}"),
            }
        }
        self.compare_with(&w.state, &w.proof, &ctx, &store, what)
    }

    /// Average gas of the steps that succeeded.
    pub fn gas_avg(&self) -> u64 {
        let ok = self.compared - self.reverted;
        self.gas_sum.checked_div(ok).unwrap_or(0)
    }

    pub fn report(&self, what: &str) {
        let ok = (self.compared - self.reverted).max(1);
        eprintln!(
            "{what}: {} steps compared ({} reverting); gas per step: tx avg {} max {}, execution avg {} max {}",
            self.compared,
            self.reverted,
            self.gas_avg(),
            self.gas_max,
            self.exec_sum / ok,
            self.exec_max
        );
    }
}

/// The verifier's oracle holding the preimage of `w`, if it read one.
pub fn store_for(w: &StepWitness, ctx: &StepContext) -> PreimageStore {
    let mut store = PreimageStore::new();
    if let Some(p) = &w.preimage {
        let value = p.value[8..].to_vec();
        if p.key[0] == 1 {
            store.insert_local(verifier::localize_key(&p.key, ctx), value);
        } else {
            store
                .insert_global(p.key, value)
                .expect("the VM read a matching preimage");
        }
    }
    store
}

/// A tiny deterministic generator (xorshift64*).
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}
