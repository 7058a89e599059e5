//! The game state machine: `FaultDisputeGame` as a Rust value.
//!
//! Every call takes the caller (`msg.sender`), the value sent and the block timestamp as
//! arguments, checks what the contract checks in the same order, and fails with the error
//! the contract would revert with. A failed call leaves the game unchanged.

use alloc::collections::{BTreeMap, BTreeSet};
use alloc::string::String;
use alloc::vec;
use alloc::vec::Vec;

use crate::bond::BondTable;
use crate::types::{claim_hash, keccak256};
use crate::{
    Address, BondDistributionMode, Claim, Clock, Duration, GameConfig, GameError, GameStatus,
    OutputRoot, Position, Timestamp, VmStatus, Wei,
};

/// The parent index of the root claim (`type(uint32).max`).
pub const NO_PARENT: u32 = u32::MAX;

/// Local preimage identifiers a step may read (`LocalPreimageKey`).
pub mod local_key {
    /// The L1 head hash the game was created at.
    pub const L1_HEAD_HASH: u64 = 1;
    /// The agreed output root the execution starts from.
    pub const STARTING_OUTPUT_ROOT: u64 = 2;
    /// The disputed output root.
    pub const DISPUTED_OUTPUT_ROOT: u64 = 3;
    /// The L2 block number of the disputed output root.
    pub const DISPUTED_L2_BLOCK_NUMBER: u64 = 4;
    /// The L2 chain id.
    pub const CHAIN_ID: u64 = 5;
}

/// One claim of the game (`ClaimData`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ClaimData {
    /// The index of the claim this one counters ([`NO_PARENT`] for the root).
    pub parent_index: u32,
    /// Who countered this claim: set by a step, or when its subgame resolves.
    pub countered_by: Address,
    /// Who posted the claim.
    pub claimant: Address,
    /// The bond posted with it.
    pub bond: Wei,
    /// The claimed value.
    pub claim: Claim,
    /// Its position.
    pub position: Position,
    /// Its chess clock.
    pub clock: Clock,
}

impl ClaimData {
    /// The parent's index, if this is not the root.
    pub fn parent(&self) -> Option<usize> {
        (self.parent_index != NO_PARENT).then_some(self.parent_index as usize)
    }
}

/// What a step is bound to: the local context hash and the local inputs the contract would
/// load into the preimage oracle under it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct LocalContext {
    /// `keccak256(abi.encode(starting, startingPos, disputed, disputedPos))`, or of
    /// `(disputed, disputedPos)` when the start is the anchor.
    pub uuid: [u8; 32],
    /// The agreed starting output root.
    pub starting: Claim,
    /// Its position (0 for the anchor).
    pub starting_pos: Position,
    /// The disputed output root.
    pub disputed: Claim,
    /// Its position.
    pub disputed_pos: Position,
    /// The disputed L2 block number (capped at the root claim's).
    pub disputed_l2_block_number: u64,
    /// The game's L1 head.
    pub l1_head: Claim,
    /// The L2 chain id.
    pub chain_id: u64,
}

/// The onchain VM of a game (`IBigStepper`).
pub trait StepVm {
    /// Runs one step from `state_data` with `proof`; returns the post-state hash, status
    /// byte included, or why the VM reverts.
    fn step(&self, state_data: &[u8], proof: &[u8], ctx: &LocalContext) -> Result<Claim, String>;
}

/// The preimage of an output root (`Types.OutputRootProof`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct OutputRootProof {
    /// The output version.
    pub version: [u8; 32],
    /// The L2 state root.
    pub state_root: [u8; 32],
    /// The storage root of the L2 to L1 message passer.
    pub message_passer_storage_root: [u8; 32],
    /// The L2 block hash.
    pub latest_blockhash: [u8; 32],
}

impl OutputRootProof {
    /// The output root: keccak256 of the four words.
    pub fn hash(&self) -> Claim {
        Claim(keccak256(&[
            &self.version,
            &self.state_root,
            &self.message_passer_storage_root,
            &self.latest_blockhash,
        ]))
    }
}

