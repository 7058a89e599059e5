//! The contracts on a real anvil: deposits (from an EOA and through a contract, whose sender is
//! aliased; calls and creations) and every kind of config update, read back over RPC and decoded
//! by verdict-derive exactly as they were sent.

use alloy::network::TransactionBuilder;
use alloy_primitives::{address, Address, Bytes, TxKind, U256};
use verdict_derive::deposits::user_deposits;
use verdict_derive::provider::L1Provider;
use verdict_derive::{Fork, RollupConfig};
use verdict_l1::anvil::{require_for_test, Anvil, AnvilOptions};
use verdict_l1::chain::{
    deposit_tx, deposit_via_contract_tx, ConfigChange, DeployParams, Deposit, Keys, L1,
};
use verdict_l1::contracts::{alias, DepositCaller};
use verdict_l1::rpc::{runtime, RpcL1};

fn rollup_config(d: &verdict_l1::chain::Deployment) -> RollupConfig {
    RollupConfig {
        l1_chain_id: d.l1_chain_id,
        deposit_contract_address: d.deposit_contract_address,
        l1_system_config_address: d.l1_system_config_address,
        batch_inbox_address: d.batch_inbox_address,
        regolith_time: Some(0),
        ecotone_time: Some(0),
        ..Default::default()
    }
}

