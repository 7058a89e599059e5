//! Loads a `FaultDisputeGame` from the chain into a [`verdict_game::Game`]: its parameters from
//! its views, then every claim (`claimData`) replayed as the move it was, at the time it was
//! made, so that the engine checks what the chain holds. A claim that no legal move can have made
//! (a parent after it, a position that is not a move from its parent's, a bond or clock the rules
//! do not give) makes the game [`LoadError::Malformed`]: skipped, never trusted.

use crate::l1::{L1Error, L1};
use alloy_primitives::Address;
use verdict_contracts::bindings::{IFaultDisputeGame, IPreimageOracle, IRISCV};
use verdict_game::{Claim, Game, GameConfig, OutputRoot, Position, NO_PARENT};

/// Why a game cannot be loaded.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// The node failed, or a view reverted.
    #[error("game {game}: {source}")]
    L1 {
        /// The game.
        game: Address,
        /// The error.
        source: L1Error,
    },
    /// The chain holds something no game following the rules holds.
    #[error("game {game}: {reason}")]
    Malformed {
        /// The game.
        game: Address,
        /// What is wrong.
        reason: String,
    },
}

/// A game as the chain holds it.
#[derive(Clone, Debug)]
pub struct Loaded {
    /// Its address.
    pub address: Address,
    /// The game replayed by the engine (steps are not replayed: see [`Loaded::countered`]).
    pub game: Game,
    /// `claimData[i].counteredBy` on the chain: set by a step, or by resolution.
    pub countered: Vec<Address>,
    /// The game's status on the chain (0 in progress, 1 challenger wins, 2 defender wins).
    pub status: u8,
    /// The VM contract.
    pub vm: Address,
    /// The preimage oracle the VM reads.
    pub oracle: Address,
}

/// A view's failure: the node failing is worth a retry; a view that reverts or answers what the
/// interface does not return means the address is no game of ours (no code, another contract).
fn view_error(game: Address, source: L1Error) -> LoadError {
    match source {
        L1Error::Reverted { .. } | L1Error::Decode(_) => LoadError::Malformed {
            game,
            reason: format!("not a FaultDisputeGame: {source}"),
        },
        source => LoadError::L1 { game, source },
    }
}

/// The game parameters of the game at `game`, from its views.
pub fn config(l1: &L1, game: Address) -> Result<(GameConfig, Address, Address), LoadError> {
    let e = |source| view_error(game, source);
    let g = |reason: String| LoadError::Malformed { game, reason };
    let u64_of = |v: alloy_primitives::U256, what: &str| {
        u64::try_from(v).map_err(|_| g(format!("{what} {v} does not fit 64 bits")))
    };
    let vm = l1.view(game, IFaultDisputeGame::vmCall {}).map_err(e)?;
    let oracle = l1.view(vm, IRISCV::oracleCall {}).map_err(e)?;
    let period = l1
        .view(oracle, IPreimageOracle::challengePeriodCall {})
        .map_err(e)?;
    let cfg = GameConfig {
        game_type: l1
            .view(game, IFaultDisputeGame::gameTypeCall {})
            .map_err(e)?,
        absolute_prestate: Claim(
            l1.view(game, IFaultDisputeGame::absolutePrestateCall {})
                .map_err(e)?
                .0,
        ),
        max_game_depth: u64_of(
            l1.view(game, IFaultDisputeGame::maxGameDepthCall {})
                .map_err(e)?,
            "maxGameDepth",
        )?,
        split_depth: u64_of(
            l1.view(game, IFaultDisputeGame::splitDepthCall {})
                .map_err(e)?,
            "splitDepth",
        )?,
        max_clock_duration: l1
            .view(game, IFaultDisputeGame::maxClockDurationCall {})
            .map_err(e)?,
        clock_extension: l1
            .view(game, IFaultDisputeGame::clockExtensionCall {})
            .map_err(e)?,
        oracle_challenge_period: u64_of(period, "challengePeriod")?,
        l2_chain_id: u64_of(
            l1.view(game, IFaultDisputeGame::l2ChainIdCall {})
                .map_err(e)?,
            "l2ChainId",
        )?,
    };
    cfg.validate()
        .map_err(|x| g(format!("parameters the contract would refuse: {x:?}")))?;
    Ok((cfg, vm, oracle))
}

