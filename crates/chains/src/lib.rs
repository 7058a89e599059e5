//! The chains Verdict's fault proof programs know by chain id, their rollup configs kept as data
//! (one JSON file per chain in `configs/`, op-node's `rollup.json` format, with every fork time)
//! and compiled into the program, so that the program's prestate commits to them: a dispute never
//! needs a config read from a local input (which the onchain oracle could not prove).
//!
//! Sources: the superchain registry's chain configs (`superchain/configs/<network>/op.toml`) and
//! the protocol's constants (channel timeouts).
#![no_std]

/// A chain the programs know.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct KnownChain {
    /// Its name.
    pub name: &'static str,
    /// The L2 chain id.
    pub chain_id: u64,
    /// The rollup config, op-node's JSON format.
    pub rollup_config: &'static str,
}

/// Every chain the programs know.
pub const CHAINS: &[KnownChain] = &[
    KnownChain {
        name: "OP Mainnet",
        chain_id: 10,
        rollup_config: include_str!("../configs/op-mainnet.json"),
    },
    KnownChain {
        name: "OP Sepolia",
        chain_id: 11155420,
        rollup_config: include_str!("../configs/op-sepolia.json"),
    },
];

/// The known chain with this id.
pub fn chain(chain_id: u64) -> Option<&'static KnownChain> {
    CHAINS.iter().find(|c| c.chain_id == chain_id)
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_config_names_its_own_chain_id() {
        for c in super::CHAINS {
            let needle = alloc_free_needle(c.chain_id);
            assert!(
                c.rollup_config.contains(needle.as_str()),
                "{} does not say l2_chain_id {}",
                c.name,
                c.chain_id
            );
        }
    }

    extern crate std;
    fn alloc_free_needle(id: u64) -> std::string::String {
        std::format!("\"l2_chain_id\": {id},")
    }
}
