//! Preimages served per second over pipes: the oracle-check logic natively against the real host
//! server, alternating between two keys so that every read is a round trip.
//!
//! `cargo run --release -p verdict-guest --example preimage_bench [rounds]`

use std::sync::Arc;
use std::time::Instant;
use verdict_host::{serve, Host, LocalInputs, MemoryStore, Store};
use verdict_preimage::transport::channel_pair;
use verdict_preimage::{keccak256, sha256, HintClient, OracleClient, PreimageKey};

fn main() {
    let rounds: u64 = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(200_000);
    let (a, b) = (vec![7u8; 500], vec![9u8; 100]);
    let store = MemoryStore::default();
    let mut sha_key = PreimageKey(sha256(&b));
    sha_key.0[0] = 4;
    store
        .insert_all(&[
            (PreimageKey::keccak256(&a), a.clone()),
            (sha_key, b.clone()),
        ])
        .unwrap();
    let locals = LocalInputs {
        l1_head: Some(keccak256(&a)),
        agreed_output_root: None,
        claimed_output_root: Some(sha256(&b)),
        claimed_block_number: Some(rounds),
        chain_id: Some(1),
        ..Default::default()
    };
    let host = Arc::new(Host::new(Arc::new(store), locals));
    let (client_hints, host_hints) = channel_pair().unwrap();
    let (client_pre, host_pre) = channel_pair().unwrap();
    let server_host = host.clone();
    let server = std::thread::spawn(move || serve(server_host, host_hints, host_pre));
    let start = Instant::now();
    let report =
        verdict_guest::oracle_check::run(&OracleClient(client_pre), &HintClient(client_hints))
            .unwrap();
    let elapsed = start.elapsed().as_secs_f64();
    server.join().unwrap().unwrap();
    let served = host.served.load(std::sync::atomic::Ordering::Relaxed);
    println!(
        "{served} preimages ({} rounds, values of 500 and 100 bytes, each checked against its key) in {elapsed:.3} s: {:.0} preimages/s",
        report.rounds,
        served as f64 / elapsed
    );
}
