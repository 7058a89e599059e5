//! Plays an actor's actions on a game on the chain, resolves games and claims credit: the
//! transactions every player (the challenger, the proposer, a test's liar) sends.
//!
//! - A move posts the bond the game asks for (`getRequiredBond`), only while the countered
//!   claim's clock runs.
//! - Before a step, the preimage part the step reads is uploaded (a local input through the game's
//!   `addLocalData`, a keccak256 or sha256 preimage through the oracle's loaders, a blob field
//!   element with its KZG proof, computed from the blob in the host's store), unless the
//!   oracle holds that part already; a leaf countered already is not stepped again.
//! - Claims are resolved bottom-up once their clocks have run out (children first), then the game.
//! - Credit is claimed in DelayedWETH's two phases: the first `claimCredit` unlocks it once the
//!   game is finalized, the second withdraws it after the delay.
//!
//! A call the chain refuses (it would revert: someone was faster, a clock ran out) is an
//! [`Event::Refused`] naming the call and the node's reason, not an error; the node failing is.

use crate::blob::blob_part;
use crate::l1::{L1Error, L1};
use crate::load::Loaded;
use alloy_primitives::{Address, FixedBytes, U256};
use verdict_challenger::actors::Action;
use verdict_challenger::providers::StepData;
use verdict_contracts::bindings::{IDelayedWETH, IFaultDisputeGame, IPreimageOracle};
use verdict_game::Timestamp;
use verdict_host::Store;
use verdict_preimage::onchain::{localize_key, StepContext};
use verdict_preimage::KeyType;

/// What a player did, or was refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Event {
    /// A move against the claim at `parent`.
    Moved {
        /// The countered claim.
        parent: usize,
        /// Attack or defense.
        is_attack: bool,
        /// The new claim.
        claim: [u8; 32],
        /// The bond posted.
        bond: U256,
        /// Gas used.
        gas: u64,
    },
    /// A preimage part uploaded before a step.
    Uploaded {
        /// The key as the VM reads it (local keys not localized).
        key: [u8; 32],
        /// The part's offset.
        offset: u64,
        /// Gas used.
        gas: u64,
    },
    /// A step against the leaf at `leaf`.
    Stepped {
        /// The countered leaf.
        leaf: usize,
        /// Attack or defense step.
        is_attack: bool,
        /// The key of the preimage the step read, if it read one.
        preimage: Option<[u8; 32]>,
        /// What was sent: the pre-state, the proof, the preimage and the local context.
        data: Box<StepData>,
        /// Gas used.
        gas: u64,
    },
    /// A claim's subgame resolved.
    ResolvedClaim {
        /// The claim.
        index: usize,
    },
    /// The game resolved.
    Resolved {
        /// 1 challenger wins, 2 defender wins.
        status: u8,
    },
    /// Credit unlocked in DelayedWETH (first `claimCredit`).
    Unlocked {
        /// The amount.
        amount: U256,
    },
    /// Credit withdrawn and paid (second `claimCredit`).
    Paid {
        /// The amount.
        amount: U256,
    },
    /// A call the chain refused.
    Refused {
        /// The call.
        what: String,
        /// Why.
        reason: String,
    },
}

impl std::fmt::Display for Event {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Event::Moved {
                parent,
                is_attack,
                claim,
                bond,
                gas,
            } => write!(
                f,
                "{} claim {parent} with {} (bond {bond} wei, {gas} gas)",
                if *is_attack { "attacked" } else { "defended" },
                FixedBytes(*claim)
            ),
            Event::Uploaded { key, offset, gas } => write!(
                f,
                "uploaded preimage {} at offset {offset} ({gas} gas)",
                FixedBytes(*key)
            ),
            Event::Stepped {
                leaf,
                is_attack,
                gas,
                ..
            } => write!(
                f,
                "{} step against claim {leaf} ({gas} gas)",
                if *is_attack { "attack" } else { "defense" }
            ),
            Event::ResolvedClaim { index } => write!(f, "resolved claim {index}"),
            Event::Resolved { status } => write!(f, "resolved the game: status {status}"),
            Event::Unlocked { amount } => write!(f, "unlocked {amount} wei of credit"),
            Event::Paid { amount } => write!(f, "claimed {amount} wei of credit"),
            Event::Refused { what, reason } => write!(f, "refused: {what}: {reason}"),
        }
    }
}

