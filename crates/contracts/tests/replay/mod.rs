//! The replay of a simulated game on the Solidity contracts, on any [`L1`]: the in-process EVM
//! (a fresh one per game) or anvil (one node, returned to a snapshot after each game). Every call
//! is sent as a transaction from its player's account at the call's time, its outcome compared
//! with the engine's (success, or the same revert data), and the claims, local data, resolution,
//! credits and payouts read back and compared with the engine's (see `game_replay.rs`).
#![allow(dead_code)]

use alloy_primitives::{keccak256, Address, FixedBytes, B256, U256};
use alloy_sol_types::{SolCall, SolError};
use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap};
use verdict_challenger::sim::{alphabet_game, Call, Report, SimConfig};
use verdict_contracts::bindings::{
    IAnchorStateRegistry, IDelayedWETH, IFaultDisputeGame as G, IPreimageOracle, IScriptedVM,
};
use verdict_contracts::{AnvilL1, CallOutcome, GameDeployment, GameParams, TestEvm, VmKind, L1};
use verdict_game::{alphabet, Claim, Game, GameError, GameStatus, Position, Wei};
use verdict_preimage::onchain::{localize_key, OnchainOracle, PreimageStore, StepContext};

pub const DEPLOYER: Address = Address::repeat_byte(0xd0);
/// Who touches the game only to pay out and read (never a player).
pub const KEEPER: Address = Address::repeat_byte(0xee);
pub const WETH_DELAY: u64 = 7 * 86_400;
pub const FINALITY_DELAY: u64 = 302_400;

pub const LINEUPS: &[&[&str]] = &[
    &["wrong-proposer", "counter-honest", "random", "late"],
    &["wrong-proposer", "random", "late"],
    &["counter-honest", "random", "late"],
    &["wrong-proposer", "counter-honest"],
    &["random", "late"],
];

/// The key the account `a` of the simulator (or the role [`DEPLOYER`], [`KEEPER`]) signs with
/// on a node. The simulator's accounts (0x00..01 to 0x00..05) are precompile addresses on the EVM:
/// every account plays from its key's address instead, on both backends.
pub fn account_key(a: Address) -> B256 {
    keccak256([b"verdict game replay account ".as_slice(), a.as_slice()].concat())
}

thread_local! {
    static ONCHAIN: RefCell<HashMap<Address, Address>> = RefCell::new(HashMap::new());
}

/// The onchain address of the simulator's account (or role) `a` (zero stays zero).
pub fn onchain(a: Address) -> Address {
    if a.is_zero() {
        return a;
    }
    ONCHAIN.with(|m| {
        *m.borrow_mut().entry(a).or_insert_with(|| {
            alloy::signers::local::PrivateKeySigner::from_bytes(&account_key(a))
                .expect("a valid key")
                .address()
        })
    })
}

/// Every account that sends transactions: the simulator's five and the two roles.
pub fn accounts() -> Vec<Address> {
    (1u8..=5)
        .map(Address::with_last_byte)
        .chain([DEPLOYER, KEEPER])
        .collect()
}

/// Where games are replayed.
pub enum Chain {
    /// A fresh in-process EVM for each game.
    Revm,
    /// One anvil for every game, returned after each to the snapshot `empty` (nothing deployed).
    Anvil {
        /// The node.
        node: Box<AnvilL1>,
        /// The snapshot before the game.
        empty: U256,
    },
}

impl Chain {
    /// An anvil started from `bin`, every account's key registered.
    pub fn anvil(bin: &str) -> Chain {
        let mut node = AnvilL1::start(bin).expect("anvil started");
        for a in accounts() {
            node.add_signer(account_key(a)).expect("a key");
        }
        let empty = node.snapshot().expect("a snapshot");
        Chain::Anvil {
            node: Box::new(node),
            empty,
        }
    }

    /// Runs `game` on a chain that has nothing deployed.
    pub fn run<R>(&mut self, game: impl FnOnce(&mut dyn L1) -> R) -> R {
        match self {
            Chain::Revm => game(&mut TestEvm::new()),
            Chain::Anvil { node, empty } => {
                let r = game(node.as_mut());
                node.revert(*empty).expect("evm_revert");
                *empty = node.snapshot().expect("a snapshot");
                r
            }
        }
    }
}

fn word(c: Claim) -> FixedBytes<32> {
    FixedBytes(c.0)
}

fn panic_data(code: u8) -> Vec<u8> {
    let mut d = vec![0x4e, 0x48, 0x7b, 0x71];
    d.extend_from_slice(&U256::from(code).to_be_bytes::<32>());
    d
}

