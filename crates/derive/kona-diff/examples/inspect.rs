//! Prints one differential chain and where verdict-derive, kona-derive and the generator's
//! expected attributes part: `cargo run --release --example inspect -- SEED`.
//!
//! Prints the forks, every L1 block's batcher frames (`b:` from a blob, `!` a closing frame),
//! the sequenced L2 blocks, the expected and recorded drops and the blocks that differ. With
//! `CHANNELS=1` also every channel as both batch readers decode it, with `TABLE=1` every block's
//! transaction count and L1 origin on each side, with `KONA_LOG=<filter>` kona's tracing, with
//! `VERDICT_DERIVE_LOG=1` verdict's.

use verdict_derive::frame::parse_frames;
use verdict_derive::generator::{derive, generate, unmatched_drops, Options};
use verdict_derive_kona_diff::run::{first_difference, run_kona};

fn main() {
    if std::env::var_os("KONA_LOG").is_some() {
        tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::from_env("KONA_LOG"))
            .with_writer(std::io::stderr)
            .init();
    }
    let seed: u64 = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let code = match verdict_derive_kona_diff::fixtures::code_store() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(2);
        }
    };
    // `OPTS=adversarial`: the crate's adversarial chains (Jovian, and the inputs kona 0.4.5
    // mishandles) instead of the differential's.
    let opts = match std::env::var("OPTS").as_deref() {
        Ok("adversarial") => Options {
            adversarial: true,
            ..Options::default()
        },
        _ => Options::kona_differential(),
    };
    let s = generate(seed, &code, &opts).expect("generates");
    let c = &s.cfg;
    println!(
        "forks: regolith {:?} canyon {:?} delta {:?} ecotone {:?} fjord {:?} granite {:?} holocene {:?} isthmus {:?}",
        c.regolith_time, c.canyon_time, c.delta_time, c.ecotone_time, c.fjord_time, c.granite_time, c.holocene_time, c.isthmus_time
    );
    println!(
        "window {} timeout {} granite timeout {} drift {}",
        c.seq_window_size, c.channel_timeout, c.granite_channel_timeout, c.max_sequencer_drift
    );
    for (i, h) in s.l1.headers.iter().enumerate() {
        print!(
            "L1 {} t={} txs={}",
            h.number,
            h.timestamp,
            s.l1.txs[i].len()
        );
        for tx in &s.l1.txs[i] {
            use alloy_consensus_v2::Transaction;
            let mut items: Vec<Vec<u8>> = Vec::new();
            match tx.blob_versioned_hashes() {
                Some(hs) => {
                    for h in hs {
                        match s
                            .l1
                            .blobs
                            .get(h)
                            .map(|(_, b)| verdict_derive::blob::decode_blob(b))
                        {
                            Some(Ok(d)) => items.push(d),
                            other => print!(" [blob {:?}]", other.map(|r| r.err())),
                        }
                    }
                }
                None => items.push(tx.input().to_vec()),
            }
            for input in items {
                let blob = tx.blob_versioned_hashes().is_some();
                match parse_frames(&input) {
                    Ok(fs) => {
                        for f in fs {
                            print!(
                                " [{}{}#{}{} {}B]",
                                if blob { "b:" } else { "" },
                                alloy_primitives::hex::encode(&f.id[14..]),
                                f.number,
                                if f.is_last { "!" } else { "" },
                                f.data.len()
                            );
                        }
                    }
                    Err(e) => print!(" [bad {e:?}]"),
                }
            }
        }
        println!();
    }
    if std::env::var_os("CHANNELS").is_some() {
        dump_channels(&s);
    }
    for (i, a) in s.expected.iter().enumerate() {
        let b = &s.l2.blocks[i + 1].0;
        println!(
            "L2 {} t={} origin {} txs {}",
            i + 1,
            a.timestamp,
            b.l1_origin.number,
            a.transactions.len()
        );
    }
    println!("deposits-only: {:?}", s.deposits_only);
    for e in &s.expected_drops {
        println!("expected drop: {e:?}");
    }
    let d = derive(&s, &code).expect("verdict derives");
    println!("unmatched expected drops: {:?}", unmatched_drops(&s, &d));
    let (v, drops) = (d.attributes, d.drops);
    let k = run_kona(&s);
    println!("kona halted: {:?}", k.halted);
    for d in &drops {
        println!("drop at L1 {}: {:?}", d.l1_block, d.reason);
    }
    if std::env::var_os("TABLE").is_some() {
        let origin = |a: &verdict_derive::PayloadAttributes| {
            use alloy_eips_v2::eip2718::Decodable2718;
            op_alloy_consensus_v2::TxDeposit::decode_2718(&mut a.transactions[0].as_ref())
                .ok()
                .and_then(|t| verdict_derive::l1_info::decode_l1_info(&t.input))
                .map_or(0, |i| i.number)
        };
        for i in 0..v.len().max(k.attributes.len()) {
            let f = |a: Option<&verdict_derive::PayloadAttributes>| {
                a.map_or("-".to_string(), |a| {
                    format!("{}@{}", a.transactions.len(), origin(a))
                })
            };
            println!(
                "table {} t={} expected {} verdict {} kona {}",
                i + 1,
                s.expected.get(i).map_or(0, |a| a.timestamp),
                f(s.expected.get(i)),
                f(v.get(i)),
                f(k.attributes.get(i))
            );
        }
    }
    for i in 0..v.len().max(k.attributes.len()) {
        let (a, b, e) = (v.get(i), k.attributes.get(i), s.expected.get(i));
        let dv = match (a, e) {
            (Some(a), Some(e)) => first_difference(a, e, ("verdict", "expected")),
            _ => Some("missing".into()),
        };
        let dk = match (a, b) {
            (Some(a), Some(b)) => first_difference(a, b, ("verdict", "kona")),
            _ => Some("missing".into()),
        };
        if dv.is_some() || dk.is_some() {
            println!(
                "block {}: verdict vs expected: {:?}; verdict vs kona: {:?}",
                i + 1,
                dv,
                dk
            );
        }
    }
}