/// Whether an event is a transaction sent (not a refusal).
pub fn acted(e: &Event) -> bool {
    !matches!(e, Event::Refused { .. })
}

/// A call's outcome: done, refused (an event), or the node failed (an error).
fn outcome<T>(
    r: Result<T, L1Error>,
    events: &mut Vec<Event>,
    what: impl Fn() -> String,
) -> Result<Option<T>, L1Error> {
    match r {
        Ok(v) => Ok(Some(v)),
        Err(L1Error::Reverted { reason, .. }) => {
            events.push(Event::Refused {
                what: what(),
                reason,
            });
            Ok(None)
        }
        Err(e) => Err(e),
    }
}

/// Sends `actions` on the game `g` (loaded at `now`, the latest L1 block's time): the most
/// urgent first (the countered claim's clock closest to running out). Moves against a claim
/// whose clock has run out, or within `margin` seconds of it at the next block, are refused
/// without a transaction; steps against leaves countered already are left out. What was done is
/// appended to `events`, also when a later call fails.
pub fn play(
    l1: &L1,
    g: &Loaded,
    mut actions: Vec<Action>,
    now: Timestamp,
    store: Option<&dyn Store>,
    events: &mut Vec<Event>,
) -> Result<(), L1Error> {
    let game = &g.game;
    let max = game.config().max_clock_duration;
    let parent_of = |a: &Action| match a {
        Action::Move { parent, .. } | Action::Step { parent, .. } => *parent,
    };
    actions.sort_by_key(|a| {
        game.challenger_duration(parent_of(a), now)
            .map(std::cmp::Reverse)
            .unwrap_or(std::cmp::Reverse(max))
    });
    for action in actions {
        let parent = parent_of(&action);
        if game
            .challenger_duration(parent, now)
            .map_or(true, |d| d >= max)
        {
            events.push(Event::Refused {
                what: format!("countering claim {parent}"),
                reason: "its clock has run out".into(),
            });
            continue;
        }
        match action {
            Action::Move {
                parent,
                disputed,
                claim,
                is_attack,
            } => {
                let pos = game.claims()[parent].position.move_to(is_attack);
                let bond = l1.view(
                    g.address,
                    IFaultDisputeGame::getRequiredBondCall {
                        position: pos.raw(),
                    },
                )?;
                let call = IFaultDisputeGame::moveCall {
                    disputed: FixedBytes(disputed.0),
                    challengeIndex: U256::from(parent),
                    claim: FixedBytes(claim.0),
                    isAttack: is_attack,
                };
                let r = l1.transact(g.address, call, bond);
                if let Some(r) = outcome(r, events, || format!("move against claim {parent}"))? {
                    events.push(Event::Moved {
                        parent,
                        is_attack,
                        claim: claim.0,
                        bond,
                        gas: r.gas_used,
                    });
                }
            }
            Action::Step {
                parent,
                is_attack,
                data,
            } => {
                if g.countered.get(parent).is_some_and(|c| !c.is_zero()) {
                    continue;
                }
                if !upload(l1, g, parent, &data, store, events)? {
                    continue;
                }
                let call = IFaultDisputeGame::stepCall {
                    claimIndex: U256::from(parent),
                    isAttack: is_attack,
                    stateData: data.state_data.clone().into(),
                    proof: data.proof.clone().into(),
                };
                let r = l1.transact(g.address, call, U256::ZERO);
                if let Some(r) = outcome(r, events, || format!("step against claim {parent}"))? {
                    events.push(Event::Stepped {
                        leaf: parent,
                        is_attack,
                        preimage: data.preimage.as_ref().map(|p| p.key),
                        data: Box::new(data.clone()),
                        gas: r.gas_used,
                    });
                }
            }
        }
    }
    Ok(())
}

