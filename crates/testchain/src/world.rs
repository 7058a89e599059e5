//! A world: the L1 chain, the L2 chain sequenced on it and executed with crates/program, the
//! batcher's data in L1, and every preimage a fault proof program could read.

use crate::chains::{SynthChain, BLOCK_TIME, L1_BLOCK_TIME, L1_CHAIN_ID};
use crate::error::{Error, Result};
use crate::genesis;
use crate::kzg;
use crate::l1;
use crate::l2::{message_passer_root, L2Block, L2Chain};
use crate::preimages::PreimageMap;
use crate::sequencer::{Batcher, L1User, Pending, Posted, Users};
use alloy_consensus::Header;
use alloy_eips::eip2718::Encodable2718;
use alloy_primitives::{keccak256, Bytes, B256};
use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use verdict_derive::attributes::build_attributes;
use verdict_derive::batch::SingleBatch;
use verdict_derive::generator::{MemL1, Rng};
use verdict_derive::{Fork, PayloadAttributes};
use verdict_program::execute_block_with_post_state;

/// Where the batcher posts its data.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum DataMode {
    /// Calldata or blobs, channel by channel.
    #[default]
    Mixed,
    /// Calldata only.
    Calldata,
    /// Blobs only.
    Blobs,
}

/// What to build.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Options {
    /// The chain.
    pub chain: SynthChain,
    /// The seed of every choice (transactions, deposits, batching).
    pub seed: u64,
    /// L2 blocks after genesis.
    pub l2_blocks: u64,
    /// Where batches go.
    pub data: DataMode,
}

/// A built world.
#[derive(Clone, Debug)]
pub struct World {
    /// What it was built from.
    pub options: Options,
    /// The rollup config (verdict-derive's view).
    pub cfg: verdict_derive::RollupConfig,
    /// The rollup config (crates/program's view).
    pub exec: verdict_program::RollupConfig,
    /// The L1 chain from the rollup's L1 genesis block, blobs included.
    pub l1: MemL1,
    /// The L2 chain, genesis first.
    pub l2: L2Chain,
    /// For each L2 block (by number): the L1 block whose data completes its batch's channel.
    pub batched_at: Vec<Option<u64>>,
    /// Every preimage.
    pub preimages: PreimageMap,
    /// What the world exercises ("span batch", "blob", "deposit", ...).
    pub features: BTreeSet<&'static str>,
}

/// crates/program's payload attributes of derived attributes.
pub fn program_attributes(a: &PayloadAttributes) -> verdict_program::PayloadAttributes {
    verdict_program::PayloadAttributes {
        timestamp: a.timestamp,
        prev_randao: a.prev_randao,
        suggested_fee_recipient: a.suggested_fee_recipient,
        parent_beacon_block_root: a.parent_beacon_block_root,
        transactions: a.transactions.clone(),
        gas_limit: Some(a.gas_limit),
        eip1559_params: a.eip1559_params,
    }
}

/// Where the shared fixtures are: `$VERDICT_FIXTURES`, else `<workspace>/../shared/fixtures`.
pub fn fixtures_dir() -> PathBuf {
    match std::env::var_os("VERDICT_FIXTURES") {
        Some(p) => PathBuf::from(p),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/fixtures"),
    }
}

/// The bytecode the upgrade transactions deploy, by keccak256, read from the fixtures'
/// `upgrade-txs` (every `.hex` file that is not a transaction).
pub fn upgrade_bytecode(dir: &Path) -> Result<HashMap<B256, Bytes>> {
    let dir = dir.join("upgrade-txs");
    let read = |e: std::io::Error| Error::new(format!("{}: {e}", dir.display()));
    let mut out = HashMap::new();
    for entry in std::fs::read_dir(&dir).map_err(read)? {
        let path = entry.map_err(read)?.path();
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default();
        if !name.ends_with(".hex") || name.contains("_tx_") {
            continue;
        }
        let text = std::fs::read_to_string(&path)
            .map_err(|e| Error::new(format!("{}: {e}", path.display())))?;
        let text = text.trim();
        let code = alloy_primitives::hex::decode(text.strip_prefix("0x").unwrap_or(text))
            .map_err(|e| Error::new(format!("{}: {e}", path.display())))?;
        out.insert(keccak256(&code), Bytes::from(code));
    }
    Ok(out)
}

/// Whether the chain activates a fork with upgrade transactions after genesis.
fn needs_upgrade_bytecode(chain: SynthChain) -> bool {
    chain.fork_offsets().iter().any(|(f, t)| {
        matches!(f, Fork::Ecotone | Fork::Fjord | Fork::Isthmus) && t.is_some_and(|t| t > 0)
    })
}

