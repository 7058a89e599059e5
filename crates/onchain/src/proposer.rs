//! The proposer (`verdict proposer`), op-proposer's job: every proposal interval, the output root
//! of the rollup node's safe head (`optimism_syncStatus`, `optimism_outputAtBlock`) is proposed
//! to the factory as a new game with the init bond; its games are resolved once their clocks
//! allow and their credit claimed. With `wrong` it proposes [`wrong_root`]s instead (tests and
//! demos: a liar whose games the challenger must win).

use crate::agent::{self, Event};
use crate::l1::{L1Error, L1};
use crate::load;
use crate::traces::RollupOutputs;
use alloy_primitives::{Address, FixedBytes, B256, U256};
use std::time::{Duration, Instant};
use verdict_challenger::providers::OutputSource;
use verdict_contracts::bindings::{IAnchorStateRegistry, IDisputeGameFactory, IFaultDisputeGame};
use verdict_game::{keccak256, Claim};
use verdict_rpc::ClientConfig;

/// The proposer's settings (op-proposer's flags).
#[derive(Clone, Debug)]
pub struct ProposerConfig {
    /// `--l1-eth-rpc`.
    pub l1_rpc: String,
    /// `--rollup-rpc`.
    pub rollup_rpc: String,
    /// `--game-factory-address`.
    pub factory: Address,
    /// `--private-key`.
    pub key: B256,
    /// `--game-type`.
    pub game_type: u32,
    /// `--proposal-interval`.
    pub interval: Duration,
    /// `--wrong`: propose wrong output roots.
    pub wrong: bool,
    /// Timeouts and retries of every RPC request.
    pub client: ClientConfig,
}

/// The wrong output root a dishonest proposer claims instead of `root`.
pub fn wrong_root(root: Claim) -> Claim {
    Claim(keccak256(&[b"verdict wrong output root", &root.0]))
}

/// A proposal made.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Proposal {
    /// The game created.
    pub game: Address,
    /// The L2 block.
    pub l2_block: u64,
    /// The root claimed.
    pub root: Claim,
}

/// The proposer.
pub struct Proposer {
    cfg: ProposerConfig,
    l1: L1,
    outputs: RollupOutputs,
    games: Vec<Address>,
    last: Option<(Instant, u64)>,
}

impl Proposer {
    /// Connects, and finds the games this account proposed before (a restart picks them up).
    pub fn new(cfg: ProposerConfig) -> Result<Proposer, String> {
        let l1 = L1::new(&cfg.l1_rpc, cfg.key, cfg.client).map_err(|e| e.to_string())?;
        let outputs = RollupOutputs::new(&cfg.rollup_rpc, cfg.client)
            .map_err(|e| format!("--rollup-rpc: {e}"))?;
        let mut p = Proposer {
            cfg,
            l1,
            outputs,
            games: Vec::new(),
            last: None,
        };
        p.games = p.own_games().map_err(|e| e.to_string())?;
        Ok(p)
    }

    /// The proposer's account.
    pub fn address(&self) -> Address {
        self.l1.address()
    }

    /// The games it proposed.
    pub fn games(&self) -> &[Address] {
        &self.games
    }

    fn own_games(&self) -> Result<Vec<Address>, L1Error> {
        let f = self.cfg.factory;
        let count = self.l1.view(f, IDisputeGameFactory::gameCountCall {})?;
        let mut own = Vec::new();
        for i in 0..u64::try_from(count).unwrap_or(0) {
            let g = self.l1.view(
                f,
                IDisputeGameFactory::gameAtIndexCall {
                    index: U256::from(i),
                },
            )?;
            if g.gameType == self.cfg.game_type
                && self
                    .l1
                    .view(g.proxy, IFaultDisputeGame::gameCreatorCall {})?
                    == self.address()
            {
                own.push(g.proxy);
            }
        }
        Ok(own)
    }