/// Uploads the preimage part the step of `data` against the leaf at `leaf` reads, unless the
/// oracle holds it. Returns whether the step can go ahead.
fn upload(
    l1: &L1,
    g: &Loaded,
    leaf: usize,
    data: &StepData,
    store: Option<&dyn Store>,
    events: &mut Vec<Event>,
) -> Result<bool, L1Error> {
    let Some(p) = &data.preimage else {
        return Ok(true);
    };
    let refuse = |events: &mut Vec<Event>, reason: String| {
        events.push(Event::Refused {
            what: format!(
                "uploading preimage {} for the step against claim {leaf}",
                FixedBytes(p.key)
            ),
            reason,
        });
        Ok(false)
    };
    let Some(value) = p.value.get(8..) else {
        return refuse(events, "the witness lacks the length prefix".into());
    };
    let offset = U256::from(p.offset);
    let kind = KeyType::from_byte(p.key[0]);
    let stored_key = if kind == Some(KeyType::Local) {
        let ctx = StepContext {
            local_context: data.local_context,
            caller: g.address.into_array(),
        };
        localize_key(&p.key, &ctx)
    } else {
        p.key
    };
    let ok = l1.view(
        g.oracle,
        IPreimageOracle::preimagePartOkCall {
            key: FixedBytes(stored_key),
            offset,
        },
    )?;
    if ok {
        return Ok(true);
    }
    let r = match kind {
        Some(KeyType::Local) => {
            let ident = u64::from_be_bytes(p.key[24..].try_into().expect("8 bytes"));
            l1.transact(
                g.address,
                IFaultDisputeGame::addLocalDataCall {
                    ident: U256::from(ident),
                    execLeafIdx: U256::from(leaf),
                    partOffset: offset,
                },
                U256::ZERO,
            )
        }
        Some(KeyType::Keccak256) => l1.transact(
            g.oracle,
            IPreimageOracle::loadKeccak256PreimagePartCall {
                partOffset: offset,
                preimage: value.to_vec().into(),
            },
            U256::ZERO,
        ),
        Some(KeyType::Sha256) => l1.transact(
            g.oracle,
            IPreimageOracle::loadSha256PreimagePartCall {
                partOffset: offset,
                preimage: value.to_vec().into(),
            },
            U256::ZERO,
        ),
        Some(KeyType::Blob) => {
            let Some(store) = store else {
                return refuse(events, "no preimage store to prove a blob part from".into());
            };
            let b = match blob_part(store, p.key) {
                Ok(b) => b,
                Err(e) => return refuse(events, e),
            };
            l1.transact(
                g.oracle,
                IPreimageOracle::loadBlobPreimagePartCall {
                    z: U256::from_be_bytes(b.z),
                    y: U256::from_be_bytes(b.y),
                    commitment: b.commitment.to_vec().into(),
                    proof: b.proof.to_vec().into(),
                    partOffset: offset,
                },
                U256::ZERO,
            )
        }
        _ => {
            return refuse(
                events,
                format!("no upload for preimage key type {:#04x}", p.key[0]),
            )
        }
    };
    match outcome(r, events, || {
        format!(
            "uploading preimage {} at offset {}",
            FixedBytes(p.key),
            p.offset
        )
    })? {
        Some(r) => {
            events.push(Event::Uploaded {
                key: p.key,
                offset: p.offset,
                gas: r.gas_used,
            });
            Ok(true)
        }
        None => Ok(false),
    }
}