impl World {
    /// Builds the world of `options`.
    pub fn build(options: &Options) -> Result<World> {
        let chain = options.chain;
        let cfg = chain.derive_config()?;
        let exec = chain.program_config()?;
        let gen = genesis::l2_genesis(chain);
        let l1_genesis = genesis::l1_genesis_header();
        if cfg.genesis.l2.hash != gen.hash || cfg.genesis.l1.hash != l1_genesis.hash_slow() {
            return Err(Error::new(format!(
                "crates/chains/configs/{}.json does not hold this crate's genesis: regenerate it \
                 with `cargo run -p verdict-testchain --example configs`",
                chain.name()
            )));
        }
        let mut pre = PreimageMap::default();
        // The empty trie's root node (the root of every empty transactions or receipts trie).
        pre.insert_keccak(vec![0x80]);
        for p in gen.preimages {
            pre.insert_keccak(p);
        }
        pre.insert_keccak(alloy_rlp::encode(&gen.header));
        pre.insert_keccak(alloy_rlp::encode(&l1_genesis));
        // Every world holds the upgrade bytecode (the same preimages wherever it is built).
        let mut code = upgrade_bytecode(&fixtures_dir()).map_err(|e| {
            Error::new(format!(
                "the upgrade transactions' bytecode (set VERDICT_FIXTURES to the shared \
                 fixtures): {e}"
            ))
        })?;
        if needs_upgrade_bytecode(chain) && code.is_empty() {
            return Err(Error::new(format!(
                "{}: no upgrade bytecode in the fixtures",
                chain.name()
            )));
        }
        let mut sorted: Vec<&Bytes> = code.values().collect();
        sorted.sort();
        for c in sorted {
            pre.insert_keccak(c.to_vec());
        }

        let mut l1 = MemL1::default();
        l1.hashes.push(l1_genesis.hash_slow());
        l1.headers.push(l1_genesis);
        l1.txs.push(vec![]);
        l1.receipts.push(vec![]);
        let mut l2 = L2Chain::genesis(&cfg, gen.header, gen.message_passer_root);
        pre.insert_keccak(l2.head().output_root_preimage().to_vec());

        let mut rng = Rng::new(options.seed ^ (chain.chain_id() << 32));
        let mut features = BTreeSet::new();
        let mut users = Users::new(chain.chain_id());
        let mut l1_user = L1User::new(L1_CHAIN_ID);
        let mut batcher = Batcher::new(
            cfg.batch_inbox_address,
            L1_CHAIN_ID,
            cfg.genesis.l2_time,
            options.data,
            options.seed,
        );
        let recipients: Vec<_> = genesis::alloc(chain).iter().map(|a| a.address).collect();
        let mut pending: Vec<Pending> = Vec::new();
        let mut batched_at = vec![None];
        let mut i = 0usize;
        loop {
            let sequenced_all = l2.head().header.number >= options.l2_blocks;
            if i > 0 {
                let mut txs = l1_user.deposits(&mut rng, &recipients, &mut features);
                // Config updates early in every world: the L2 gas limit and the fee scalars.
                if i == 3 {
                    txs.push(l1_user.gas_limit_update(32_000_000));
                    features.insert("gas limit update");
                }
                if i == 5 {
                    txs.push(l1_user.scalar_update(1_000));
                    features.insert("scalar update");
                }
                let mut posted = Posted::default();
                let mut posted_blocks = Vec::new();
                if !pending.is_empty() && (sequenced_all || rng.chance(75)) {
                    // One or two channels of consecutive blocks.
                    let split = if pending.len() > 1 && rng.chance(30) {
                        1 + rng.below(pending.len() as u64 - 1) as usize
                    } else {
                        pending.len()
                    };
                    let rest = pending.split_off(split);
                    batcher.post(&mut rng, &pending, &mut posted, &mut features)?;
                    posted_blocks.extend(pending.iter().map(|p| p.number));
                    pending = rest;
                    if !pending.is_empty() && rng.chance(50) {
                        batcher.post(&mut rng, &pending, &mut posted, &mut features)?;
                        posted_blocks.extend(pending.iter().map(|p| p.number));
                        pending.clear();
                    }
                }
                txs.extend(posted.txs);
                let parent = l1.headers.last().expect("the L1 genesis");
                let timestamp = parent.timestamp + L1_BLOCK_TIME;
                let sealed = l1::seal(parent, timestamp, txs, posted.blobs.len() as u64, &mut pre)?;
                for n in posted_blocks {
                    batched_at[n as usize] = Some(sealed.header.number);
                }
                for (c, blob) in posted.blobs {
                    for (k, v) in kzg::blob_preimages(&c, &blob) {
                        pre.0.insert(k, v);
                    }
                    l1.blobs.insert(c.versioned_hash, (c.commitment, blob));
                }
                l1.hashes.push(sealed.header.hash_slow());
                l1.headers.push(sealed.header);
                l1.txs.push(sealed.txs);
                l1.receipts.push(sealed.receipts);
            }
            if sequenced_all && pending.is_empty() {
                break;
            }
            // The L2 blocks of L1 block i's epoch.
            let next_l1_time = l1.headers[i].timestamp + L1_BLOCK_TIME;
            while l2.head().header.number < options.l2_blocks
                && l2.head().header.timestamp + BLOCK_TIME < next_l1_time
            {
                let transactions = users.block_txs(&mut rng, &mut features)?;
                let p = sequence(
                    &cfg,
                    &exec,
                    &l1,
                    i,
                    &mut l2,
                    &mut code,
                    &mut pre,
                    transactions,
                )?;
                batched_at.push(None);
                pending.push(p);
            }
            i += 1;
        }
        if cfg.is_active(Fork::Holocene, l2.head().header.timestamp)
            && !cfg.is_active(Fork::Holocene, cfg.genesis.l2_time)
        {
            features.insert("Holocene activation");
        }
        if cfg.is_active(Fork::Isthmus, l2.head().header.timestamp)
            && !cfg.is_active(Fork::Isthmus, cfg.genesis.l2_time)
        {
            features.insert("Isthmus activation");
        }
        Ok(World {
            options: *options,
            cfg,
            exec,
            l1,
            l2,
            batched_at,
            preimages: pre,
            features,
        })
    }