/// The revert data the contract must give for the engine's error (None: any revert).
fn expected_revert(e: &GameError) -> Option<Vec<u8>> {
    use GameError::*;
    Some(match e {
        GameNotInProgress => G::GameNotInProgress::SELECTOR.to_vec(),
        InvalidClaimIndex(_) => panic_data(0x32),
        InvalidDisputedClaimIndex => G::InvalidDisputedClaimIndex::SELECTOR.to_vec(),
        CannotDefendRootClaim => G::CannotDefendRootClaim::SELECTOR.to_vec(),
        L2BlockNumberChallenged => G::L2BlockNumberChallenged::SELECTOR.to_vec(),
        GameDepthExceeded => G::GameDepthExceeded::SELECTOR.to_vec(),
        UnexpectedRootClaim(c) => G::UnexpectedRootClaim {
            rootClaim: word(*c),
        }
        .abi_encode(),
        IncorrectBondAmount => G::IncorrectBondAmount::SELECTOR.to_vec(),
        ClockTimeExceeded => G::ClockTimeExceeded::SELECTOR.to_vec(),
        ClaimAlreadyExists => G::ClaimAlreadyExists::SELECTOR.to_vec(),
        InvalidParent => G::InvalidParent::SELECTOR.to_vec(),
        InvalidPrestate => G::InvalidPrestate::SELECTOR.to_vec(),
        ValidStep => G::ValidStep::SELECTOR.to_vec(),
        DuplicateStep => G::DuplicateStep::SELECTOR.to_vec(),
        ClaimAboveSplit => G::ClaimAboveSplit::SELECTOR.to_vec(),
        InvalidLocalIdent => G::InvalidLocalIdent::SELECTOR.to_vec(),
        ClockNotExpired => G::ClockNotExpired::SELECTOR.to_vec(),
        ClaimAlreadyResolved => G::ClaimAlreadyResolved::SELECTOR.to_vec(),
        OutOfOrderResolution => G::OutOfOrderResolution::SELECTOR.to_vec(),
        NoCreditToClaim => G::NoCreditToClaim::SELECTOR.to_vec(),
        GameNotFinalized => G::GameNotFinalized::SELECTOR.to_vec(),
        ArithmeticOverflow => panic_data(0x11),
        // The scripted VM has no post-state for a step the engine's VM refused.
        VmReverted(_) => return None,
        other => panic!("the simulator cannot produce {other}"),
    })
}

/// How a global preimage that is not the hash of its value is loaded into the oracle.
#[derive(Clone, Debug)]
pub enum Loader {
    /// A blob element (key type 5): its commitment, the evaluation point `z` and the KZG proof of
    /// the evaluation (the value is the evaluation `y`), through the point-evaluation precompile.
    Blob {
        commitment: Vec<u8>,
        z: U256,
        proof: Vec<u8>,
    },
    /// A precompile's result (key type 6): the precompile, the gas it is given and its input.
    Precompile {
        address: Address,
        gas: u64,
        input: Vec<u8>,
    },
}

/// Loaders by preimage key.
pub type Loaders = HashMap<[u8; 32], Loader>;

/// One game deployed and created on a chain with nothing else.
struct Onchain<'a> {
    l1: &'a mut dyn L1,
    /// How the blob and precompile preimages the steps read are loaded.
    loaders: &'a Loaders,
    d: GameDeployment,
    game: Address,
    /// Calls replayed, and of them reverting ones.
    calls: u64,
    reverts: u64,
    /// Gas of the successful calls by function: count, sum, max.
    gas: BTreeMap<&'static str, (u64, u64, u64)>,
    /// The VM the game steps on.
    vm: VmKind,
}

/// The game function a calldata calls (for the gas table).
fn function_name(data: &[u8]) -> &'static str {
    let sel = data.get(..4).unwrap_or_default();
    for (s, name) in [
        (G::moveCall::SELECTOR, "move"),
        (G::stepCall::SELECTOR, "step"),
        (G::addLocalDataCall::SELECTOR, "addLocalData"),
        (G::resolveClaimCall::SELECTOR, "resolveClaim"),
        (G::resolveCall::SELECTOR, "resolve"),
        (G::closeGameCall::SELECTOR, "closeGame"),
        (G::claimCreditCall::SELECTOR, "claimCredit"),
    ] {
        if sel == s {
            return name;
        }
    }
    "other"
}