/// Resolves what can be resolved on the game `g` at `now`: every claim whose clock has run out
/// and whose children are resolved, deepest first, then the game once its root claim is. What
/// was done is appended to `events`.
pub fn resolve(
    l1: &L1,
    g: &Loaded,
    now: Timestamp,
    events: &mut Vec<Event>,
) -> Result<(), L1Error> {
    if g.status != 0 {
        return Ok(());
    }
    let game = &g.game;
    let max = game.config().max_clock_duration;
    let n = game.claims().len();
    if (0..n).all(|i| game.challenger_duration(i, now).map_or(true, |d| d < max)) {
        return Ok(());
    }
    let mut resolved = Vec::with_capacity(n);
    for i in 0..n {
        resolved.push(l1.view(
            g.address,
            IFaultDisputeGame::resolvedSubgamesCall {
                index: U256::from(i),
            },
        )?);
    }
    for i in (0..n).rev() {
        if resolved[i] || game.challenger_duration(i, now).map_or(true, |d| d < max) {
            continue;
        }
        if game.children(i).iter().any(|&c| !resolved[c as usize]) {
            continue;
        }
        let call = IFaultDisputeGame::resolveClaimCall {
            claimIndex: U256::from(i),
            numToResolve: U256::ZERO,
        };
        let r = l1.transact(g.address, call, U256::ZERO);
        if outcome(r, events, || format!("resolveClaim({i})"))?.is_some() {
            resolved[i] = true;
            events.push(Event::ResolvedClaim { index: i });
        }
    }
    if resolved[0] {
        let r = l1.transact(g.address, IFaultDisputeGame::resolveCall {}, U256::ZERO);
        if outcome(r, events, || "resolve()".into())?.is_some() {
            let status = l1.view(g.address, IFaultDisputeGame::statusCall {})?;
            events.push(Event::Resolved { status });
        }
    }
    Ok(())
}

/// Where `who`'s credit in the game at `game` stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Credit {
    /// The game is in progress.
    InProgress,
    /// Nothing (left) to claim.
    Nothing,
    /// Something to claim, not yet possible (the game is not finalized, or the delay runs).
    Waiting,
}

/// Claims `who`'s credit in the game at `game` as far as the chain allows at `now`: unlocks it,
/// or withdraws it once DelayedWETH's delay has passed. Returns where it stands afterwards.
pub fn claim_credit(
    l1: &L1,
    game: Address,
    who: Address,
    now: Timestamp,
    events: &mut Vec<Event>,
) -> Result<Credit, L1Error> {
    if l1.view(game, IFaultDisputeGame::statusCall {})? == 0 {
        return Ok(Credit::InProgress);
    }
    let normal = l1.view(
        game,
        IFaultDisputeGame::normalModeCreditCall { recipient: who },
    )?;
    let refund = l1.view(
        game,
        IFaultDisputeGame::refundModeCreditCall { recipient: who },
    )?;
    let mode = l1.view(game, IFaultDisputeGame::bondDistributionModeCall {})?;
    // Modes: 0 undecided, 1 normal, 2 refund.
    let owed = match mode {
        1 => normal,
        2 => refund,
        _ => normal.max(refund),
    };
    if owed.is_zero() {
        return Ok(Credit::Nothing);
    }
    let unlocked = l1.view(
        game,
        IFaultDisputeGame::hasUnlockedCreditCall { recipient: who },
    )?;
    if unlocked {
        let weth = l1.view(game, IFaultDisputeGame::wethCall {})?;
        let w = l1.view(weth, IDelayedWETH::withdrawalsCall { game, guy: who })?;
        let delay = l1.view(weth, IDelayedWETH::delayCall {})?;
        if U256::from(now) < w.timestamp.saturating_add(delay) {
            return Ok(Credit::Waiting);
        }
    }
    let call = IFaultDisputeGame::claimCreditCall { recipient: who };
    let r = l1.transact(game, call, U256::ZERO);
    match r {
        Ok(_) if unlocked => {
            events.push(Event::Paid { amount: owed });
            Ok(Credit::Nothing)
        }
        Ok(_) => {
            events.push(Event::Unlocked { amount: owed });
            Ok(Credit::Waiting)
        }
        // Not finalized yet, or the delay not quite over at the next block.
        Err(L1Error::Reverted { .. }) => Ok(Credit::Waiting),
        Err(e) => Err(e),
    }
}
