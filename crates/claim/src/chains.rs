//! The chains the program knows (`verdict-chains`): their configs are compiled in, so the
//! program's prestate commits to them and no config is ever read from a local key.

use crate::error::ClaimError;
use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

/// A known chain's configs as derivation and execution read them.
pub struct ChainConfigs {
    /// The chain's name.
    pub name: &'static str,
    /// The rollup config, as derivation reads it.
    pub derive: verdict_derive::config::RollupConfig,
    /// The rollup config, as execution reads it.
    pub execute: verdict_program::RollupConfig,
}

/// The configs of the chain with `chain_id`.
pub fn configs(chain_id: u64) -> Result<ChainConfigs, ClaimError> {
    let chain = verdict_chains::chain(chain_id).ok_or_else(|| {
        let known: Vec<String> = verdict_chains::CHAINS
            .iter()
            .map(|c| format!("{} ({})", c.name, c.chain_id))
            .collect();
        ClaimError::BadBootInput(format!(
            "unknown L2 chain id {chain_id}: this program knows {}; a chain's config is compiled \
             into the program (crates/chains), never read from a local input",
            known.join(", ")
        ))
    })?;
    parse(chain)
}

/// The configs of `chain`, parsed by derivation's and execution's readers; a config that does not
/// parse is a failure of the program (exit 5), naming the chain and the field.
pub fn parse(chain: &verdict_chains::KnownChain) -> Result<ChainConfigs, ClaimError> {
    let bad = |e: &dyn core::fmt::Display| {
        ClaimError::Failed(format!("the compiled-in config of {}: {e}", chain.name))
    };
    let json = chain.rollup_config.as_bytes();
    Ok(ChainConfigs {
        name: chain.name,
        derive: verdict_derive::json::rollup_config_from_slice(json).map_err(|e| bad(&e))?,
        execute: verdict_program::json::rollup_config_from_slice(json).map_err(|e| bad(&e))?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_known_chain_parses_and_a_malformed_config_is_named() {
        for chain in verdict_chains::CHAINS {
            let c = parse(chain).unwrap();
            assert_eq!(c.execute.l2_chain_id, chain.chain_id, "{}", chain.name);
        }
        for broken in ["{", "{}", r#"{"l2_chain_id": "ten"}"#] {
            let chain = verdict_chains::KnownChain {
                name: "Broken",
                chain_id: 1,
                rollup_config: broken,
            };
            let e = parse(&chain).err().unwrap();
            assert_eq!(e.exit_code(), 5, "{e}");
            assert!(
                e.to_string().contains("the compiled-in config of Broken"),
                "{e}"
            );
        }
    }
}