impl Onchain<'_> {
    fn at(&mut self, now: u64) {
        self.l1.set_timestamp(now).expect("time travel");
    }

    /// A transaction from the simulator's account (or role) `from` to `to`, not counted.
    fn transact(&mut self, from: Address, to: Address, data: Vec<u8>) -> CallOutcome {
        self.l1
            .call(onchain(from), to, data)
            .expect("the chain runs the transaction")
    }

    fn balance(&mut self, who: Address) -> U256 {
        self.l1.balance_of(who).expect("a balance")
    }

    fn send(&mut self, from: Address, data: Vec<u8>, value: Wei) -> CallOutcome {
        self.calls += 1;
        let data_name = data.get(..4).unwrap_or_default().to_vec();
        let out = self
            .l1
            .call_value(onchain(from), self.game, data, U256::from(value))
            .expect("the chain runs the transaction");
        match &out {
            CallOutcome::Success { gas_used, .. } => {
                let e = self.gas.entry(function_name(&data_name)).or_default();
                *e = (e.0 + 1, e.1 + gas_used, e.2.max(*gas_used));
            }
            _ => self.reverts += 1,
        }
        out
    }

    fn view<C: SolCall>(&mut self, to: Address, call: C) -> C::Return {
        match self.l1.view(to, call.abi_encode()).expect("a view") {
            CallOutcome::Success { output, .. } => C::abi_decode_returns(&output).unwrap(),
            other => panic!("view {}: {other:?}", C::SIGNATURE),
        }
    }

    fn game_view<C: SolCall>(&mut self, call: C) -> C::Return {
        self.view(self.game, call)
    }

    /// Views of the game, in one round trip on a node.
    fn game_views<C: SolCall>(&mut self, calls: impl IntoIterator<Item = C>) -> Vec<C::Return> {
        let calls: Vec<_> = calls
            .into_iter()
            .map(|c| (self.game, c.abi_encode()))
            .collect();
        self.l1
            .views(&calls)
            .expect("views")
            .into_iter()
            .map(|out| match out {
                CallOutcome::Success { output, .. } => C::abi_decode_returns(&output).unwrap(),
                other => panic!("view {}: {other:?}", C::SIGNATURE),
            })
            .collect()
    }
}

/// Deploys the contracts for `engine`'s parameters on `l1` and creates its game as the simulator
/// did.
fn deploy<'a>(
    l1: &'a mut dyn L1,
    loaders: &'a Loaders,
    engine: &Game,
    vm: VmKind,
    what: &str,
) -> Onchain<'a> {
    let cfg = engine.config();
    let root = engine.claims()[0];
    l1.set_timestamp(engine.created_at() - 1_000)
        .expect("time travel");
    for who in accounts() {
        l1.fund(onchain(who), U256::from(10u128.pow(30)))
            .expect("funded");
    }
    let params = GameParams {
        game_type: cfg.game_type,
        absolute_prestate: cfg.absolute_prestate.0,
        max_game_depth: cfg.max_game_depth,
        split_depth: cfg.split_depth,
        clock_extension: cfg.clock_extension,
        max_clock_duration: cfg.max_clock_duration,
        oracle_challenge_period: cfg.oracle_challenge_period,
        l2_chain_id: cfg.l2_chain_id,
        weth_delay: WETH_DELAY,
        finality_delay: FINALITY_DELAY,
        starting_root: engine.starting_output().root.0,
        starting_block: engine.starting_output().l2_block_number,
        init_bond: U256::from(root.bond),
        vm,
    };
    let d = GameDeployment::deploy(l1, onchain(DEPLOYER), &params).expect("deployed");
    l1.set_timestamp(engine.created_at()).expect("time travel");
    let game = d
        .create_game(
            l1,
            onchain(root.claimant),
            cfg.game_type,
            root.claim.0,
            engine.l2_block_number(),
            U256::from(root.bond),
        )
        .unwrap()
        .unwrap_or_else(|out| panic!("{what}: create: {out:?}"));
    Onchain {
        l1,
        loaders,
        d,
        game,
        calls: 0,
        reverts: 0,
        gas: BTreeMap::new(),
        vm,
    }
}

/// The claim at `i` reads back as the engine's (countered by `countered`, the engine's final
/// value when None).
fn check_claim(
    o: &mut Onchain<'_>,
    engine: &Game,
    i: usize,
    countered: Option<Address>,
    what: &str,
) {
    let got = o.game_view(G::claimDataCall {
        index: U256::from(i),
    });
    assert_claim(&got, engine, i, countered, what);
}