    /// The L1 head: the last L1 block.
    pub fn l1_head(&self) -> &Header {
        self.l1.headers.last().expect("the L1 genesis")
    }

    /// The hash of L1 block `number`.
    pub fn l1_hash(&self, number: u64) -> Option<B256> {
        let first = self.l1.headers.first()?.number;
        self.l1
            .hashes
            .get(number.checked_sub(first)? as usize)
            .copied()
    }

    /// The safe head an L1 head numbered `l1_number` gives: the last L2 block such that it and
    /// every block before it have their batches in L1 blocks up to that head.
    pub fn safe_head_at(&self, l1_number: u64) -> u64 {
        self.batched_at[1..]
            .iter()
            .take_while(|b| b.is_some_and(|n| n <= l1_number))
            .count() as u64
    }

    /// The output root of L2 block `number`.
    pub fn output_root(&self, number: u64) -> Result<B256> {
        self.l2
            .block(number)
            .map(|b| b.output_root)
            .ok_or_else(|| Error::new(format!("the world has no L2 block {number}")))
    }
}

/// Sequences and executes the next L2 block on L1 origin `origin` (index in `l1`).
#[allow(clippy::too_many_arguments)]
fn sequence(
    cfg: &verdict_derive::RollupConfig,
    exec: &verdict_program::RollupConfig,
    l1: &MemL1,
    origin: usize,
    l2: &mut L2Chain,
    code: &mut HashMap<B256, Bytes>,
    pre: &mut PreimageMap,
    transactions: Vec<Bytes>,
) -> Result<Pending> {
    let parent = l2.head().clone();
    let epoch = l1.headers[origin].number;
    let batch = SingleBatch {
        parent_hash: parent.hash,
        epoch_num: epoch,
        epoch_hash: l1.hashes[origin],
        timestamp: parent.header.timestamp + BLOCK_TIME,
        transactions,
    };
    let attrs = build_attributes(cfg, &mut &*l1, l2, code, &parent.block_ref, &batch)?;
    let (block, post) = {
        let nodes = pre.nodes();
        execute_block_with_post_state(
            &nodes,
            exec,
            &parent.header,
            &program_attributes(&attrs),
            false,
        )?
    };
    for node in post.nodes {
        pre.insert_keccak(node);
    }
    for c in post.code {
        pre.insert_keccak(c.to_vec());
    }
    pre.insert_keccak(alloy_rlp::encode(&block.header));
    pre.insert_ordered_trie(attrs.transactions.iter().map(|t| t.as_ref()))?;
    let receipts: Vec<Vec<u8>> = block.receipts.iter().map(|r| r.encoded_2718()).collect();
    pre.insert_ordered_trie(receipts.iter().map(|r| r.as_slice()))?;
    let mp_root = message_passer_root(pre, block.header.state_root)?;
    if let Some(w) = block
        .header
        .withdrawals_root
        .filter(|_| exec.is_active(verdict_program::Fork::Isthmus, block.header.timestamp))
    {
        if w != mp_root {
            return Err(Error::new(format!(
                "L2 block {}: the withdrawals root {w} is not the message passer's storage root {mp_root}",
                block.header.number
            )));
        }
    }
    let b = L2Block::new(
        cfg,
        block.header,
        attrs.transactions,
        block.receipts,
        mp_root,
        &parent.system_config,
    )?;
    if b.block_ref.l1_origin.number != epoch {
        return Err(Error::new(format!(
            "L2 block {}: its L1 info names origin {}, not {epoch}",
            b.header.number, b.block_ref.l1_origin.number
        )));
    }
    pre.insert_keccak(b.output_root_preimage().to_vec());
    let origin_changed = parent.block_ref.l1_origin.number != epoch;
    l2.blocks.push(b);
    Ok(Pending {
        batch,
        number: parent.header.number + 1,
        origin_changed,
    })
}
