//! The real vectors of the fixtures: a rollup config, an OP Mainnet batcher transaction, a
//! compressed channel and a span batch.

mod common;

use alloy_consensus::transaction::SignerRecoverable;
use alloy_consensus::{Transaction, TxEnvelope};
use alloy_eips::eip2718::Decodable2718;
use alloy_primitives::address;
use verdict_derive::batch::{decode_batch, Batch, BatchReader, RawSpanBatch};
use verdict_derive::compression::{decompress, Compression};
use verdict_derive::config::{Fork, RollupConfig};
use verdict_derive::frame::parse_frames;
use verdict_derive::json::parse_rollup_config;

#[test]
fn rollup_config_of_op_sepolia_parses() {
    let Some(dir) = common::fixtures() else {
        return;
    };
    let text = std::fs::read(dir.join("op-sepolia-blocks/block-26207960/fixture.json")).unwrap();
    let v: serde_json::Value = serde_json::from_slice(&text).unwrap();
    let cfg = parse_rollup_config(&v["rollup_config"]).unwrap();
    assert_eq!(cfg.l2_chain_id, 11155420);
    assert_eq!(cfg.l1_chain_id, 11155111);
    assert_eq!(cfg.seq_window_size, 3600);
    assert_eq!(
        (cfg.channel_timeout, cfg.granite_channel_timeout),
        (300, 50)
    );
    assert_eq!(cfg.genesis.l1.number, 4071408);
    assert_eq!(cfg.genesis.system_config.gas_limit, 30_000_000);
    assert_eq!(
        cfg.genesis.system_config.batcher_address,
        address!("8f23bb38f531600e5d8fddaaec41f13fab46e98c")
    );
    assert_eq!(
        cfg.batch_inbox_address,
        address!("ff00000000000000000000000000000011155420")
    );
    assert_eq!(cfg.pectra_blob_schedule_time, Some(1742486400));
    assert_eq!(cfg.fork_at(1744905600), Fork::Isthmus);
    assert_eq!(cfg.fork_at(1744905599), Fork::Holocene);
    assert_eq!(cfg.eip1559_denominator_canyon, 250);
}

#[test]
fn real_batcher_transaction_yields_its_frames() {
    let Some(dir) = common::fixtures() else {
        return;
    };
    let raw = std::fs::read(dir.join("derivation/raw_batcher_tx.bin")).unwrap();
    let tx = TxEnvelope::decode_2718(&mut raw.as_slice()).unwrap();
    assert_eq!(
        tx.recover_signer().unwrap(),
        address!("6887246668a3b87F54DeB3b94Ba47a6f63F32985")
    );
    assert_eq!(
        tx.to(),
        Some(address!("FF00000000000000000000000000000000000010"))
    );
    assert_eq!(tx.input().len(), 119_823);
    let frames = parse_frames(tx.input()).unwrap();
    assert!(!frames.is_empty());
    let total: usize = frames.iter().map(|f| f.data.len() + 23).sum();
    assert_eq!(total + 1, 119_823, "the frames cover the calldata exactly");
}

#[test]
fn real_channel_decompresses_into_batches() {
    let Some(dir) = common::fixtures() else {
        return;
    };
    let channel = common::read_hex(&dir.join("derivation/channel.hex"));
    let d = decompress(&channel, true, 100_000_000).unwrap();
    assert_eq!(d.compression, Compression::Zlib);
    assert!(!d.truncated && !d.corrupt);
    let cfg = RollupConfig {
        delta_time: Some(0),
        block_time: 2,
        ..Default::default()
    };
    let mut reader = BatchReader::new(d.data);
    let mut count = 0;
    let mut last_ts = 0;
    while let Some(b) = reader.next_batch(&cfg, 0) {
        let b = b.unwrap();
        match &b {
            Batch::Single(s) => assert!(s.timestamp >= last_ts),
            Batch::Span(s) => assert!(!s.blocks.is_empty()),
        }
        last_ts = b.timestamp();
        count += 1;
    }
    assert!(count > 0);
}

#[test]
fn real_span_batch_round_trips() {
    let Some(dir) = common::fixtures() else {
        return;
    };
    let data = std::fs::read(dir.join("derivation/span_batch.bin")).unwrap();
    let raw = RawSpanBatch::decode(&data).unwrap();
    let mut out = Vec::new();
    raw.encode(&mut out);
    assert_eq!(out, data, "decode then encode gives the same bytes");
    let cfg = RollupConfig {
        delta_time: Some(0),
        block_time: 2,
        l2_chain_id: 10,
        ..Default::default()
    };
    let mut typed = vec![1u8];
    typed.extend_from_slice(&data);
    let Batch::Span(span) = decode_batch(&cfg, &typed, 0).unwrap() else {
        panic!("not a span batch")
    };
    let txs: usize = span.blocks.iter().map(|b| b.transactions.len()).sum();
    assert_eq!(txs, raw.txs.datas.len());
    assert_eq!(span.blocks.len(), raw.block_tx_counts.len());
    // Rebuilding the span batch from its singular blocks gives the same transactions' columns.
    for tx in span.blocks.iter().flat_map(|b| &b.transactions) {
        let mut cols = verdict_derive::batch::span::SpanTxs::default();
        cols.push(tx).unwrap();
    }
}
