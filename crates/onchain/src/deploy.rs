//! Deploys the dispute game contracts on an L1 node over JSON-RPC from one account, through
//! [`verdict_contracts::GameDeployment::deploy`] (the sequence the in-memory EVM and the replays
//! use): the preimage oracle, the RISC-V step (`RISCV.sol`), DelayedWETH, the factory, the anchor
//! state registry and the `FaultDisputeGame` implementation, registered with the factory with its
//! init bond.

use crate::l1::{L1Error, L1};
use alloy_primitives::{Address, FixedBytes, Log, B256, U256};
use alloy_sol_types::SolValue;
use verdict_contracts::bindings::IFaultDisputeGame;
use verdict_contracts::{
    CallOutcome, Contract, EvmError, GameDeployment, GameParams, VmKind, L1 as ContractsL1,
};

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
pub type Deployment = GameDeployment;

fn code(contract: Contract, args: &[u8]) -> Result<Vec<u8>, L1Error> {
    verdict_contracts::creation_code(contract, args).map_err(L1Error::Config)
}

/// Our account on a real L1 as the deployment in `verdict-contracts` sees a chain
/// ([`verdict_contracts::L1`]): transactions from this one account only, no funding and no time
/// travel (a real chain has neither).
struct Signer<'a>(&'a L1);

fn evm_err(e: impl std::fmt::Display) -> EvmError {
    EvmError::Invalid(e.to_string())
}

fn receipt_logs(r: &crate::l1::Receipt) -> Vec<Log> {
    let Some(logs) = r.raw["logs"].as_array() else {
        return Vec::new();
    };
    logs.iter()
        .filter_map(|l| {
            let address: Address = l["address"].as_str()?.parse().ok()?;
            let topics: Vec<B256> = l["topics"]
                .as_array()?
                .iter()
                .filter_map(|t| t.as_str()?.parse().ok())
                .collect();
            let data = hex::decode(l["data"].as_str()?.trim_start_matches("0x")).ok()?;
            Log::new(address, topics, data.into())
        })
        .collect()
}

impl ContractsL1 for Signer<'_> {
    fn fund(&mut self, _who: Address, _wei: U256) -> Result<(), EvmError> {
        Err(evm_err("a real L1 funds no account"))
    }

    fn balance_of(&mut self, who: Address) -> Result<U256, EvmError> {
        self.0.balance(who).map_err(evm_err)
    }

    fn set_timestamp(&mut self, _timestamp: u64) -> Result<(), EvmError> {
        Err(evm_err("a real L1 has no time travel"))
    }

    fn timestamp(&self) -> u64 {
        self.0.head().map_or(0, |(_, t)| t)
    }

    fn transact(
        &mut self,
        from: Address,
        to: Option<Address>,
        data: Vec<u8>,
        value: U256,
    ) -> Result<CallOutcome, EvmError> {
        if from != self.0.address() {
            return Err(evm_err(format!(
                "only {} signs here, not {from}",
                self.0.address()
            )));
        }
        match self.0.send("a deployment transaction", to, data, value) {
            Ok(r) => Ok(CallOutcome::Success {
                output: r
                    .contract_address
                    .map(|a| a.to_vec().into())
                    .unwrap_or_default(),
                gas_used: r.gas_used,
                execution_gas: 0,
                logs: receipt_logs(&r),
            }),
            Err(L1Error::Reverted { reason, .. }) => Ok(CallOutcome::Revert {
                data: reason.into_bytes().into(),
                gas_used: 0,
            }),
            Err(e) => Err(evm_err(e)),
        }
    }

    fn view(&mut self, to: Address, data: Vec<u8>) -> Result<CallOutcome, EvmError> {
        match self.0.call_raw(to, data) {
            Ok(out) => Ok(CallOutcome::Success {
                output: out.into(),
                gas_used: 0,
                execution_gas: 0,
                logs: Vec::new(),
            }),
            Err(L1Error::Reverted { reason, .. }) => Ok(CallOutcome::Revert {
                data: reason.into_bytes().into(),
                gas_used: 0,
            }),
            Err(e) => Err(evm_err(e)),
        }
    }
}

