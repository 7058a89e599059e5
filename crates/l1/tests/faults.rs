//! Faults on the RPC paths: anvil stopped mid-run, a node that never answers, an error answer, a
//! node that comes up late. Errors name the endpoint and the request; transport failures and
//! timeouts are retried with backoff (so a late node is waited for), error answers are not.

use std::time::{Duration, Instant};
use verdict_l1::anvil::{require_for_test, Anvil, AnvilOptions};
use verdict_l1::l2::L2Client;
use verdict_l1::rpc::{runtime, L1Client, Retry};
use verdict_l1::testing::{FakeL2Node, NodeState};

fn quick() -> Retry {
    Retry {
        attempts: 3,
        timeout: Duration::from_millis(500),
        backoff: Duration::from_millis(50),
    }
}

#[test]
fn anvil_stopped_mid_run_gives_a_clear_error_after_retries() {
    if require_for_test("anvil_stopped_mid_run_gives_a_clear_error_after_retries").is_none() {
        return;
    }
    let rt = runtime().unwrap();
    let mut anvil = Anvil::start(&AnvilOptions::default()).unwrap();
    let url = anvil.url();
    let l1 = L1Client::new(&url, &url).unwrap().with_retry(quick());
    assert!(rt.block_on(l1.block_by_number(0)).unwrap().is_some());
    anvil.stop(Duration::from_secs(5)).unwrap();
    let e = rt.block_on(l1.block_by_number(0)).unwrap_err().to_string();
    assert!(
        e.contains(&url) && e.contains("eth_getBlockByNumber(0, true)"),
        "{e}"
    );
    assert!(e.contains("after 3 attempts"), "{e}");
    let e = rt
        .block_on(l1.blobs(alloy_primitives::B256::ZERO))
        .unwrap_err()
        .to_string();
    assert!(
        e.contains(&format!("beacon GET {url}/eth/v1/beacon/blobs/")),
        "{e}"
    );
}

#[test]
fn a_node_that_never_answers_times_out_naming_the_request() {
    // Accepts connections, never answers.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let hold = std::thread::spawn(move || {
        let mut conns = Vec::new();
        listener.set_nonblocking(true).unwrap();
        let end = Instant::now() + Duration::from_secs(5);
        while Instant::now() < end {
            if let Ok((c, _)) = listener.accept() {
                conns.push(c);
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    });
    let rt = runtime().unwrap();
    let l2 = L2Client::new(&url).unwrap().with_retry(quick());
    let started = Instant::now();
    let e = rt.block_on(l2.sync_status()).unwrap_err().to_string();
    assert!(e.contains(&url) && e.contains("optimism_syncStatus"), "{e}");
    assert!(e.contains("no answer within 500ms"), "{e}");
    assert!(
        started.elapsed() >= Duration::from_millis(1500),
        "three timed-out attempts"
    );
    hold.join().unwrap();
}

#[test]
fn an_error_answer_is_not_retried_and_a_late_node_is_waited_for() {
    let rt = runtime().unwrap();
    let node = FakeL2Node::start(NodeState::default()).unwrap();
    let l2 = L2Client::new(&node.url()).unwrap();
    let started = Instant::now();
    let e = rt
        .block_on(verdict_l1::proposer::output_at(&l2, 7))
        .unwrap_err()
        .to_string();
    assert!(
        e.contains(&node.url()) && e.contains("optimism_outputAtBlock(0x7)"),
        "{e}"
    );
    assert!(started.elapsed() < Duration::from_secs(1), "not retried");
    drop(node);

    // A node that starts listening 400 ms after the first attempt: retried until it answers.
    let addr = verdict_l1::process::free_loopback_addr().unwrap();
    let a = addr.clone();
    let late = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(400));
        let (header, _, _) = verdict_l1::testing::genesis(1_000);
        let g = verdict_l1::l2::L2Block::new(header, vec![]).unwrap();
        let node = FakeL2Node::start_on(
            &a,
            NodeState {
                chain_id: 1,
                blocks: vec![g],
                ..Default::default()
            },
        )
        .unwrap();
        std::thread::sleep(Duration::from_secs(3));
        drop(node);
    });
    let l2 = L2Client::new(&format!("http://{addr}")).unwrap();
    let s = rt.block_on(l2.sync_status()).unwrap();
    assert_eq!(s.unsafe_l2.number, 0);
    late.join().unwrap();
}
