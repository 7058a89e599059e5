//! Deploys the dispute game contracts on an [`L1`] (the in-process [`TestEvm`](crate::TestEvm) or a
//! node): the preimage oracle, a VM, DelayedWETH, the factory, the anchor state registry and a
//! `FaultDisputeGame` implementation registered with the factory (with its init bond).

use crate::bindings::{IDisputeGameFactory, IFaultDisputeGame};
use crate::{CallOutcome, Contract, EvmError, L1};
use alloy_primitives::{Address, FixedBytes, U256};
use alloy_sol_types::{SolCall, SolEvent, SolValue};

/// Which VM the games step on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum VmKind {
    /// `RISCV.sol`, the RISC-V step.
    Riscv,
    /// `ScriptedVM.sol`, post-states registered by the test (replays of recorded games).
    Scripted,
}

/// A deployment's parameters.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GameParams {
    /// The game type the implementation is registered for (and the respected one).
    pub game_type: u32,
    /// The absolute prestate.
    pub absolute_prestate: [u8; 32],
    /// `MAX_GAME_DEPTH`.
    pub max_game_depth: u64,
    /// `SPLIT_DEPTH`.
    pub split_depth: u64,
    /// `CLOCK_EXTENSION` in seconds.
    pub clock_extension: u64,
    /// `MAX_CLOCK_DURATION` in seconds.
    pub max_clock_duration: u64,
    /// The preimage oracle's challenge period in seconds.
    pub oracle_challenge_period: u64,
    /// The L2 chain id.
    pub l2_chain_id: u64,
    /// DelayedWETH's withdrawal delay in seconds.
    pub weth_delay: u64,
    /// The anchor state registry's finality delay in seconds.
    pub finality_delay: u64,
    /// The starting anchor: output root and L2 block number.
    pub starting_root: [u8; 32],
    /// The starting anchor's L2 block number.
    pub starting_block: u64,
    /// The factory's init bond for the game type.
    pub init_bond: U256,
    /// The VM.
    pub vm: VmKind,
}

/// Addresses of a deployment (also its JSON file, as `verdict deploy-games` writes it).
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct GameDeployment {
    /// `PreimageOracle.sol`.
    pub oracle: Address,
    /// The VM (`RISCV.sol` or `ScriptedVM.sol`).
    pub vm: Address,
    /// `DelayedWETH.sol`.
    pub weth: Address,
    /// `DisputeGameFactory.sol` (owned by the deployer).
    pub factory: Address,
    /// `AnchorStateRegistry.sol` (the deployer is its guardian).
    pub registry: Address,
    /// The `FaultDisputeGame.sol` implementation.
    pub implementation: Address,
}

/// The creation code of `contract` with its ABI-encoded constructor arguments.
pub fn creation_code(contract: Contract, args: &[u8]) -> Result<Vec<u8>, String> {
    let mut code = contract.artifact().map_err(|e| e.to_string())?.bytecode;
    code.extend_from_slice(args);
    Ok(code)
}

fn with_args(contract: Contract, args: &[u8]) -> Result<Vec<u8>, EvmError> {
    creation_code(contract, args).map_err(EvmError::Invalid)
}

fn expect_success(out: CallOutcome) -> Result<CallOutcome, EvmError> {
    match out {
        CallOutcome::Success { .. } => Ok(out),
        other => Err(EvmError::Deploy(other)),
    }
}

impl GameDeployment {
    /// Deploys everything from `deployer` (the factory's owner and the registry's guardian).
    pub fn deploy<E: L1 + ?Sized>(
        evm: &mut E,
        deployer: Address,
        p: &GameParams,
    ) -> Result<GameDeployment, EvmError> {
        let word = |v: u64| U256::from(v).to_be_bytes::<32>();
        let oracle = evm.deploy(
            deployer,
            with_args(Contract::PreimageOracle, &word(p.oracle_challenge_period))?,
        )?;
        let mut oracle_arg = [0u8; 32];
        oracle_arg[12..].copy_from_slice(oracle.as_slice());
        let vm = match p.vm {
            VmKind::Riscv => evm.deploy(deployer, with_args(Contract::Riscv, &oracle_arg)?)?,
            VmKind::Scripted => {
                evm.deploy(deployer, with_args(Contract::ScriptedVm, &oracle_arg)?)?
            }
        };
        let weth = evm.deploy(
            deployer,
            with_args(Contract::DelayedWeth, &word(p.weth_delay))?,
        )?;
        let factory = evm.deploy(
            deployer,
            with_args(Contract::DisputeGameFactory, &deployer.abi_encode())?,
        )?;
        let registry_args = (
            factory,
            deployer,
            FixedBytes(p.starting_root),
            U256::from(p.starting_block),
            p.game_type,
            U256::from(p.finality_delay),
        )
            .abi_encode_params();
        let registry = evm.deploy(
            deployer,
            with_args(Contract::AnchorStateRegistry, &registry_args)?,
        )?;
        let params = IFaultDisputeGame::GameConstructorParams {
            gameType: p.game_type,
            absolutePrestate: FixedBytes(p.absolute_prestate),
            maxGameDepth: U256::from(p.max_game_depth),
            splitDepth: U256::from(p.split_depth),
            clockExtension: p.clock_extension,
            maxClockDuration: p.max_clock_duration,
            vm,
            weth,
            anchorStateRegistry: registry,
            l2ChainId: U256::from(p.l2_chain_id),
        };
        let implementation = evm.deploy(
            deployer,
            with_args(Contract::FaultDisputeGame, &params.abi_encode())?,
        )?;
        expect_success(
            evm.call(
                deployer,
                factory,
                IDisputeGameFactory::setImplementationCall {
                    gameType: p.game_type,
                    r#impl: implementation,
                }
                .abi_encode(),
            )?,
        )?;
        expect_success(
            evm.call(
                deployer,
                factory,
                IDisputeGameFactory::setInitBondCall {
                    gameType: p.game_type,
                    initBond: p.init_bond,
                }
                .abi_encode(),
            )?,
        )?;
        Ok(GameDeployment {
            oracle,
            vm,
            weth,
            factory,
            registry,
            implementation,
        })
    }

    /// Creates a game through the factory: `creator` posts `root_claim` about `l2_block` with the
    /// init bond. Returns the game's address (from the factory's `DisputeGameCreated` event), or
    /// the factory's refusal.
    pub fn create_game<E: L1 + ?Sized>(
        &self,
        evm: &mut E,
        creator: Address,
        game_type: u32,
        root_claim: [u8; 32],
        l2_block: u64,
        bond: U256,
    ) -> Result<Result<Address, CallOutcome>, EvmError> {
        let out = evm.call_value(
            creator,
            self.factory,
            IDisputeGameFactory::createCall {
                gameType: game_type,
                rootClaim: FixedBytes(root_claim),
                extraData: U256::from(l2_block).to_be_bytes::<32>().to_vec().into(),
            }
            .abi_encode(),
            bond,
        )?;
        let created = match &out {
            CallOutcome::Success { logs, .. } => logs
                .iter()
                .filter(|l| l.address == self.factory)
                .find_map(|l| IDisputeGameFactory::DisputeGameCreated::decode_log(l).ok())
                .map(|e| e.disputeProxy),
            _ => None,
        };
        Ok(created.ok_or(out))
    }
}
