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

/// An oracle recording the executor's state hints.
struct Recording<'a> {
    preimages: &'a std::collections::HashMap<verdict_preimage::PreimageKey, Vec<u8>>,
    reads: std::cell::RefCell<Vec<verdict_program::StateRead>>,
}

impl verdict_preimage::PreimageOracle for Recording<'_> {
    fn get(
        &self,
        key: verdict_preimage::PreimageKey,
    ) -> Result<Vec<u8>, verdict_preimage::PreimageError> {
        verdict_preimage::PreimageOracle::get(self.preimages, key)
    }
}

impl verdict_program::StateHints for Recording<'_> {
    fn state_hint(&self, read: verdict_program::StateRead) {
        self.reads.borrow_mut().push(read);
    }
}

#[test]
fn the_executor_says_what_it_reads_from_the_parent_state() {
    use verdict_program::StateRead;
    let Some(fixture) = common::load(26207960) else {
        return;
    };
    let oracle = Recording {
        preimages: &fixture.preimages,
        reads: Default::default(),
    };
    let pre = verdict_program::Preimages::with_state_hints(&oracle);
    let block =
        verdict_program::execute_block(&pre, &fixture.config, &fixture.parent, &fixture.attributes)
            .unwrap();
    assert_eq!(block.hash, fixture.expected_block_hash);
    let reads = oracle.reads.borrow();
    let parent = fixture.parent.number;
    let accounts = reads
        .iter()
        .filter(|r| matches!(r, StateRead::Account { block, .. } if *block == parent))
        .count();
    let storage = reads
        .iter()
        .filter(|r| matches!(r, StateRead::Storage { block, .. } if *block == parent))
        .count();
    let code = reads
        .iter()
        .filter(|r| matches!(r, StateRead::Code(_)))
        .count();
    assert!(
        accounts >= 10 && storage > 0 && code > 0,
        "{accounts} {storage} {code}"
    );
    // Every hint names the parent's state, and no account is hinted twice.
    assert_eq!(accounts + storage + code, reads.len());
    let mut seen = std::collections::BTreeSet::new();
    for r in reads.iter() {
        if let StateRead::Account { address, .. } = r {
            assert!(seen.insert(*address), "{address} hinted twice");
        }
    }
}