/// `got` is the engine's claim `i` (countered by `countered`, the engine's final value when None).
fn assert_claim(
    got: &G::claimDataReturn,
    engine: &Game,
    i: usize,
    countered: Option<Address>,
    what: &str,
) {
    let want = engine.claims()[i];
    assert_eq!(
        got.parentIndex, want.parent_index,
        "{what}: claim {i} parent"
    );
    assert_eq!(
        got.counteredBy,
        onchain(countered.unwrap_or(want.countered_by)),
        "{what}: claim {i} countered by"
    );
    assert_eq!(
        got.claimant,
        onchain(want.claimant),
        "{what}: claim {i} claimant"
    );
    assert_eq!(got.bond, want.bond, "{what}: claim {i} bond");
    assert_eq!(got.claim, word(want.claim), "{what}: claim {i} value");
    assert_eq!(
        got.position,
        want.position.raw(),
        "{what}: claim {i} position"
    );
    let clock = (u128::from(want.clock.duration) << 64) | u128::from(want.clock.timestamp);
    assert_eq!(got.clock, clock, "{what}: claim {i} clock");
}

/// The local data of the deepest claim below the split, loaded through `addLocalData`, reads
/// back from the oracle as the engine's local context says.
fn check_local_data(o: &mut Onchain<'_>, engine: &Game, what: &str) -> bool {
    let split = engine.config().split_depth;
    let Some(leaf) = (0..engine.claims().len())
        .filter(|&i| engine.claims()[i].position.depth() > split)
        .max_by_key(|&i| engine.claims()[i].position.depth())
    else {
        return false;
    };
    let ctx = engine.local_context(leaf).expect("a claim below the split");
    let l1_head = o.game_view(G::l1HeadCall {});
    let step_ctx = StepContext {
        local_context: ctx.uuid,
        caller: o.game.into_array(),
    };
    for ident in 1u64..=5 {
        let (value, size): ([u8; 32], usize) = match ident {
            1 => (l1_head.0, 32),
            2 => (ctx.starting.0, 32),
            3 => (ctx.disputed.0, 32),
            n => {
                let v = if n == 4 {
                    ctx.disputed_l2_block_number
                } else {
                    ctx.chain_id
                };
                let mut w = [0u8; 32];
                w[..8].copy_from_slice(&v.to_be_bytes());
                (w, 8)
            }
        };
        let out = o.send(
            Address::with_last_byte(1),
            G::addLocalDataCall {
                ident: U256::from(ident),
                execLeafIdx: U256::from(leaf),
                partOffset: U256::from(8),
            }
            .abi_encode(),
            0,
        );
        assert!(
            matches!(out, CallOutcome::Success { .. }),
            "{what}: addLocalData({ident}, {leaf}): {out:?}"
        );
        let mut ident_key = [0u8; 32];
        ident_key[0] = 1;
        ident_key[24..].copy_from_slice(&ident.to_be_bytes());
        let key = localize_key(&ident_key, &step_ctx);
        let oracle = o.d.oracle;
        let part = o.view(
            oracle,
            IPreimageOracle::readPreimageCall {
                key: FixedBytes(key),
                offset: U256::from(8),
            },
        );
        assert_eq!(
            part.datLen,
            U256::from(size),
            "{what}: local {ident} length"
        );
        assert_eq!(
            &part.dat.0[..size],
            &value[..size],
            "{what}: local {ident} value"
        );
    }
    // An unknown ident is refused.
    let out = o.send(
        Address::with_last_byte(1),
        G::addLocalDataCall {
            ident: U256::from(6),
            execLeafIdx: U256::from(leaf),
            partOffset: U256::ZERO,
        }
        .abi_encode(),
        0,
    );
    assert!(
        matches!(&out, CallOutcome::Revert { data, .. } if data.as_ref() == G::InvalidLocalIdent::SELECTOR),
        "{what}: {out:?}"
    );
    true
}

