//! The oracle check's logic natively, over pipes, against the real host server.

use std::sync::Arc;
use verdict_guest::oracle_check;
use verdict_host::{serve, Host, LocalInputs, MemoryStore, Store};
use verdict_preimage::transport::channel_pair;
use verdict_preimage::{
    keccak256, sha256, HintClient, HintServer, OracleClient, OracleServer, PreimageKey,
};

fn host_with(
    l1_value: &[u8],
    claim_value: &[u8],
    stored_claim_value: &[u8],
) -> (Arc<Host>, LocalInputs) {
    let store = MemoryStore::default();
    let mut sha_key = PreimageKey(sha256(claim_value));
    sha_key.0[0] = 4;
    store
        .insert_all(&[
            (PreimageKey::keccak256(l1_value), l1_value.to_vec()),
            (sha_key, stored_claim_value.to_vec()),
        ])
        .unwrap();
    let locals = LocalInputs {
        l1_head: Some(keccak256(l1_value)),
        agreed_output_root: None,
        claimed_output_root: Some(sha256(claim_value)),
        claimed_block_number: Some(3),
        chain_id: Some(11155420),
        ..Default::default()
    };
    (Arc::new(Host::new(Arc::new(store), locals.clone())), locals)
}

fn run_check(
    host: Arc<Host>,
) -> (
    Result<oracle_check::Report, String>,
    Result<(), verdict_host::HostError>,
) {
    let (client_hints, host_hints) = channel_pair().unwrap();
    let (client_pre, host_pre) = channel_pair().unwrap();
    let server = std::thread::spawn(move || serve(host, host_hints, host_pre));
    let result = oracle_check::run(&OracleClient(client_pre), &HintClient(client_hints));
    (result, server.join().unwrap())
}

#[test]
fn reads_and_checks_every_kind_of_input_over_pipes() {
    let (host, _) = host_with(
        b"an L1 header",
        b"an output root preimage",
        b"an output root preimage",
    );
    let (report, served) = run_check(host.clone());
    let report = report.unwrap();
    served.unwrap();
    assert_eq!(report.l1_head_preimage_len, 12);
    assert_eq!(report.block_number, 3);
    assert_eq!(report.chain_id, 11155420);
    assert_eq!(host.hints.load(std::sync::atomic::Ordering::Relaxed), 1);
    // 4 local inputs, 2 preimages, then 3 rounds of 2.
    assert_eq!(host.served.load(std::sync::atomic::Ordering::Relaxed), 12);
}

#[test]
fn a_corrupt_store_is_refused_by_the_host() {
    let (host, _) = host_with(b"an L1 header", b"the true preimage", b"a false preimage");
    let (report, served) = run_check(host);
    assert!(report.is_err(), "the program must not get an answer");
    let err = served.unwrap_err().to_string();
    assert!(
        err.contains("0x04"),
        "the host names the corrupt key: {err}"
    );
}

#[test]
fn a_lying_server_is_caught_by_the_program() {
    // A server that answers every request from its own map without checking anything: the
    // program's own check is the last line of defence.
    let (_, locals) = host_with(b"an L1 header", b"the true preimage", b"a false preimage");
    let l1_value = b"an L1 header".to_vec();
    let mut lie_key = PreimageKey(sha256(b"the true preimage"));
    lie_key.0[0] = 4;
    let (client_hints, host_hints) = channel_pair().unwrap();
    let (client_pre, host_pre) = channel_pair().unwrap();
    std::thread::spawn(move || {
        let server = HintServer(host_hints);
        while let Ok(true) = server.serve_one(|_| Ok::<(), String>(())) {}
    });
    std::thread::spawn(move || {
        let server = OracleServer(host_pre);
        while let Ok(true) = server.serve_one(|key| match locals.get(&key) {
            Ok(Some(v)) => Ok(v),
            _ if key == PreimageKey::keccak256(&l1_value) => Ok(l1_value.clone()),
            _ if key == lie_key => Ok(b"a false preimage".to_vec()),
            _ => Err("unknown key".to_string()),
        }) {}
    });
    let result = oracle_check::run(&OracleClient(client_pre), &HintClient(client_hints));
    let err = result.unwrap_err();
    assert!(err.contains("does not match its key 0x04"), "{err}");
}