#[test]
fn deposits_and_config_updates_decode_as_sent() {
    if require_for_test("deposits_and_config_updates_decode_as_sent").is_none() {
        return;
    }
    let anvil = Anvil::start(&AnvilOptions::default()).unwrap();
    let rt = runtime().unwrap();
    let l1 = L1::new(&anvil.url(), true).unwrap();
    let keys = Keys::devnet();
    let d = rt
        .block_on(l1.deploy(&keys, &DeployParams::default()))
        .unwrap();
    assert_eq!(d.l1_chain_id, 900);
    assert_eq!(
        d.batch_inbox_address,
        address!("ff00000000000000000000000000000000000901")
    );

    let recipient = address!("00000000000000000000000000000000000b0b01");
    let deposits = [
        Deposit {
            to: recipient,
            mint: U256::from(10u64).pow(U256::from(18u64)),
            value: U256::from(12345u64),
            gas_limit: 100_000,
            ..Default::default()
        },
        Deposit {
            to: recipient,
            mint: U256::ZERO,
            value: U256::ZERO,
            gas_limit: 200_000,
            data: Bytes::from_static(&[0xc0, 0xff, 0xee]),
            ..Default::default()
        },
        Deposit {
            to: Address::ZERO,
            mint: U256::from(7u64),
            gas_limit: 300_000,
            is_creation: true,
            data: Bytes::from_static(&[0x60, 0x00, 0x60, 0x00, 0xf3]),
            ..Default::default()
        },
    ];
    let changes = [
        ConfigChange::Batcher(address!("00000000000000000000000000000000000ba7c4")),
        ConfigChange::EcotoneScalars(2_000, 900_000),
        ConfigChange::GasLimit(40_000_000),
        ConfigChange::UnsafeBlockSigner(address!("0000000000000000000000000000000000005167")),
        ConfigChange::Eip1559Params(100, 4),
        ConfigChange::OperatorFee(1_000_000, 42),
        ConfigChange::MinBaseFee(1_000),
        ConfigChange::DaFootprintGasScalar(400),
    ];

    let (block_hash, caller) = rt.block_on(async {
        let user = l1.wallet(&keys.user).unwrap();
        let owner = l1.wallet(&keys.owner).unwrap();
        // A contract that deposits: its deposits come from its alias.
        let r = l1
            .send_and_confirm(
                &user,
                alloy::rpc::types::TransactionRequest::default()
                    .with_deploy_code(DepositCaller::BYTECODE.clone()),
                "deploying DepositCaller",
            )
            .await
            .unwrap();
        let caller = r.contract_address.unwrap();
        let mut hashes = Vec::new();
        for dep in &deposits {
            hashes.push(
                l1.send(
                    &user,
                    deposit_tx(d.deposit_contract_address, dep),
                    "deposit",
                )
                .await
                .unwrap(),
            );
        }
        hashes.push(
            l1.send(
                &user,
                deposit_via_contract_tx(caller, d.deposit_contract_address, &deposits[1]),
                "deposit through a contract",
            )
            .await
            .unwrap(),
        );
        for c in &changes {
            hashes.push(
                l1.send(&owner, c.tx(d.l1_system_config_address), "config update")
                    .await
                    .unwrap(),
            );
        }
        // A config update from anyone else reverts.
        let stranger = l1
            .send(
                &user,
                ConfigChange::GasLimit(50_000_000).tx(d.l1_system_config_address),
                "config update from a stranger",
            )
            .await;
        l1.mine(None).await.unwrap();
        let mut block = None;
        for h in &hashes {
            let r = l1.confirm(*h, "a transaction of the block").await.unwrap();
            assert!(
                block.is_none_or(|b| b == r.block_hash.unwrap()),
                "one block"
            );
            block = r.block_hash;
        }
        if let Ok(h) = stranger {
            assert!(
                l1.confirm(h, "stranger").await.is_err(),
                "a stranger's update reverts"
            );
        }
        (block.unwrap(), caller)
    });

    // Read back over RPC and decoded as derivation does.
    let mut rpc = RpcL1::new(l1.client.clone(), rt.clone(), None);
    let receipts = rpc.receipts(block_hash).unwrap();
    let header = rpc.header_by_hash(block_hash).unwrap();
    let found = user_deposits(block_hash, &receipts, d.deposit_contract_address).unwrap();
    assert_eq!(found.len(), 4);
    let decoded: Vec<op_alloy_consensus::TxDeposit> = found
        .iter()
        .map(|raw| {
            use alloy_eips::eip2718::Decodable2718;
            match op_alloy_consensus::OpTxEnvelope::decode_2718(&mut raw.as_ref()).unwrap() {
                op_alloy_consensus::OpTxEnvelope::Deposit(t) => t.into_inner(),
                other => panic!("not a deposit: {other:?}"),
            }
        })
        .collect();
    let user = keys.user.address();
    for (tx, dep) in decoded.iter().zip(&deposits) {
        assert_eq!(tx.from, user, "an EOA's deposit is not aliased");
        assert_eq!(tx.mint, dep.mint.to::<u128>());
        assert_eq!(tx.value, dep.value);
        assert_eq!(tx.gas_limit, dep.gas_limit);
        assert_eq!(tx.input, dep.data);
        assert_eq!(
            tx.to,
            if dep.is_creation {
                TxKind::Create
            } else {
                TxKind::Call(dep.to)
            }
        );
        assert!(!tx.is_system_transaction);
    }
    assert_eq!(
        decoded[3].from,
        alias(caller),
        "a contract's deposit is aliased"
    );
    assert_ne!(alias(caller), caller);
    assert_eq!(decoded[3].input, deposits[1].data);

    // Every config update applied by verdict-derive.
    let cfg = rollup_config(&d);
    let mut sc = d.system_config();
    let skipped = sc.update_from_receipts(&cfg, &receipts, header.timestamp);
    assert!(skipped.is_empty(), "skipped: {skipped:?}");
    assert_eq!(
        sc.batcher_address,
        address!("00000000000000000000000000000000000ba7c4")
    );
    assert_eq!(sc.ecotone_scalars(), (2_000, 900_000));
    assert_eq!(sc.gas_limit, 40_000_000);
    assert_eq!((sc.eip1559_denominator, sc.eip1559_elasticity), (100, 4));
    assert_eq!(
        (sc.operator_fee_scalar, sc.operator_fee_constant),
        (1_000_000, 42)
    );
    assert_eq!(sc.min_base_fee, 1_000);
    assert_eq!(sc.da_footprint_gas_scalar, 400);
    assert!(cfg.is_active(Fork::Ecotone, header.timestamp));
}

#[test]
fn the_deployment_block_holds_the_genesis_config() {
    if require_for_test("the_deployment_block_holds_the_genesis_config").is_none() {
        return;
    }
    let anvil = Anvil::start(&AnvilOptions::default()).unwrap();
    let rt = runtime().unwrap();
    let l1 = L1::new(&anvil.url(), true).unwrap();
    let d = rt
        .block_on(l1.deploy(&Keys::devnet(), &DeployParams::default()))
        .unwrap();
    // The constructor's updates, applied to an empty config, give the genesis system config.
    let mut rpc = RpcL1::new(l1.client.clone(), rt.clone(), None);
    let receipts = rpc.receipts(d.genesis_l1.hash).unwrap();
    let mut sc = verdict_derive::SystemConfig::default();
    let skipped = sc.update_from_receipts(&rollup_config(&d), &receipts, d.genesis_l1.timestamp);
    assert!(skipped.is_empty());
    assert_eq!(sc, d.system_config());
}