/// Loads the preimage part a step reads, as the stepper does first: local data through the
/// game's `addLocalData` (so it is bound to the game and the leaf's local context), keccak256
/// and sha256 preimages, blob elements (through the point-evaluation precompile) and precompile
/// results through the oracle's loaders. A global part then reads back from the oracle as the
/// onchain oracle model (`verdict_preimage::onchain::PreimageStore`) serves it.
fn load_preimage(
    o: &mut Onchain<'_>,
    by: Address,
    leaf: usize,
    p: &verdict_fpvm::PreimageWitness,
    what: &str,
) {
    let value = p.value.get(8..).unwrap_or_default().to_vec();
    let offset = U256::from(p.offset);
    let out = match p.key[0] {
        1 => {
            let ident = u64::from_be_bytes(p.key[24..].try_into().unwrap());
            o.send(
                by,
                G::addLocalDataCall {
                    ident: U256::from(ident),
                    execLeafIdx: U256::from(leaf),
                    partOffset: offset,
                }
                .abi_encode(),
                0,
            )
        }
        2 | 4 => {
            let data = if p.key[0] == 2 {
                IPreimageOracle::loadKeccak256PreimagePartCall {
                    partOffset: offset,
                    preimage: value.clone().into(),
                }
                .abi_encode()
            } else {
                IPreimageOracle::loadSha256PreimagePartCall {
                    partOffset: offset,
                    preimage: value.clone().into(),
                }
                .abi_encode()
            };
            let oracle = o.d.oracle;
            o.transact(by, oracle, data)
        }
        5 | 6 => {
            let data = match o.loaders.get(&p.key) {
                Some(Loader::Blob {
                    commitment,
                    z,
                    proof,
                }) => IPreimageOracle::loadBlobPreimagePartCall {
                    z: *z,
                    y: U256::from_be_slice(&value),
                    commitment: commitment.clone().into(),
                    proof: proof.clone().into(),
                    partOffset: offset,
                }
                .abi_encode(),
                Some(Loader::Precompile {
                    address,
                    gas,
                    input,
                }) => IPreimageOracle::loadPrecompilePreimagePartCall {
                    partOffset: offset,
                    precompile: *address,
                    requiredGas: *gas,
                    input: input.clone().into(),
                }
                .abi_encode(),
                None => panic!("{what}: no loader for key {}", FixedBytes(p.key)),
            };
            let oracle = o.d.oracle;
            o.transact(by, oracle, data)
        }
        t => panic!("{what}: no loader for key type {t}"),
    };
    assert!(
        matches!(out, CallOutcome::Success { .. }),
        "{what}: loading the preimage: {out:?}"
    );
    if p.key[0] != 1 {
        check_part_against_model(o, p, &value, what);
    }
}

/// The part of `p`'s global key at its offset reads back from the oracle as the onchain oracle
/// model holding `value` serves it.
fn check_part_against_model(
    o: &mut Onchain<'_>,
    p: &verdict_fpvm::PreimageWitness,
    value: &[u8],
    what: &str,
) {
    let mut model = PreimageStore::new();
    model
        .insert_global(p.key, value.to_vec())
        .unwrap_or_else(|e| panic!("{what}: the model refuses the preimage: {e:?}"));
    let want = model.read_part(&p.key, p.offset).expect("a part");
    let oracle = o.d.oracle;
    let got = o.view(
        oracle,
        IPreimageOracle::readPreimageCall {
            key: FixedBytes(p.key),
            offset: U256::from(p.offset),
        },
    );
    let len = usize::from(want.len);
    assert_eq!(got.datLen, U256::from(len), "{what}: the part's length");
    assert_eq!(
        got.dat.0[..len],
        want.data[..len],
        "{what}: the oracle's part against the model's"
    );
}