/// Loads the game at `game`.
pub fn load(l1: &L1, game: Address) -> Result<Loaded, LoadError> {
    let e = |source| view_error(game, source);
    let g = |reason: String| LoadError::Malformed { game, reason };
    let (cfg, vm, oracle) = config(l1, game)?;
    let starting = l1
        .view(game, IFaultDisputeGame::startingOutputRootCall {})
        .map_err(e)?;
    let anchor = OutputRoot {
        root: Claim(starting.root.0),
        l2_block_number: u64::try_from(starting.l2BlockNumber)
            .map_err(|_| g("the starting block does not fit 64 bits".into()))?,
    };
    let l2_block = u64::try_from(
        l1.view(game, IFaultDisputeGame::l2BlockNumberCall {})
            .map_err(e)?,
    )
    .map_err(|_| g("the L2 block number does not fit 64 bits".into()))?;
    let l1_head = Claim(
        l1.view(game, IFaultDisputeGame::l1HeadCall {})
            .map_err(e)?
            .0,
    );
    let status = l1.view(game, IFaultDisputeGame::statusCall {}).map_err(e)?;
    let len = l1
        .view(game, IFaultDisputeGame::claimDataLenCall {})
        .map_err(e)?;
    let len = usize::try_from(len)
        .ok()
        .filter(|&n| (1..=1_000_000).contains(&n))
        .ok_or_else(|| g(format!("{len} claims")))?;
    let mut claims = Vec::with_capacity(len);
    for i in 0..len {
        claims.push(
            l1.view(
                game,
                IFaultDisputeGame::claimDataCall {
                    index: alloy_primitives::U256::from(i),
                },
            )
            .map_err(e)?,
        );
    }
    let clock = |c: u128| ((c >> 64) as u64, c as u64);
    let root = &claims[0];
    if root.parentIndex != NO_PARENT || root.position != 1 {
        return Err(g("claim 0 is not a root claim".into()));
    }
    let mut replay = Game::new(
        cfg,
        anchor,
        Claim(root.claim.0),
        l2_block,
        l1_head,
        root.claimant,
        root.bond,
        clock(root.clock).1,
    )
    .map_err(|x| g(format!("the root claim: {x:?}")))?;
    let mut countered = vec![root.counteredBy];
    for (i, c) in claims.iter().enumerate().skip(1) {
        let parent = c.parentIndex as usize;
        if parent >= i {
            return Err(g(format!(
                "claim {i}: parent {parent} is not an earlier claim"
            )));
        }
        let parent_pos = replay.claims()[parent].position;
        let pos = Position(c.position);
        let is_attack = if pos == parent_pos.move_to(true) {
            true
        } else if pos == parent_pos.move_to(false) {
            false
        } else {
            return Err(g(format!(
                "claim {i}: position {} is no move from its parent's {}",
                c.position,
                parent_pos.raw()
            )));
        };
        let (duration, at) = clock(c.clock);
        let disputed = replay.claims()[parent].claim;
        replay
            .move_claim(
                disputed,
                parent,
                Claim(c.claim.0),
                is_attack,
                c.claimant,
                c.bond,
                at,
            )
            .map_err(|x| g(format!("claim {i}: not a legal move: {x:?}")))?;
        if replay.claims()[i].clock.duration != duration {
            return Err(g(format!(
                "claim {i}: clock duration {duration}, the rules give {}",
                replay.claims()[i].clock.duration
            )));
        }
        countered.push(c.counteredBy);
    }
    // Leaves countered while the game is in progress were countered by a step; any other claim
    // countered then has had its subgame resolved (`resolveClaim` records who countered it),
    // which happens claim by claim, in transactions of their own, before the game resolves.
    if status == 0 {
        let max_depth = replay.config().max_game_depth;
        for (i, by) in countered.iter().enumerate() {
            let leaf = replay.claims()[i].position.depth() == max_depth;
            if !by.is_zero() && leaf {
                replay
                    .record_verified_step(i, *by)
                    .map_err(|x| g(format!("claim {i}: countered but not a leaf: {x:?}")))?;
            }
        }
    }
    Ok(Loaded {
        address: game,
        game: replay,
        countered,
        status,
        vm,
        oracle,
    })
}
