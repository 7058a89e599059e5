//! Bad input from the chain: games no contract following the rules can hold, served by a fake L1
//! node (a loopback JSON-RPC server answering the factory's and the games' views). Each is
//! skipped with its reason logged and kept in the progress file; the challenger never panics and
//! never sends a transaction to them. Needs no anvil; the program's ELF (any guest) for the
//! challenger's prestate.

use alloy_primitives::{Address, FixedBytes, U256};
use alloy_sol_types::SolCall;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::sync::Arc;
use verdict_contracts::bindings::{
    IDisputeGameFactory, IFaultDisputeGame, IPreimageOracle, IRISCV,
};
use verdict_onchain::challenger::{Challenger, ChallengerConfig};
use verdict_onchain::progress::GameState;
use verdict_rpc::{MethodError, Server};

const FACTORY: Address = Address::new([0xfa; 20]);
const VM: Address = Address::new([0x0b; 20]);
const ORACLE: Address = Address::new([0x0c; 20]);

/// A game's views.
#[derive(Clone)]
struct FakeGame {
    max_depth: u64,
    split_depth: u64,
    claims: Vec<IFaultDisputeGame::claimDataReturn>,
}

fn root() -> IFaultDisputeGame::claimDataReturn {
    IFaultDisputeGame::claimDataReturn {
        parentIndex: u32::MAX,
        counteredBy: Address::ZERO,
        claimant: Address::with_last_byte(1),
        bond: 80_000_000_000_000_000,
        claim: FixedBytes([5; 32]),
        position: 1,
        clock: 1_750_000_000,
    }
}

fn child(parent: u32, position: u128, bond: u128) -> IFaultDisputeGame::claimDataReturn {
    IFaultDisputeGame::claimDataReturn {
        parentIndex: parent,
        counteredBy: Address::ZERO,
        claimant: Address::with_last_byte(2),
        bond,
        claim: FixedBytes([6; 32]),
        position,
        clock: 1_750_000_100,
    }
}

fn fake(games: Vec<(u32, FakeGame)>) -> impl Fn(&str, &Value) -> Result<Value, MethodError> {
    let addr = |i: usize| Address::with_last_byte(0x40 + i as u8);
    let by_addr: BTreeMap<Address, FakeGame> = games
        .iter()
        .enumerate()
        .map(|(i, (_, g))| (addr(i), g.clone()))
        .collect();
    let types: Vec<u32> = games.iter().map(|(t, _)| *t).collect();
    move |method: &str, params: &Value| -> Result<Value, MethodError> {
        match method {
            "eth_chainId" => Ok(json!("0x384")),
            "eth_getBlockByNumber" => Ok(json!({
                "number": "0x10", "timestamp": "0x684ee1e0", "baseFeePerGas": "0x1"
            })),
            "eth_call" => {
                let to: Address = params[0]["to"]
                    .as_str()
                    .and_then(|s| s.parse().ok())
                    .ok_or_else(|| MethodError::params("to"))?;
                let data = params[0]["data"]
                    .as_str()
                    .and_then(|s| hex::decode(s.trim_start_matches("0x")).ok())
                    .ok_or_else(|| MethodError::params("data"))?;
                let out = view(&by_addr, &types, to, &data)
                    .ok_or_else(|| MethodError::server("execution reverted"))?;
                Ok(json!(format!("0x{}", hex::encode(out))))
            }
            m => Err(MethodError::not_found(m)),
        }
    }
}