/// Replays every logged call; returns whether local data was checked.
fn replay_calls(o: &mut Onchain<'_>, report: &Report, what: &str) -> bool {
    let engine = &report.game;
    let mut local_checked = false;
    let mut claims = 1usize;
    for (n, logged) in report.log.iter().enumerate() {
        o.at(logged.now);
        let what = format!("{what} call #{n} {:?}", logged.call);
        let (data, value) = match &logged.call {
            Call::Move {
                parent,
                disputed,
                claim,
                is_attack,
                value,
            } => (
                G::moveCall {
                    disputed: word(*disputed),
                    challengeIndex: U256::from(*parent),
                    claim: word(*claim),
                    isAttack: *is_attack,
                }
                .abi_encode(),
                *value,
            ),
            Call::Step {
                parent,
                is_attack,
                state_data,
                proof,
                local_context,
                post,
                preimage,
            } => {
                if let Some(p) = preimage {
                    load_preimage(o, logged.by, *parent, p, &what);
                }
                if let (VmKind::Scripted, Some(uuid), Some(post)) = (o.vm, local_context, post) {
                    let vm = o.d.vm;
                    let set = IScriptedVM::setPostCall {
                        stateData: state_data.clone().into(),
                        proof: proof.clone().into(),
                        localContext: FixedBytes(*uuid),
                        post: word(*post),
                    };
                    let out = o.transact(DEPLOYER, vm, set.abi_encode());
                    assert!(matches!(out, CallOutcome::Success { .. }), "{what}");
                }
                (
                    G::stepCall {
                        claimIndex: U256::from(*parent),
                        isAttack: *is_attack,
                        stateData: state_data.clone().into(),
                        proof: proof.clone().into(),
                    }
                    .abi_encode(),
                    0,
                )
            }
            Call::ResolveClaim { index } => {
                if !local_checked {
                    local_checked = check_local_data(o, engine, &what);
                }
                (
                    G::resolveClaimCall {
                        claimIndex: U256::from(*index),
                        numToResolve: U256::ZERO,
                    }
                    .abi_encode(),
                    0,
                )
            }
            Call::Resolve => (G::resolveCall {}.abi_encode(), 0),
        };
        let out = o.send(logged.by, data, value);
        match (&logged.result, &out) {
            (Ok(()), CallOutcome::Success { .. }) => {}
            (Err(e), CallOutcome::Revert { data, .. }) => {
                if let Some(want) = expected_revert(e) {
                    assert_eq!(
                        data.as_ref(),
                        want.as_slice(),
                        "{what}: the engine says {e}"
                    );
                } else if o.vm == VmKind::Scripted {
                    assert!(
                        data.starts_with(&IScriptedVM::UnknownStep::SELECTOR),
                        "{what}: the engine's VM refused, the contract reverts {data}"
                    );
                }
            }
            (want, got) => panic!("{what}: the engine says {want:?}, the contract {got:?}"),
        }
        if logged.result.is_ok() {
            match &logged.call {
                Call::Move { .. } => {
                    // Nobody has countered it yet.
                    check_claim(o, engine, claims, Some(Address::ZERO), &what);
                    claims += 1;
                }
                Call::Step { parent, .. } => {
                    // Countered by the stepper.
                    check_claim(o, engine, *parent, Some(logged.by), &what);
                }
                _ => {}
            }
        }
    }
    local_checked
}

/// The credit each account is paid in `refund` or normal mode, as the engine pays it.
fn engine_payouts(report: &Report, refund: bool) -> Vec<(Address, Wei)> {
    report
        .names
        .keys()
        .map(|a| {
            let mut g = report.resolved.clone();
            g.close_game(!refund).unwrap();
            (*a, g.claim_credit(*a).unwrap_or(0))
        })
        .collect()
}

/// What the replays compared.
#[derive(Default)]
pub struct Totals {
    pub games: u64,
    pub calls: u64,
    pub reverts: u64,
    pub claims: u64,
    pub steps: u64,
    pub defender_wins: u64,
    pub challenger_wins: u64,
    pub refunded: u64,
    pub local_checked: u64,
    pub paid: u128,
    /// Gas of the successful game calls by function: count, sum, max.
    pub gas: BTreeMap<&'static str, (u64, u64, u64)>,
}

impl Totals {
    /// Prints the totals of replays on `on` that took `secs` seconds.
    pub fn print(&self, on: &str, secs: f64) {
        eprintln!(
            "{} games replayed on {on} in {secs:.1} s ({:.1} games/s, {:.0} calls/s): {} calls \
             ({} reverting as the engine said), {} claims, {} steps, {} defender / {} challenger \
             wins, {} refunded, local data checked in {}, {} wei paid out",
            self.games,
            self.games as f64 / secs,
            self.calls as f64 / secs,
            self.calls,
            self.reverts,
            self.claims,
            self.steps,
            self.defender_wins,
            self.challenger_wins,
            self.refunded,
            self.local_checked,
            self.paid
        );
        for (name, (n, sum, max)) in &self.gas {
            eprintln!(
                "gas of {name}: {n} calls, avg {} max {} (transaction gas)",
                sum / n.max(&1),
                max
            );
        }
    }

    /// Adds `other`'s counts (of other games) to these.
    pub fn merge(&mut self, other: &Totals) {
        self.games += other.games;
        self.calls += other.calls;
        self.reverts += other.reverts;
        self.claims += other.claims;
        self.steps += other.steps;
        self.defender_wins += other.defender_wins;
        self.challenger_wins += other.challenger_wins;
        self.refunded += other.refunded;
        self.local_checked += other.local_checked;
        self.paid += other.paid;
        for (k, (n, sum, max)) in &other.gas {
            let e = self.gas.entry(k).or_default();
            *e = (e.0 + n, e.1 + sum, e.2.max(*max));
        }
    }

