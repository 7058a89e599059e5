//! Prints the local chain's rollup config (op-node's `rollup.json`), the one compiled into the
//! fault proof program as `crates/chains/configs/verdict-devnet.json`:
//! `cargo run -p verdict-node --example rollup_config > crates/chains/configs/verdict-devnet.json`.

fn main() {
    let g = verdict_node::genesis::genesis();
    let v = verdict_node::genesis::rollup_config_json(g.hash);
    println!(
        "{}",
        serde_json::to_string_pretty(&v).expect("JSON serializes")
    );
}