/// Deploys everything from `l1`'s account (the factory's owner and the registry's guardian), by
/// [`GameDeployment::deploy`], the same sequence as into the in-memory EVM. Only `RISCV.sol`
/// games are deployed on a real node.
pub fn deploy(l1: &L1, p: &GameParams) -> Result<Deployment, L1Error> {
    if p.vm != VmKind::Riscv {
        return Err(L1Error::Config(
            "only RISCV.sol games are deployed on an L1 node".into(),
        ));
    }
    GameDeployment::deploy(&mut Signer(l1), l1.address(), p).map_err(|e| L1Error::Reverted {
        what: "deploying the game contracts".into(),
        reason: e.to_string(),
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

/// Checks `p` as the `FaultDisputeGame` constructor checks its parameters (the oracle's
/// challenge period included), so that a bad combination is refused with the reason before
/// anything is deployed rather than by a revert. The messages name `verdict deploy-games`'s
/// flags.
pub fn check_params(p: &GameParams) -> Result<(), String> {
    const MAX_DEPTH: u64 = verdict_game::MAX_POSITION_BITLEN - 1;
    if p.max_game_depth > MAX_DEPTH {
        return Err(format!(
            "--max-game-depth {} is more than {MAX_DEPTH} (positions are {} bits)",
            p.max_game_depth,
            MAX_DEPTH + 1
        ));
    }
    if p.split_depth < 2 || p.split_depth + 1 >= p.max_game_depth {
        return Err(format!(
            "--split-depth {} must be at least 2 and less than --max-game-depth {} minus 1 \
             (the execution game below the split needs at least one level)",
            p.split_depth, p.max_game_depth
        ));
    }
    let (ext, max, period) = (
        u128::from(p.clock_extension),
        u128::from(p.max_clock_duration),
        u128::from(p.oracle_challenge_period),
    );
    if 2 * ext > max {
        return Err(format!(
            "--clock-extension {} s: twice it (the extension at the split depth) is more than \
             --max-clock-duration {} s",
            p.clock_extension, p.max_clock_duration
        ));
    }
    if ext + period > max {
        return Err(format!(
            "--clock-extension {} s plus --preimage-challenge-period {} s (the extension before \
             a step) is more than --max-clock-duration {} s",
            p.clock_extension, p.oracle_challenge_period, p.max_clock_duration
        ));
    }
    if p.max_clock_duration == 0 {
        return Err("--max-clock-duration must be more than 0".into());
    }
    let config = verdict_game::GameConfig {
        game_type: p.game_type,
        absolute_prestate: verdict_game::Claim(p.absolute_prestate),
        max_game_depth: p.max_game_depth,
        split_depth: p.split_depth,
        max_clock_duration: p.max_clock_duration,
        clock_extension: p.clock_extension,
        oracle_challenge_period: p.oracle_challenge_period,
        l2_chain_id: p.l2_chain_id,
    };
    config
        .validate()
        .map_err(|e| format!("the game's parameters: {e:?}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_constructor_checks_are_made_before_deploying() {
        let ok = real_params([1; 32], 901, [2; 32], 1);
        assert_eq!(check_params(&ok), Ok(()));
        let bad = |f: &dyn Fn(&mut GameParams)| {
            let mut p = ok.clone();
            f(&mut p);
            check_params(&p).unwrap_err()
        };
        assert!(bad(&|p| p.max_game_depth = 126).contains("--max-game-depth"));
        assert!(bad(&|p| p.split_depth = 1).contains("--split-depth"));
        assert!(bad(&|p| p.split_depth = 72).contains("--split-depth"));
        assert!(bad(&|p| p.clock_extension = p.max_clock_duration / 2 + 1).contains("twice"));
        assert!(bad(&|p| p.oracle_challenge_period = p.max_clock_duration)
            .contains("--preimage-challenge-period"));
        assert!(bad(&|p| {
            p.max_clock_duration = 0;
            p.clock_extension = 0;
            p.oracle_challenge_period = 0
        })
        .contains("more than 0"));
    }
}
