//! Derivation throughput, natively: L2 blocks derived per second and MB of batcher data per
//! second (calldata and decoded blob data) over seeded synthetic chains. `cargo bench -p verdict-derive --bench derive`
//! (`VERDICT_DERIVE_BENCH_SEEDS` chains, 200 by default; needs the shared fixtures for the
//! upgrade transactions' bytecode).

use alloy_consensus::Transaction;
use alloy_primitives::{keccak256, Bytes};
use std::path::PathBuf;
use std::time::Instant;
use verdict_derive::generator::{derive_all, generate, CodeStore, Options};

fn code_store() -> CodeStore {
    let dir = std::env::var_os("VERDICT_FIXTURES")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/fixtures")
        })
        .join("upgrade-txs");
    let mut store = CodeStore::default();
    for e in
        std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("fixtures at {}: {e}", dir.display()))
    {
        let p = e.unwrap().path();
        let name = p.file_name().unwrap().to_str().unwrap().to_owned();
        if name.ends_with(".hex") && !name.contains("_tx_") {
            let code =
                alloy_primitives::hex::decode(std::fs::read_to_string(&p).unwrap().trim()).unwrap();
            store.0.insert(keccak256(&code), Bytes::from(code));
        }
    }
    store
}

fn main() {
    let code = code_store();
    let seeds: u64 = std::env::var("VERDICT_DERIVE_BENCH_SEEDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(200);
    let opts = Options {
        l1_blocks: 80,
        ..Options::default()
    };
    let scenarios: Vec<_> = (0..seeds)
        .map(|s| generate(s, &code, &opts).expect("generate"))
        .collect();
    let inbox = scenarios[0].cfg.batch_inbox_address;
    let mut bytes = 0usize;
    for s in &scenarios {
        for block in &s.l1.txs {
            for t in block {
                let t: &alloy_consensus::TxEnvelope = t;
                if Transaction::kind(t) == alloy_primitives::TxKind::Call(inbox) {
                    bytes += Transaction::input(t).len();
                    for h in Transaction::blob_versioned_hashes(t).unwrap_or_default() {
                        let blob = &s.l1.blobs[h].1;
                        bytes += verdict_derive::blob::decode_blob(blob).map_or(0, |d| d.len());
                    }
                }
            }
        }
    }
    let start = Instant::now();
    let mut blocks = 0usize;
    for s in &scenarios {
        blocks += derive_all(s, &code).expect("derive").len();
    }
    let secs = start.elapsed().as_secs_f64();
    println!(
        "derive: {seeds} chains, {blocks} L2 blocks, {:.1} MB of batcher data in {secs:.2} s: {:.0} blocks/s, {:.1} MB/s",
        bytes as f64 / 1e6,
        blocks as f64 / secs,
        bytes as f64 / 1e6 / secs
    );
}