fn view(
    games: &BTreeMap<Address, FakeGame>,
    types: &[u32],
    to: Address,
    data: &[u8],
) -> Option<Vec<u8>> {
    use IDisputeGameFactory as F;
    use IFaultDisputeGame as G;
    let sel: [u8; 4] = data.get(..4)?.try_into().ok()?;
    if to == FACTORY {
        return match sel {
            F::gameCountCall::SELECTOR => Some(F::gameCountCall::abi_encode_returns(&U256::from(
                types.len(),
            ))),
            F::gameAtIndexCall::SELECTOR => {
                let i = F::gameAtIndexCall::abi_decode(data).ok()?.index;
                let i = usize::try_from(i).ok()?;
                Some(F::gameAtIndexCall::abi_encode_returns(
                    &F::gameAtIndexReturn {
                        gameType: *types.get(i)?,
                        timestamp: 1_750_000_000,
                        proxy: Address::with_last_byte(0x40 + i as u8),
                    },
                ))
            }
            _ => None,
        };
    }
    if to == VM && sel == IRISCV::oracleCall::SELECTOR {
        return Some(IRISCV::oracleCall::abi_encode_returns(&ORACLE));
    }
    if to == ORACLE && sel == IPreimageOracle::challengePeriodCall::SELECTOR {
        return Some(IPreimageOracle::challengePeriodCall::abi_encode_returns(
            &U256::from(86_400),
        ));
    }
    let g = games.get(&to)?;
    Some(match sel {
        G::vmCall::SELECTOR => G::vmCall::abi_encode_returns(&VM),
        G::gameTypeCall::SELECTOR => G::gameTypeCall::abi_encode_returns(&2),
        G::absolutePrestateCall::SELECTOR => {
            G::absolutePrestateCall::abi_encode_returns(&FixedBytes([3; 32]))
        }
        G::maxGameDepthCall::SELECTOR => {
            G::maxGameDepthCall::abi_encode_returns(&U256::from(g.max_depth))
        }
        G::splitDepthCall::SELECTOR => {
            G::splitDepthCall::abi_encode_returns(&U256::from(g.split_depth))
        }
        G::maxClockDurationCall::SELECTOR => G::maxClockDurationCall::abi_encode_returns(&302_400),
        G::clockExtensionCall::SELECTOR => G::clockExtensionCall::abi_encode_returns(&10_800),
        G::l2ChainIdCall::SELECTOR => G::l2ChainIdCall::abi_encode_returns(&U256::from(901)),
        G::startingOutputRootCall::SELECTOR => {
            G::startingOutputRootCall::abi_encode_returns(&G::startingOutputRootReturn {
                root: FixedBytes([1; 32]),
                l2BlockNumber: U256::from(2),
            })
        }
        G::l2BlockNumberCall::SELECTOR => G::l2BlockNumberCall::abi_encode_returns(&U256::from(6)),
        G::l1HeadCall::SELECTOR => G::l1HeadCall::abi_encode_returns(&FixedBytes([9; 32])),
        G::statusCall::SELECTOR => G::statusCall::abi_encode_returns(&0),
        G::claimDataLenCall::SELECTOR => {
            G::claimDataLenCall::abi_encode_returns(&U256::from(g.claims.len()))
        }
        G::claimDataCall::SELECTOR => {
            let i = usize::try_from(G::claimDataCall::abi_decode(data).ok()?.index).ok()?;
            G::claimDataCall::abi_encode_returns(g.claims.get(i)?)
        }
        _ => return None,
    })
}

#[test]
fn malformed_games_are_skipped_with_their_reasons() {
    let Some(elf) = verdict_onchain::testing::needed(
        std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../guests/build/hello.elf"),
        "run scripts/build-guests.sh",
    ) else {
        return;
    };
    let ok = |claims| FakeGame {
        max_depth: 73,
        split_depth: 30,
        claims,
    };
    // The bond of a move to depth 1 under the real parameters, to the wei.
    let bond1 = verdict_game::bond::BondTable::new(73)
        .unwrap()
        .of(verdict_game::Position(2))
        .unwrap();
    let games = vec![
        // 0: a type we do not play.
        (7, ok(vec![root()])),
        // 1: a claim whose parent comes after it.
        (2, ok(vec![root(), child(5, 2, bond1)])),
        // 2: a claim at a position no move reaches from its parent's.
        (2, ok(vec![root(), child(0, 9, bond1)])),
        // 3: a bond the rules do not ask for.
        (2, ok(vec![root(), child(0, 2, 1)])),
        // 4: parameters the contract refuses (split depth past the max depth).
        (
            2,
            FakeGame {
                max_depth: 10,
                split_depth: 30,
                claims: vec![root()],
            },
        ),
        // 5: no claims at all.
        (2, ok(vec![])),
        // 6: a root claim at another position.
        (2, ok(vec![child(u32::MAX, 2, 1)])),
    ];
    let n = games.len();
    let handler: Arc<verdict_rpc::Handler> = Arc::new(fake(games));
    let server = Server::start("127.0.0.1:0", handler).unwrap();
    let url = server.url();
    let dir = tempfile::tempdir().unwrap();
    let mut c = Challenger::new(ChallengerConfig {
        l1_rpc: url.clone(),
        l1_beacon: url.clone(),
        rollup_rpc: url.clone(),
        l2_rpc: url.clone(),
        factory: FACTORY,
        key: alloy_primitives::keccak256("malformed"),
        datadir: dir.path().to_path_buf(),
        prestate: elf,
        game_types: vec![2],
        snapshot_every: 1 << 20,
        clock_margin: 3600,
        client: verdict_onchain::testing::client(),
    })
    .unwrap();
    let events = c.tick().unwrap();
    assert!(events.is_empty(), "{events:?}");
    let p = c.progress();
    assert_eq!(p.next_index, n as u64);
    let reason = |i: u8| {
        let g = &p.games[&Address::with_last_byte(0x40 + i)];
        assert_eq!(g.state, GameState::Skipped, "game {i}: {g:?}");
        assert_eq!(g.transactions, 0);
        g.reason.clone().unwrap()
    };
    let expect = [
        "game type 7",
        "parent 5 is not an earlier claim",
        "is no move from its parent's",
        "not a legal move: IncorrectBondAmount",
        "parameters the contract would refuse",
        "0 claims",
        "claim 0 is not a root claim",
    ];
    for (i, e) in expect.iter().enumerate() {
        let r = reason(i as u8);
        eprintln!("game {i}: {r}");
        assert!(r.contains(e), "game {i}: {r:?} should say {e:?}");
    }
    // The progress file says the same after a restart, and nothing is looked at again.
    drop(c);
    let p2 = verdict_onchain::progress::Progress::load(dir.path(), FACTORY).unwrap();
    assert_eq!(p2.games.len(), n);
    assert!(p2.games.values().all(|g| g.state == GameState::Skipped));
}