    /// Every kind of game was seen: both outcomes, steps, refunds, local data, reverts.
    pub fn assert_varied(&self) {
        assert!(
            self.defender_wins > 0 && self.challenger_wins > 0,
            "both outcomes"
        );
        assert!(self.steps > 0 && self.refunded > 0, "steps and refunds");
        assert!(
            self.local_checked > 0 && self.reverts > 0,
            "local data and reverts"
        );
    }
}

/// Plays seed `seed` of the simulator (a lineup and a tree shape by seed) and replays it on
/// `chain` over the scripted VM; every eighth game is refunded.
pub fn replay(chain: &mut Chain, seed: u64, t: &mut Totals) {
    let lineup = LINEUPS[(seed % LINEUPS.len() as u64) as usize];
    let mut sim = SimConfig::small(seed, lineup);
    let shape = seed % 3;
    sim.game.split_depth = 3 + shape;
    sim.game.max_game_depth = 8 + 2 * shape;
    let report = alphabet_game(&sim).expect("game set up");
    assert_eq!(
        report.game.config().absolute_prestate,
        alphabet::absolute_prestate()
    );
    let what = format!("seed {seed} {lineup:?}");
    replay_report(chain, &report, VmKind::Scripted, seed % 8 == 7, &what, t);
}

/// Replays a played game on `chain`, on freshly deployed contracts over `vm`, and checks
/// everything against the engine; the game is blacklisted before it closes when `refund`.
pub fn replay_report(
    chain: &mut Chain,
    report: &Report,
    vm: VmKind,
    refund: bool,
    what: &str,
    t: &mut Totals,
) {
    replay_report_with(chain, &Loaders::new(), report, vm, refund, what, t);
}

/// [`replay_report`] with the loaders of the blob and precompile preimages the steps read.
pub fn replay_report_with(
    chain: &mut Chain,
    loaders: &Loaders,
    report: &Report,
    vm: VmKind,
    refund: bool,
    what: &str,
    t: &mut Totals,
) {
    chain.run(|l1| replay_on(l1, loaders, report, vm, refund, what, t));
}

