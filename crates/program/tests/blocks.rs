//! Every fixture block, executed statelessly from its preimages, gives its real block hash.

mod common;

fn check(n: u64) {
    let Some(fixture) = common::load(n) else {
        return;
    };
    let run = fixture.run().unwrap_or_else(|e| panic!("block {n}: {e}"));
    let h = &run.block.header;
    eprintln!(
        "block {n}: hash {} gas {} txs {} preimages {} in {:?}",
        run.block.hash,
        h.gas_used,
        fixture.attributes.transactions.len(),
        run.preimages_read,
        run.elapsed
    );
    assert_eq!(h.number, n);
    assert_eq!(
        run.block.hash, fixture.expected_block_hash,
        "block {n} header: {h:#?}"
    );
    // The same block with its post-state: the same hash, and the new state root's node.
    let pre = verdict_program::Preimages::new(&fixture.preimages);
    let (block, post) = verdict_program::execute_block_with_post_state(
        &pre,
        &fixture.config,
        &fixture.parent,
        &fixture.attributes,
        false,
    )
    .unwrap_or_else(|e| panic!("block {n} with post-state: {e}"));
    assert_eq!(block.hash, fixture.expected_block_hash);
    assert!(post
        .nodes
        .iter()
        .any(|node| alloy_primitives::keccak256(node) == h.state_root));
}

#[test]
fn block_26207960() {
    check(26207960);
}

#[test]
fn block_26207961() {
    check(26207961);
}

#[test]
fn block_26207962() {
    check(26207962);
}

#[test]
fn block_26207963() {
    check(26207963);
}

#[test]
fn block_26208384() {
    check(26208384);
}

#[test]
fn block_26208858() {
    check(26208858);
}
