//! Writes the synthetic chains' rollup configs into `crates/chains/configs/` (run it after a
//! change to the genesis; a test checks the files are current).

use std::path::Path;
use verdict_testchain::SynthChain;

fn main() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../chains/configs");
    for chain in SynthChain::ALL {
        let path = dir.join(format!("{}.json", chain.name()));
        if let Err(e) =
            verdict_testchain::fixture::write_atomic(&path, chain.rollup_config_json().as_bytes())
        {
            eprintln!("{e}");
            std::process::exit(1);
        }
        println!("{}", path.display());
    }
}