/// Every calldata channel reassembled and read by both batch readers.
fn dump_channels(s: &verdict_derive::generator::Scenario) {
    use alloy_consensus_v2::Transaction;
    use std::collections::BTreeMap;
    let mut channels: BTreeMap<[u8; 16], BTreeMap<u16, Vec<u8>>> = BTreeMap::new();
    for txs in &s.l1.txs {
        for tx in txs {
            let data = match tx.blob_versioned_hashes() {
                Some(hs) => hs
                    .iter()
                    .filter_map(|h| {
                        s.l1.blobs
                            .get(h)
                            .and_then(|(_, b)| verdict_derive::blob::decode_blob(b).ok())
                    })
                    .collect(),
                None => vec![tx.input().to_vec()],
            };
            for d in data {
                if let Ok(fs) = parse_frames(&d) {
                    for f in fs {
                        channels
                            .entry(f.id)
                            .or_default()
                            .entry(f.number)
                            .or_insert(f.data.to_vec());
                    }
                }
            }
        }
    }
    let kcfg = verdict_derive_kona_diff::convert::rollup_config(&s.cfg);
    for (id, frames) in channels {
        let data: Vec<u8> = frames.values().flatten().copied().collect();
        print!("channel {}:", alloy_primitives::hex::encode(&id[14..]));
        let mut r = kona_protocol::BatchReader::new(data.clone(), 100_000_000);
        while let Some(b) = r.next_batch(&kcfg) {
            match b {
                kona_protocol::Batch::Single(b) => print!(
                    " kona single t={} e={} txs={}",
                    b.timestamp,
                    b.epoch_num,
                    b.transactions.len()
                ),
                kona_protocol::Batch::Span(b) => print!(
                    " kona span t={} n={}",
                    b.starting_timestamp(),
                    b.batches.len()
                ),
            }
        }
        if let Ok(d) = verdict_derive::compression::decompress(&data, true, 100_000_000) {
            let mut r = verdict_derive::batch::BatchReader::new(d.data);
            while let Some(b) = r.next_batch(&s.cfg, u64::MAX) {
                match b {
                    Ok(verdict_derive::batch::Batch::Single(b)) => print!(
                        " | verdict single t={} e={} txs={}",
                        b.timestamp,
                        b.epoch_num,
                        b.transactions.len()
                    ),
                    Ok(verdict_derive::batch::Batch::Span(b)) => print!(
                        " | verdict span t={} n={}",
                        b.start_timestamp(),
                        b.blocks.len()
                    ),
                    Err(e) => {
                        print!(" | verdict {e:?}");
                        break;
                    }
                }
            }
        }
        println!();
    }
}
