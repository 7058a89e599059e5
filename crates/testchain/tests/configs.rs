//! The synthetic chains' configs in crates/chains are this crate's: the same text as the builder
//! writes, parsed alike by verdict-derive and crates/program, naming the builder's genesis.

use verdict_derive::Fork;
use verdict_testchain::genesis::{l1_genesis_header, l2_genesis, L2_GENESIS_TIME};
use verdict_testchain::SynthChain;

#[test]
fn the_compiled_in_configs_are_the_builders() {
    for chain in SynthChain::ALL {
        let known = verdict_chains::chain(chain.chain_id()).expect("in crates/chains");
        assert_eq!(known.name, chain.name());
        assert!(
            known.rollup_config == chain.rollup_config_json(),
            "crates/chains/configs/{}.json is stale: run `cargo run -p verdict-testchain \
             --example configs`",
            chain.name()
        );
        let d = chain.derive_config().unwrap();
        assert_eq!(d.genesis.l1.hash, l1_genesis_header().hash_slow());
        assert_eq!(d.genesis.l1.number, l1_genesis_header().number);
        assert_eq!(d.genesis.l2.hash, l2_genesis(chain).hash);
        assert_eq!(d.genesis.l2_time, L2_GENESIS_TIME);
        assert_eq!(
            d.genesis.system_config.batcher_address,
            verdict_testchain::genesis::batcher_address()
        );
        assert_eq!(d.l2_chain_id, chain.chain_id());
        assert_eq!(d.block_time, 2);
        assert_eq!(
            d.l1_blob_schedule.len(),
            2,
            "Cancun and Prague at the L1 genesis"
        );
        let p = chain.program_config().unwrap();
        assert_eq!(p.l2_chain_id, chain.chain_id());
        for (fork, offset) in chain.fork_offsets() {
            let time = offset.map(|t| if t == 0 { 0 } else { L2_GENESIS_TIME + t });
            assert_eq!(d.fork_time(fork), time, "{} {fork:?}", chain.name());
        }
        // Both parsers agree on every fork time.
        let pairs = [
            (d.regolith_time, p.regolith_time),
            (d.canyon_time, p.canyon_time),
            (d.delta_time, p.delta_time),
            (d.ecotone_time, p.ecotone_time),
            (d.fjord_time, p.fjord_time),
            (d.granite_time, p.granite_time),
            (d.holocene_time, p.holocene_time),
            (d.isthmus_time, p.isthmus_time),
            (d.jovian_time, p.jovian_time),
        ];
        for (a, b) in pairs {
            assert_eq!(a, b, "{}", chain.name());
        }
    }
}

#[test]
fn the_schedules_are_as_named() {
    let synth = SynthChain::Synth.derive_config().unwrap();
    assert!(synth.is_active(Fork::Isthmus, L2_GENESIS_TIME));
    let fork = SynthChain::Fork.derive_config().unwrap();
    assert!(fork.is_active(Fork::Granite, L2_GENESIS_TIME));
    assert!(!fork.is_active(Fork::Holocene, L2_GENESIS_TIME + 58));
    assert!(fork.is_active(Fork::Holocene, L2_GENESIS_TIME + 60));
    assert!(!fork.is_active(Fork::Isthmus, L2_GENESIS_TIME + 118));
    assert!(fork.is_active(Fork::Isthmus, L2_GENESIS_TIME + 120));
    let granite = SynthChain::Granite.derive_config().unwrap();
    assert!(granite.is_active(Fork::Granite, L2_GENESIS_TIME));
    assert!(!granite.is_active(Fork::Holocene, u64::MAX));
    // Different chains, different genesis blocks.
    assert_ne!(synth.genesis.l2.hash, fork.genesis.l2.hash);
    assert_ne!(fork.genesis.l2.hash, granite.genesis.l2.hash);
}
