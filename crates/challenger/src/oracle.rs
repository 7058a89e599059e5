//! The onchain PreimageOracle a game's VM reads during a step, and how an actor loads the part a
//! step reads into it first: a local input through the game's `addLocalData` (the game is the
//! caller, the subgame's local context the context), a global preimage as the contract's
//! `loadKeccak256PreimagePart` / `loadSha256PreimagePart` would (checked against its key).

use crate::providers::StepData;
use std::cell::RefCell;
use std::rc::Rc;
use verdict_game::{Address, Game};
use verdict_preimage::onchain::{localize_key, PreimageStore, StepContext};
use verdict_preimage::KeyType;

/// The PreimageOracle contract's storage, shared by the actors that load it and the VM that
/// reads it.
pub type SharedOracle = Rc<RefCell<PreimageStore>>;

/// Loads what the step of `data` against the leaf at `leaf` reads into `oracle`, as an actor
/// does before calling `step` on the game at `game_address`.
pub fn load_for_step(
    oracle: &SharedOracle,
    game: &Game,
    game_address: Address,
    leaf: usize,
    data: &StepData,
) -> Result<(), String> {
    let Some(p) = &data.preimage else {
        return Ok(());
    };
    let value = p
        .value
        .get(8..)
        .ok_or("the preimage witness lacks its length prefix")?;
    match KeyType::from_byte(p.key[0]) {
        Some(KeyType::Local) => {
            let ident = u64::from_be_bytes(p.key[24..].try_into().expect("8 bytes"));
            let (uuid, word, size) = game
                .local_data(ident, leaf)
                .map_err(|e| format!("addLocalData({ident}): {e}"))?;
            let ctx = StepContext {
                local_context: uuid,
                caller: game_address.into_array(),
            };
            oracle
                .borrow_mut()
                .insert_local(localize_key(&p.key, &ctx), word[..size].to_vec());
        }
        // Blob field elements and precompile results: the contract checks them (the
        // point-evaluation precompile, running the precompile) as it loads them; the model
        // stores what the actor loads, which is the value its host checked.
        Some(KeyType::Keccak256 | KeyType::Sha256 | KeyType::Blob | KeyType::Precompile) => oracle
            .borrow_mut()
            .insert_global(p.key, value.to_vec())
            .map_err(|e| format!("loading the preimage: {e}"))?,
        _ => {
            return Err(format!(
                "no onchain loading for preimage key type {:#04x} yet",
                p.key[0]
            ))
        }
    }
    Ok(())
}