#[derive(Clone, Copy, Debug, Default)]
struct Checkpoint {
    initial_checkpoint_complete: bool,
    subgame_index: u32,
    leftmost_position: Position,
    countered_by: Address,
}

/// A fault dispute game.
#[derive(Clone, Debug)]
pub struct Game {
    config: GameConfig,
    bonds: BondTable,
    claims: Vec<ClaimData>,
    subgames: Vec<Vec<u32>>,
    resolved: Vec<bool>,
    checkpoints: Vec<Checkpoint>,
    claim_hashes: BTreeSet<[u8; 32]>,
    status: GameStatus,
    created_at: Timestamp,
    resolved_at: Timestamp,
    starting_output: OutputRoot,
    l2_block_number: u64,
    l1_head: Claim,
    l2_block_number_challenger: Option<Address>,
    normal_credit: BTreeMap<Address, Wei>,
    refund_credit: BTreeMap<Address, Wei>,
    mode: BondDistributionMode,
}

impl Game {
    /// Creates and initializes a game (`constructor` + `initialize`): the root claim
    /// `root_claim` about L2 block `l2_block_number`, anchored at `starting_output`, posted by
    /// `creator` with `bond` at time `now`.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        config: GameConfig,
        starting_output: OutputRoot,
        root_claim: Claim,
        l2_block_number: u64,
        l1_head: Claim,
        creator: Address,
        bond: Wei,
        now: Timestamp,
    ) -> Result<Game, GameError> {
        config.validate()?;
        if l2_block_number <= starting_output.l2_block_number {
            return Err(GameError::UnexpectedRootClaim(root_claim));
        }
        let bonds = BondTable::new(config.max_game_depth)?;
        let root = ClaimData {
            parent_index: NO_PARENT,
            countered_by: Address::ZERO,
            claimant: creator,
            bond,
            claim: root_claim,
            position: Position::ROOT,
            clock: Clock {
                duration: 0,
                timestamp: now,
            },
        };
        let mut refund_credit = BTreeMap::new();
        refund_credit.insert(creator, bond);
        Ok(Game {
            config,
            bonds,
            claims: vec![root],
            subgames: vec![Vec::new()],
            resolved: vec![false],
            checkpoints: vec![Checkpoint::default()],
            claim_hashes: BTreeSet::new(),
            status: GameStatus::InProgress,
            created_at: now,
            resolved_at: 0,
            starting_output,
            l2_block_number,
            l1_head,
            l2_block_number_challenger: None,
            normal_credit: BTreeMap::new(),
            refund_credit,
            mode: BondDistributionMode::Undecided,
        })
    }

    /// The parameters.
    pub fn config(&self) -> &GameConfig {
        &self.config
    }

    /// All claims, in the order they were made.
    pub fn claims(&self) -> &[ClaimData] {
        &self.claims
    }

    /// The claim at `index`.
    pub fn claim(&self, index: usize) -> Result<&ClaimData, GameError> {
        self.claims
            .get(index)
            .ok_or(GameError::InvalidClaimIndex(index as u64))
    }

    /// The indices of the claims that counter the claim at `index`, in order.
    pub fn children(&self, index: usize) -> &[u32] {
        self.subgames.get(index).map_or(&[], |v| v.as_slice())
    }

    /// Whether the subgame rooted at `index` is resolved.
    pub fn is_resolved(&self, index: usize) -> bool {
        self.resolved.get(index).copied().unwrap_or(false)
    }

    /// The game status.
    pub fn status(&self) -> GameStatus {
        self.status
    }

    /// When the game was created.
    pub fn created_at(&self) -> Timestamp {
        self.created_at
    }

    /// When the game was resolved (0 while in progress).
    pub fn resolved_at(&self) -> Timestamp {
        self.resolved_at
    }

    /// The anchor the game starts from.
    pub fn starting_output(&self) -> OutputRoot {
        self.starting_output
    }

    /// The L2 block number the root claim is about.
    pub fn l2_block_number(&self) -> u64 {
        self.l2_block_number
    }

    /// Who challenged the root's L2 block number, if someone did.
    pub fn l2_block_number_challenger(&self) -> Option<Address> {
        self.l2_block_number_challenger
    }

    /// The bond distribution mode.
    pub fn bond_distribution_mode(&self) -> BondDistributionMode {
        self.mode
    }

    /// The credit `account` receives in normal mode.
    pub fn credit(&self, account: &Address) -> Wei {
        self.normal_credit.get(account).copied().unwrap_or(0)
    }

    /// The credit `account` receives in refund mode: everything it posted.
    pub fn refund_credit(&self, account: &Address) -> Wei {
        self.refund_credit.get(account).copied().unwrap_or(0)
    }

    /// The normal-mode credit of every account.
    pub fn credits(&self) -> &BTreeMap<Address, Wei> {
        &self.normal_credit
    }

    /// `getRequiredBond(position)`.
    pub fn required_bond(&self, position: Position) -> Result<Wei, GameError> {
        self.bonds.of(position)
    }

    fn in_progress(&self) -> Result<(), GameError> {
        if self.status != GameStatus::InProgress {
            return Err(GameError::GameNotInProgress);
        }
        Ok(())
    }

    /// `getChallengerDuration(index)`: the time elapsed on the clock of whoever would counter
    /// the claim at `index`, capped at `MAX_CLOCK_DURATION`.
    pub fn challenger_duration(&self, index: usize, now: Timestamp) -> Result<Duration, GameError> {
        self.in_progress()?;
        let claim = self.claim(index)?;
        let parent_duration = claim.parent().map_or(0, |p| self.claims[p].clock.duration);
        let since = now
            .checked_sub(claim.clock.timestamp)
            .ok_or(GameError::ArithmeticOverflow)?;
        let elapsed = parent_duration
            .checked_add(since)
            .ok_or(GameError::ArithmeticOverflow)?;
        Ok(elapsed.min(self.config.max_clock_duration))
    }

    /// `attack(disputed, parentIndex, claim)`.
    pub fn attack(
        &mut self,
        disputed: Claim,
        parent_index: usize,
        claim: Claim,
        sender: Address,
        value: Wei,
        now: Timestamp,
    ) -> Result<usize, GameError> {
        self.move_claim(disputed, parent_index, claim, true, sender, value, now)
    }

    /// `defend(disputed, parentIndex, claim)`.
    pub fn defend(
        &mut self,
        disputed: Claim,
        parent_index: usize,
        claim: Claim,
        sender: Address,
        value: Wei,
        now: Timestamp,
    ) -> Result<usize, GameError> {
        self.move_claim(disputed, parent_index, claim, false, sender, value, now)
    }

    /// `move(disputed, challengeIndex, claim, isAttack)`: counters the claim at
    /// `parent_index` with `claim` and returns the new claim's index.
    #[allow(clippy::too_many_arguments)]
    pub fn move_claim(
        &mut self,
        disputed: Claim,
        parent_index: usize,
        claim: Claim,
        is_attack: bool,
        sender: Address,
        value: Wei,
        now: Timestamp,
    ) -> Result<usize, GameError> {
        self.in_progress()?;
        let parent = *self.claim(parent_index)?;
        if parent.claim != disputed {
            return Err(GameError::InvalidDisputedClaimIndex);
        }
        let next = parent.position.move_to(is_attack);
        let next_depth = next.depth();
        let split = self.config.split_depth;
        let max = self.config.max_game_depth;
        if (parent_index == 0 || next_depth == split + 2) && !is_attack {
            return Err(GameError::CannotDefendRootClaim);
        }
        if self.l2_block_number_challenger.is_some() && parent_index == 0 {
            return Err(GameError::L2BlockNumberChallenged);
        }
        if next_depth > max {
            return Err(GameError::GameDepthExceeded);
        }
        if next_depth == split + 1 {
            self.verify_exec_bisection_root(claim, parent_index, parent.position, is_attack)?;
        }
        if self.bonds.of(next)? != value {
            return Err(GameError::IncorrectBondAmount);
        }
        let mut duration = self.challenger_duration(parent_index, now)?;
        if duration == self.config.max_clock_duration {
            return Err(GameError::ClockTimeExceeded);
        }
        let extension = self.clock_extension_for(next_depth);
        duration = duration.min(self.config.max_clock_duration - extension);
        let key = claim_hash(&claim, next, parent_index as u64);
        if self.claim_hashes.contains(&key) {
            return Err(GameError::ClaimAlreadyExists);
        }
        self.claim_hashes.insert(key);
        let index = self.claims.len();
        self.claims.push(ClaimData {
            parent_index: parent_index as u32,
            countered_by: Address::ZERO,
            claimant: sender,
            bond: value,
            claim,
            position: next,
            clock: Clock {
                duration,
                timestamp: now,
            },
        });
        self.subgames.push(Vec::new());
        self.resolved.push(false);
        self.checkpoints.push(Checkpoint::default());
        self.subgames[parent_index].push(index as u32);
        *self.refund_credit.entry(sender).or_default() += value;
        Ok(index)
    }

    /// The clock extension a new claim at `depth` grants its counter: the preimage
    /// challenge period on top before a step, twice the extension before execution-trace
    /// bisection starts, else the extension.
    pub fn clock_extension_for(&self, depth: u64) -> Duration {
        let c = &self.config;
        if depth == c.max_game_depth - 1 {
            c.clock_extension + c.oracle_challenge_period
        } else if depth == c.split_depth - 1 {
            c.clock_extension * 2
        } else {
            c.clock_extension
        }
    }

    /// Whether a new execution-trace root moved against the claim at `parent_index` must
    /// signal INVALID or PANIC (else VALID), by the rule of `_verifyExecBisectionRoot`.
    pub fn exec_root_must_be_invalid(
        &self,
        parent_index: usize,
        is_attack: bool,
    ) -> Result<bool, GameError> {
        let parent_pos = self.claim(parent_index)?.position;
        let disputed =
            self.find_trace_ancestor(Position(parent_pos.raw() + 1), parent_index, true)?;
        Ok(is_attack || self.claims[disputed].position.depth() % 2 == self.config.split_depth % 2)
    }

    /// The VM status rule for the root of an execution-trace subgame
    /// (`_verifyExecBisectionRoot`).
    fn verify_exec_bisection_root(
        &self,
        root_claim: Claim,
        parent_index: usize,
        parent_pos: Position,
        is_attack: bool,
    ) -> Result<(), GameError> {
        let disputed_leaf = Position(parent_pos.raw() + 1);
        let disputed = self.find_trace_ancestor(disputed_leaf, parent_index, true)?;
        let status = root_claim.vm_status();
        let invalid_or_panic = status == VmStatus::Invalid as u8 || status == VmStatus::Panic as u8;
        let expects_invalid =
            is_attack || self.claims[disputed].position.depth() % 2 == self.config.split_depth % 2;
        if (expects_invalid && !invalid_or_panic)
            || (!expects_invalid && status != VmStatus::Valid as u8)
        {
            return Err(GameError::UnexpectedRootClaim(root_claim));
        }
        Ok(())
    }

    /// `_findTraceAncestor`: walks up from `start` to the claim at the trace ancestor of
    /// `pos` (global, or bounded below the split). Returns its index.
    pub fn find_trace_ancestor(
        &self,
        pos: Position,
        start: usize,
        global: bool,
    ) -> Result<usize, GameError> {
        let target = if global {
            pos.trace_ancestor()
        } else {
            pos.trace_ancestor_bounded(self.config.split_depth)?
        };
        let mut i = start;
        loop {
            let c = self.claim(i)?;
            if c.position == target {
                return Ok(i);
            }
            i = c
                .parent()
                .ok_or(GameError::InvalidClaimIndex(NO_PARENT as u64))?;
        }
    }

    /// `_findStartingAndDisputedOutputs` + `_computeLocalContext` (and the local inputs) for
    /// a claim below the split.
    pub fn local_context(&self, index: usize) -> Result<LocalContext, GameError> {
        let split = self.config.split_depth;
        let mut idx = index;
        let mut claim = self.claim(idx)?;
        if claim.position.depth() <= split {
            return Err(GameError::ClaimAboveSplit);
        }
        let mut exec_root = *claim;
        while claim.position.depth() > split {
            if claim.position.depth() == split + 1 {
                exec_root = *claim;
            }
            idx = claim.parent().ok_or(GameError::ClaimAboveSplit)?;
            claim = self.claim(idx)?;
        }
        let was_attack = exec_root.position.parent() == claim.position;
        self.exec_context(idx, was_attack)
    }

    /// The local context of the execution-trace subgame started by an attack
    /// (`was_attack`) or a defense against the output claim at `output_index` (at the split).
    pub fn exec_context(
        &self,
        output_index: usize,
        was_attack: bool,
    ) -> Result<LocalContext, GameError> {
        let split = self.config.split_depth;
        let idx = output_index;
        let claim = self.claim(idx)?;
        let output_pos = claim.position;
        let (starting, starting_pos, disputed, disputed_pos) = if was_attack {
            let (s, sp) = if output_pos.index_at_depth() > 0 {
                let a = self.find_trace_ancestor(Position(output_pos.raw() - 1), idx, true)?;
                (self.claims[a].claim, self.claims[a].position)
            } else {
                (self.starting_output.root, Position(0))
            };
            (s, sp, claim.claim, output_pos)
        } else {
            let d = self.find_trace_ancestor(Position(output_pos.raw() + 1), idx, true)?;
            (
                claim.claim,
                output_pos,
                self.claims[d].claim,
                self.claims[d].position,
            )
        };
        let word = |p: Position| {
            let mut w = [0u8; 32];
            w[16..].copy_from_slice(&p.raw().to_be_bytes());
            w
        };
        let uuid = if starting_pos.raw() == 0 {
            keccak256(&[&disputed.0, &word(disputed_pos)])
        } else {
            keccak256(&[
                &starting.0,
                &word(starting_pos),
                &disputed.0,
                &word(disputed_pos),
            ])
        };
        let block = self
            .starting_output
            .l2_block_number
            .saturating_add(disputed_pos.trace_index(split) as u64)
            .saturating_add(1)
            .min(self.l2_block_number);
        Ok(LocalContext {
            uuid,
            starting,
            starting_pos,
            disputed,
            disputed_pos,
            disputed_l2_block_number: block,
            l1_head: self.l1_head,
            chain_id: self.config.l2_chain_id,
        })
    }

    /// What `addLocalData(ident, execLeafIdx, _)` loads: the local context and the
    /// 32-byte word with its size.
    pub fn local_data(
        &self,
        ident: u64,
        exec_leaf_index: usize,
    ) -> Result<([u8; 32], [u8; 32], usize), GameError> {
        self.in_progress()?;
        let ctx = self.local_context(exec_leaf_index)?;
        let u64_word = |v: u64| {
            let mut w = [0u8; 32];
            w[..8].copy_from_slice(&v.to_be_bytes());
            w
        };
        let (word, size) = match ident {
            local_key::L1_HEAD_HASH => (ctx.l1_head.0, 32),
            local_key::STARTING_OUTPUT_ROOT => (ctx.starting.0, 32),
            local_key::DISPUTED_OUTPUT_ROOT => (ctx.disputed.0, 32),
            local_key::DISPUTED_L2_BLOCK_NUMBER => (u64_word(ctx.disputed_l2_block_number), 8),
            local_key::CHAIN_ID => (u64_word(ctx.chain_id), 8),
            _ => return Err(GameError::InvalidLocalIdent),
        };
        Ok((ctx.uuid, word, size))
    }

    /// The pre-state claim and the index of the post-state claim of a step against the
    /// claim at `index` (attack or defense), as `step` selects them.
    pub fn step_states(&self, index: usize, is_attack: bool) -> Result<(Claim, usize), GameError> {
        let parent = self.claim(index)?;
        let parent_pos = parent.position;
        let step_pos = parent_pos.move_to(is_attack);
        let (max, split) = (self.config.max_game_depth, self.config.split_depth);
        if step_pos.depth() != max + 1 {
            return Err(GameError::InvalidParent);
        }
        let start = parent.parent_index as usize;
        if is_attack {
            let leaves = 1u128 << (max - split);
            let pre = if step_pos.index_at_depth() % leaves == 0 {
                self.config.absolute_prestate
            } else {
                let a = self.find_trace_ancestor(Position(parent_pos.raw() - 1), start, false)?;
                self.claims[a].claim
            };
            Ok((pre, index))
        } else {
            let post = self.find_trace_ancestor(Position(parent_pos.raw() + 1), start, false)?;
            Ok((parent.claim, post))
        }
    }

    /// `step(claimIndex, isAttack, stateData, proof)`: counters the claim at `index` (at
    /// `MAX_GAME_DEPTH`) by running one VM step from `state_data`.
    pub fn step(
        &mut self,
        index: usize,
        is_attack: bool,
        state_data: &[u8],
        proof: &[u8],
        sender: Address,
        vm: &dyn StepVm,
    ) -> Result<(), GameError> {
        self.in_progress()?;
        let (pre, post) = self.step_states(index, is_attack)?;
        let data_hash = keccak256(&[state_data]);
        if data_hash[1..] != pre.0[1..] {
            return Err(GameError::InvalidPrestate);
        }
        let ctx = self.local_context(index)?;
        let result = vm
            .step(state_data, proof, &ctx)
            .map_err(GameError::VmReverted)?;
        let valid_step = result == self.claims[post].claim;
        let parent_depth = self.claims[index].position.depth();
        let post_depth = self.claims[post].position.depth();
        let parent_post_agree = (parent_depth - post_depth) & 1 == 0;
        if parent_post_agree == valid_step {
            return Err(GameError::ValidStep);
        }
        if !self.claims[index].countered_by.is_zero() {
            return Err(GameError::DuplicateStep);
        }
        self.claims[index].countered_by = sender;
        Ok(())
    }

    /// Records a step someone else's VM already verified: the leaf at `index` (at
    /// `MAX_GAME_DEPTH`) countered by `sender`. For loading a game from the chain, where the
    /// step's inputs are in a past transaction and the contract has checked them; a player's
    /// own steps go through [`Game::step`].
    pub fn record_verified_step(&mut self, index: usize, sender: Address) -> Result<(), GameError> {
        self.in_progress()?;
        let claim = self.claim(index)?;
        if claim.position.depth() != self.config.max_game_depth {
            return Err(GameError::InvalidParent);
        }
        if !claim.countered_by.is_zero() {
            return Err(GameError::DuplicateStep);
        }
        self.claims[index].countered_by = sender;
        Ok(())
    }

    /// `challengeRootL2Block(outputRootProof, headerRLP)`: counters the root claim by
    /// showing that the block in its output root has another number than the claimed one.
    pub fn challenge_root_l2_block(
        &mut self,
        proof: &OutputRootProof,
        header_rlp: &[u8],
        sender: Address,
    ) -> Result<(), GameError> {
        self.in_progress()?;
        if self.l2_block_number_challenger.is_some() {
            return Err(GameError::L2BlockNumberChallenged);
        }
        if proof.hash() != self.claims[0].claim {
            return Err(GameError::InvalidOutputRootProof);
        }
        if keccak256(&[header_rlp]) != proof.latest_blockhash {
            return Err(GameError::InvalidHeaderRLP);
        }
        let number = crate::rlp::header_number(header_rlp).ok_or(GameError::InvalidHeaderRLP)?;
        if number == self.l2_block_number as u128 {
            return Err(GameError::BlockNumberMatches);
        }
        self.l2_block_number_challenger = Some(sender);
        Ok(())
    }

    /// `resolveClaim(index, numToResolve)`: resolves (part of) the subgame rooted at `index`
    /// once its challenger's clock has run out and every child subgame is resolved; pays
    /// the claim's bond to its leftmost uncountered child's claimant, to its stepper, or
    /// back to its claimant. `num_to_resolve` 0 means all children at once.
    pub fn resolve_claim(
        &mut self,
        index: usize,
        num_to_resolve: usize,
        now: Timestamp,
    ) -> Result<(), GameError> {
        self.in_progress()?;
        self.claim(index)?;
        if self.challenger_duration(index, now)? < self.config.max_clock_duration {
            return Err(GameError::ClockNotExpired);
        }
        if self.resolved[index] {
            return Err(GameError::ClaimAlreadyResolved);
        }
        let children = &self.subgames[index];
        if children.is_empty() && index != 0 {
            let c = self.claims[index];
            let recipient = if c.countered_by.is_zero() {
                c.claimant
            } else {
                c.countered_by
            };
            self.distribute_bond(recipient, index);
            self.resolved[index] = true;
            return Ok(());
        }
        let mut cp = self.checkpoints[index];
        let mut n = num_to_resolve;
        if !cp.initial_checkpoint_complete {
            cp.leftmost_position = Position(u128::MAX);
            cp.initial_checkpoint_complete = true;
            if n == 0 {
                n = children.len();
            }
        }
        let end = (cp.subgame_index as usize + n).min(children.len());
        for &child in &children[cp.subgame_index as usize..end] {
            let child = child as usize;
            if !self.resolved[child] {
                return Err(GameError::OutOfOrderResolution);
            }
            let c = &self.claims[child];
            if c.countered_by.is_zero() && cp.leftmost_position > c.position {
                cp.countered_by = c.claimant;
                cp.leftmost_position = c.position;
            }
        }
        cp.subgame_index = end as u32;
        let done = end == children.len();
        self.checkpoints[index] = cp;
        if done {
            self.resolved[index] = true;
            match self.l2_block_number_challenger {
                Some(challenger) if index == 0 => {
                    self.distribute_bond(challenger, 0);
                    self.claims[0].countered_by = challenger;
                }
                _ => {
                    let c = self.claims[index];
                    let recipient = if cp.countered_by.is_zero() {
                        c.claimant
                    } else {
                        cp.countered_by
                    };
                    self.distribute_bond(recipient, index);
                    self.claims[index].countered_by = cp.countered_by;
                }
            }
        }
        Ok(())
    }

    fn distribute_bond(&mut self, recipient: Address, index: usize) {
        *self.normal_credit.entry(recipient).or_default() += self.claims[index].bond;
    }

    /// `resolve()`: decides the game once the root subgame is resolved.
    pub fn resolve(&mut self, now: Timestamp) -> Result<GameStatus, GameError> {
        self.in_progress()?;
        if !self.resolved[0] {
            return Err(GameError::OutOfOrderResolution);
        }
        self.status = if self.claims[0].countered_by.is_zero() {
            GameStatus::DefenderWins
        } else {
            GameStatus::ChallengerWins
        };
        self.resolved_at = now;
        Ok(self.status)
    }

    /// `closeGame()`: fixes the bond distribution mode once the game is resolved: normal if
    /// the game is proper (per the anchor state registry, here `proper`), else refund.
    pub fn close_game(&mut self, proper: bool) -> Result<BondDistributionMode, GameError> {
        match self.mode {
            BondDistributionMode::Normal | BondDistributionMode::Refund => return Ok(self.mode),
            BondDistributionMode::Undecided => {}
        }
        if self.status == GameStatus::InProgress {
            return Err(GameError::GameNotFinalized);
        }
        self.mode = if proper {
            BondDistributionMode::Normal
        } else {
            BondDistributionMode::Refund
        };
        Ok(self.mode)
    }

    /// `claimCredit(recipient)`: pays out the recipient's credit under the decided mode
    /// (closing the game first, as a proper one). The DelayedWETH withdrawal delay is the
    /// caller's concern.
    pub fn claim_credit(&mut self, recipient: Address) -> Result<Wei, GameError> {
        let mode = self.close_game(true)?;
        let normal = self.normal_credit.remove(&recipient).unwrap_or(0);
        let refund = self.refund_credit.remove(&recipient).unwrap_or(0);
        let amount = match mode {
            BondDistributionMode::Refund => refund,
            _ => normal,
        };
        if amount == 0 {
            return Err(GameError::NoCreditToClaim);
        }
        Ok(amount)
    }
}
