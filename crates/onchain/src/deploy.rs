//! Deploys the dispute game contracts on an L1 node over JSON-RPC, as
//! [`verdict_contracts::GameDeployment::deploy`] does into the in-memory EVM: the preimage oracle,
//! the RISC-V step (`RISCV.sol`), DelayedWETH, the factory, the anchor state registry and the
//! `FaultDisputeGame` implementation, registered with the factory with its init bond.

use crate::l1::{L1Error, L1};
use alloy_primitives::{Address, FixedBytes, U256};
use alloy_sol_types::SolValue;
use serde::{Deserialize, Serialize};
use verdict_contracts::bindings::{IDisputeGameFactory, IFaultDisputeGame};
use verdict_contracts::{Contract, GameParams, VmKind};

/// The game type of games stepped by our RISC-V VM (Asterisc's, whose VM ours is compatible with).
pub const RISCV_GAME_TYPE: u32 = 2;

/// The parameters of a real deployment (OP Mainnet's values): max depth 73, split depth 30,
/// a 3-hour clock extension, 3.5-day clocks, a 1-day preimage challenge period, a 7-day
/// DelayedWETH delay, a 3.5-day finality delay and a 0.08 ETH init bond; the game type is
/// [`RISCV_GAME_TYPE`] on `RISCV.sol`.
pub fn real_params(
    absolute_prestate: [u8; 32],
    l2_chain_id: u64,
    starting_root: [u8; 32],
    starting_block: u64,
) -> GameParams {
    GameParams {
        game_type: RISCV_GAME_TYPE,
        absolute_prestate,
        max_game_depth: 73,
        split_depth: 30,
        clock_extension: 10_800,
        max_clock_duration: 302_400,
        oracle_challenge_period: 86_400,
        l2_chain_id,
        weth_delay: 604_800,
        finality_delay: 302_400,
        starting_root,
        starting_block,
        init_bond: U256::from(80_000_000_000_000_000u128),
        vm: VmKind::Riscv,
    }
}

/// Addresses of a deployment on an L1 node (written to and read from JSON).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Deployment {
    /// `PreimageOracle.sol`.
    pub oracle: Address,
    /// `RISCV.sol`.
    pub vm: Address,
    /// `DelayedWETH.sol`.
    pub weth: Address,
    /// `DisputeGameFactory.sol`.
    pub factory: Address,
    /// `AnchorStateRegistry.sol`.
    pub registry: Address,
    /// The `FaultDisputeGame.sol` implementation.
    pub implementation: Address,
}

fn code(contract: Contract, args: &[u8]) -> Result<Vec<u8>, L1Error> {
    let mut code = contract
        .artifact()
        .map_err(|e| L1Error::Config(e.to_string()))?
        .bytecode;
    code.extend_from_slice(args);
    Ok(code)
}

/// Deploys everything from `l1`'s account (the factory's owner and the registry's guardian).
/// Only `RISCV.sol` games are deployed on a real node.
pub fn deploy(l1: &L1, p: &GameParams) -> Result<Deployment, L1Error> {
    if p.vm != VmKind::Riscv {
        return Err(L1Error::Config(
            "only RISCV.sol games are deployed on an L1 node".into(),
        ));
    }
    let word = |v: u64| U256::from(v).to_be_bytes::<32>();
    let (oracle, _) = l1.deploy(
        "PreimageOracle",
        code(Contract::PreimageOracle, &word(p.oracle_challenge_period))?,
    )?;
    let (vm, _) = l1.deploy("RISCV", code(Contract::Riscv, &oracle.abi_encode())?)?;
    let (weth, _) = l1.deploy(
        "DelayedWETH",
        code(Contract::DelayedWeth, &word(p.weth_delay))?,
    )?;
    let (factory, _) = l1.deploy(
        "DisputeGameFactory",
        code(Contract::DisputeGameFactory, &l1.address().abi_encode())?,
    )?;
    let registry_args = (
        factory,
        l1.address(),
        FixedBytes(p.starting_root),
        U256::from(p.starting_block),
        p.game_type,
        U256::from(p.finality_delay),
    )
        .abi_encode_params();
    let (registry, _) = l1.deploy(
        "AnchorStateRegistry",
        code(Contract::AnchorStateRegistry, &registry_args)?,
    )?;
    let implementation = deploy_implementation(l1, p, vm, weth, registry)?;
    l1.transact(
        factory,
        IDisputeGameFactory::setImplementationCall {
            gameType: p.game_type,
            r#impl: implementation,
        },
        U256::ZERO,
    )?;
    l1.transact(
        factory,
        IDisputeGameFactory::setInitBondCall {
            gameType: p.game_type,
            initBond: p.init_bond,
        },
        U256::ZERO,
    )?;
    Ok(Deployment {
        oracle,
        vm,
        weth,
        factory,
        registry,
        implementation,
    })
}

/// Deploys a `FaultDisputeGame` implementation with the parameters of `p` over the VM, DelayedWETH
/// and anchor state registry given (for a new prestate or new parameters beside a deployment);
/// registering it with the factory is the owner's `setImplementation`.
pub fn deploy_implementation(
    l1: &L1,
    p: &GameParams,
    vm: Address,
    weth: Address,
    registry: Address,
) -> Result<Address, L1Error> {
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
    let (implementation, _) = l1.deploy(
        "FaultDisputeGame",
        code(Contract::FaultDisputeGame, &params.abi_encode())?,
    )?;
    Ok(implementation)
}