fn replay_on(
    l1: &mut dyn L1,
    loaders: &Loaders,
    report: &Report,
    vm: VmKind,
    refund: bool,
    what: &str,
    t: &mut Totals,
) {
    let resolved = &report.resolved;
    let mut o = deploy(l1, loaders, resolved, vm, what);

    // As created.
    assert_eq!(
        o.game_view(G::absolutePrestateCall {}),
        word(resolved.config().absolute_prestate)
    );
    let start = o.game_view(G::startingOutputRootCall {});
    assert_eq!(start.root, word(resolved.starting_output().root));
    assert_eq!(
        start.l2BlockNumber,
        U256::from(resolved.starting_output().l2_block_number)
    );
    assert_eq!(
        o.game_view(G::l2BlockNumberCall {}),
        U256::from(resolved.l2_block_number())
    );
    let max = resolved.config().max_game_depth;
    let bonds = o.game_views((0..=max).map(|depth| G::getRequiredBondCall {
        position: Position::new(depth, 0).raw(),
    }));
    for (depth, bond) in (0..=max).zip(bonds) {
        let p = Position::new(depth, 0);
        assert_eq!(
            bond,
            U256::from(resolved.required_bond(p).unwrap()),
            "{what}: bond at depth {depth}"
        );
    }

    t.local_checked += u64::from(replay_calls(&mut o, report, what));

    // Resolved as the engine.
    let status = o.game_view(G::statusCall {});
    assert_eq!(status, resolved.status() as u8, "{what}: status");
    assert_eq!(
        o.game_view(G::resolvedAtCall {}),
        resolved.resolved_at(),
        "{what}: resolvedAt"
    );
    let n = resolved.claims().len();
    assert_eq!(
        o.game_view(G::claimDataLenCall {}),
        U256::from(n),
        "{what}: claims"
    );
    let claims = o.game_views((0..n).map(|i| G::claimDataCall {
        index: U256::from(i),
    }));
    let subgames = o.game_views((0..n).map(|i| G::resolvedSubgamesCall {
        index: U256::from(i),
    }));
    for (i, (got, subgame)) in claims.iter().zip(subgames).enumerate() {
        assert_claim(got, resolved, i, None, &format!("{what} resolved"));
        assert!(subgame, "{what}: subgame {i} resolved");
    }
    let names: Vec<Address> = report.names.keys().copied().collect();
    let normal = o.game_views(names.iter().map(|a| G::normalModeCreditCall {
        recipient: onchain(*a),
    }));
    let refunds = o.game_views(names.iter().map(|a| G::refundModeCreditCall {
        recipient: onchain(*a),
    }));
    for ((a, normal), refund) in names.iter().zip(normal).zip(refunds) {
        assert_eq!(normal, U256::from(resolved.credit(a)), "{what}: credit {a}");
        assert_eq!(
            refund,
            U256::from(resolved.refund_credit(a)),
            "{what}: refund credit {a}"
        );
    }

    // Closing: not before the finality delay; every eighth game blacklisted (refund mode).
    let resolved_at = resolved.resolved_at();
    o.at(resolved_at + FINALITY_DELAY);
    let out = o.send(KEEPER, G::closeGameCall {}.abi_encode(), 0);
    assert!(
        matches!(&out, CallOutcome::Revert { data, .. } if data.as_ref() == G::GameNotFinalized::SELECTOR),
        "{what}: closed before the finality delay: {out:?}"
    );
    o.at(resolved_at + FINALITY_DELAY + 1);
    if refund {
        let registry = o.d.registry;
        let out = o.transact(
            DEPLOYER,
            registry,
            IAnchorStateRegistry::blacklistDisputeGameCall { game: o.game }.abi_encode(),
        );
        assert!(matches!(out, CallOutcome::Success { .. }), "{what}");
        t.refunded += 1;
    }
    let payouts = engine_payouts(report, refund);
    // Phase one: every account unlocks (even with nothing to claim).
    for (a, _) in &payouts {
        let out = o.send(
            KEEPER,
            G::claimCreditCall {
                recipient: onchain(*a),
            }
            .abi_encode(),
            0,
        );
        assert!(
            matches!(out, CallOutcome::Success { .. }),
            "{what}: unlock {a}: {out:?}"
        );
    }
    let mode = o.game_view(G::bondDistributionModeCall {});
    assert_eq!(mode, if refund { 2 } else { 1 }, "{what}: mode");
    // The anchor moves to a proper game the defender won, only.
    let registry = o.d.registry;
    let anchor = o.view(registry, IAnchorStateRegistry::anchorGameCall {});
    let should_anchor = !refund && resolved.status() == GameStatus::DefenderWins;
    assert_eq!(anchor == o.game, should_anchor, "{what}: anchor");
    // Phase two: not before the WETH delay, then exactly the engine's payout.
    let (first, _) = payouts[0];
    let out = o.send(
        KEEPER,
        G::claimCreditCall {
            recipient: onchain(first),
        }
        .abi_encode(),
        0,
    );
    assert!(
        matches!(out, CallOutcome::Revert { .. }),
        "{what}: withdrawn before the delay"
    );
    o.at(resolved_at + FINALITY_DELAY + 1 + WETH_DELAY);
    for (a, amount) in &payouts {
        let who = onchain(*a);
        let before = o.balance(who);
        let out = o.send(
            KEEPER,
            G::claimCreditCall { recipient: who }.abi_encode(),
            0,
        );
        if *amount == 0 {
            assert!(
                matches!(&out, CallOutcome::Revert { data, .. } if data.as_ref() == G::NoCreditToClaim::SELECTOR),
                "{what}: {a} has nothing: {out:?}"
            );
            continue;
        }
        assert!(
            matches!(out, CallOutcome::Success { .. }),
            "{what}: claim {a}: {out:?}"
        );
        let got = o.balance(who) - before;
        assert_eq!(got, U256::from(*amount), "{what}: payout of {a}");
        t.paid += amount;
    }
    // No bond is left behind.
    let weth = o.d.weth;
    let left = o.view(weth, IDelayedWETH::balanceOfCall { who: o.game });
    assert_eq!(left, U256::ZERO, "{what}: bonds left in DelayedWETH");

    t.games += 1;
    t.calls += o.calls;
    for (k, (n, sum, max)) in &o.gas {
        let e = t.gas.entry(k).or_default();
        *e = (e.0 + n, e.1 + sum, e.2.max(*max));
    }
    t.reverts += o.reverts;
    t.claims += n as u64;
    t.steps += report.steps.len() as u64;
    match resolved.status() {
        GameStatus::DefenderWins => t.defender_wins += 1,
        GameStatus::ChallengerWins => t.challenger_wins += 1,
        GameStatus::InProgress => panic!("{what}: unresolved"),
    }
}
