//! The local chain's rollup config compiled into the fault proof program is the one the node
//! builds on; the predeploys' committed bytecode is what solc makes of their sources.

#[test]
fn the_compiled_in_config_is_current() {
    let g = verdict_node::genesis::genesis();
    let want = verdict_node::genesis::rollup_config_json(g.hash);
    let chain = verdict_chains::chain(verdict_node::devnet::L2_CHAIN_ID)
        .expect("crates/chains knows the local chain");
    let have: serde_json::Value = serde_json::from_str(chain.rollup_config).unwrap();
    assert_eq!(
        have, want,
        "crates/chains/configs/verdict-devnet.json is stale: cargo run -p verdict-node --example \
         rollup_config > crates/chains/configs/verdict-devnet.json"
    );
}

#[test]
fn the_predeploy_artifacts_match_their_sources() {
    let solc = std::process::Command::new("solcjs")
        .arg("--version")
        .output();
    if solc.is_err() {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "CI=true and solcjs is missing: run scripts/install-deps.sh"
        );
        eprintln!("skipping: solcjs is not installed");
        return;
    }
    let script = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../scripts/compile-contracts.sh"
    );
    let out = std::process::Command::new("bash")
        .arg(script)
        .arg("--check")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}