    /// The blocks a new game can be about: after the anchor, at most `2^SPLIT_DEPTH` past it
    /// (the output bisection has that many leaves; a root further out cannot be judged right).
    pub fn proposable(&self) -> Result<std::ops::RangeInclusive<u64>, String> {
        let f = self.cfg.factory;
        let e = |e: L1Error| e.to_string();
        let implementation = self
            .l1
            .view(
                f,
                IDisputeGameFactory::gameImplsCall {
                    gameType: self.cfg.game_type,
                },
            )
            .map_err(e)?;
        if implementation.is_zero() {
            return Err(format!(
                "the factory has no implementation of game type {}",
                self.cfg.game_type
            ));
        }
        let split = self
            .l1
            .view(implementation, IFaultDisputeGame::splitDepthCall {})
            .map_err(e)?;
        let registry = self
            .l1
            .view(
                implementation,
                IFaultDisputeGame::anchorStateRegistryCall {},
            )
            .map_err(e)?;
        let anchor = self
            .l1
            .view(registry, IAnchorStateRegistry::getAnchorRootCall {})
            .map_err(e)?;
        let anchor = u64::try_from(anchor.l2BlockNumber).map_err(|_| "anchor block".to_string())?;
        let span = u64::try_from(split)
            .ok()
            .filter(|&s| s < 64)
            .map_or(u64::MAX, |s| 1u64 << s);
        Ok(anchor.saturating_add(1)..=anchor.saturating_add(span))
    }

    /// Proposes the output root at `l2_block` (a wrong one with `wrong`), with the init bond.
    pub fn propose(&mut self, l2_block: u64) -> Result<Proposal, String> {
        let range = self.proposable()?;
        if !range.contains(&l2_block) {
            return Err(format!(
                "L2 block {l2_block} cannot be proposed: a game now covers blocks {} to {}",
                range.start(),
                range.end()
            ));
        }
        let mut root = self
            .outputs
            .output_at(l2_block)
            .map_err(|e| e.to_string())?;
        if self.cfg.wrong {
            root = wrong_root(root);
        }
        let f = self.cfg.factory;
        let bond = self
            .l1
            .view(
                f,
                IDisputeGameFactory::initBondsCall {
                    gameType: self.cfg.game_type,
                },
            )
            .map_err(|e| e.to_string())?;
        let extra: Vec<u8> = U256::from(l2_block).to_be_bytes::<32>().to_vec();
        let call = IDisputeGameFactory::createCall {
            gameType: self.cfg.game_type,
            rootClaim: FixedBytes(root.0),
            extraData: extra.clone().into(),
        };
        self.l1
            .transact(f, call, bond)
            .map_err(|e| format!("proposing block {l2_block}: {e}"))?;
        let (game, _) = self
            .l1
            .view(
                f,
                IDisputeGameFactory::gamesCall {
                    gameType: self.cfg.game_type,
                    rootClaim: FixedBytes(root.0),
                    extraData: extra.into(),
                },
            )
            .map(|r| (r.proxy, r.timestamp))
            .map_err(|e| e.to_string())?;
        eprintln!(
            "proposer: proposed {} at L2 block {l2_block}: game {game}",
            B256::from(root.0)
        );
        self.games.push(game);
        self.last = Some((Instant::now(), l2_block));
        Ok(Proposal {
            game,
            l2_block,
            root,
        })
    }

    /// Proposes the safe head if the interval has passed and it is newer than the last proposal.
    pub fn maybe_propose(&mut self) -> Result<Option<Proposal>, String> {
        if let Some((at, _)) = self.last {
            if at.elapsed() < self.cfg.interval {
                return Ok(None);
            }
        }
        let range = self.proposable()?;
        let block = self.outputs.safe_head()?.min(*range.end());
        if block < *range.start() || self.last.is_some_and(|(_, b)| b >= block) {
            return Ok(None);
        }
        self.propose(block).map(Some)
    }

    /// Resolves its games where the clocks allow and claims their credit.
    pub fn settle(&mut self) -> Result<Vec<(Address, Event)>, String> {
        let (_, now) = self.l1.head().map_err(|e| e.to_string())?;
        let me = self.address();
        let mut all = Vec::new();
        let mut open = Vec::new();
        for &game in &self.games {
            let mut events = Vec::new();
            match load::load(&self.l1, game) {
                Ok(g) if g.status == 0 => {
                    agent::resolve(&self.l1, &g, now, &mut events).map_err(|e| e.to_string())?
                }
                Ok(_) => {}
                Err(e) => {
                    eprintln!("proposer: {e}");
                    continue;
                }
            }
            let credit = agent::claim_credit(&self.l1, game, me, now, &mut events)
                .map_err(|e| e.to_string())?;
            if credit != agent::Credit::Nothing {
                open.push(game);
            }
            for e in events {
                eprintln!("proposer: game {game}: {e}");
                all.push((game, e));
            }
        }
        self.games = open;
        Ok(all)
    }

    /// One round: propose if due, then settle.
    pub fn tick(&mut self) -> Result<Vec<(Address, Event)>, String> {
        if let Err(e) = self.maybe_propose() {
            eprintln!("proposer: {e}");
        }
        self.settle()
    }
}
