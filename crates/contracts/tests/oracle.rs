//! `PreimageOracle.sol` against the onchain oracle model the verifiers read through
//! (`verdict_preimage::onchain::PreimageStore`): every part of every key type reads back the same,
//! keys are computed as the specs say, and bad loads are refused.

mod common;

use alloy_primitives::{Address, FixedBytes, U256};
use alloy_sol_types::{SolCall, SolError};
use common::*;
use sha2::Digest;
use verdict_contracts::bindings::IPreimageOracle;
use verdict_contracts::CallOutcome;
use verdict_riscv_verifier::{localize_key, OnchainOracle, PreimageStore};

fn typed(mut h: [u8; 32], t: u8) -> [u8; 32] {
    h[0] = t;
    h
}

fn keccak(data: &[u8]) -> [u8; 32] {
    verdict_riscv::hash::keccak256(data)
}

/// `readPreimage(key, offset)` through the contract: (data, length), or None if it reverts.
fn read(h: &mut Harness, key: [u8; 32], offset: u64) -> Option<([u8; 32], u64)> {
    let call = IPreimageOracle::readPreimageCall {
        key: FixedBytes(key),
        offset: U256::from(offset),
    };
    match h.oracle_call(call.abi_encode()) {
        CallOutcome::Success { output, .. } => {
            let r = IPreimageOracle::readPreimageCall::abi_decode_returns(&output).unwrap();
            Some((r.dat.0, r.datLen.to::<u64>()))
        }
        _ => None,
    }
}

/// Every part of `key` (loaded at each offset before the end) reads as the model serves it; at
/// the end and past it the contract refuses to load and the model to serve.
fn check_all_parts(
    h: &mut Harness,
    key: [u8; 32],
    store: &PreimageStore,
    size: u64,
    load: impl Fn(u64) -> Vec<u8>,
) {
    assert_eq!(read(h, key, 0), None, "nothing is loaded yet");
    for offset in 0..size + 8 {
        let out = h.oracle_call(load(offset));
        assert!(
            matches!(out, CallOutcome::Success { .. }),
            "offset {offset}: {out:?}"
        );
        let (dat, len) = read(h, key, offset).expect("a loaded part reads");
        let part = store.read_part(&key, offset).unwrap();
        assert_eq!(len, u64::from(part.len), "offset {offset}");
        assert_eq!(
            dat[..part.len as usize],
            part.data[..part.len as usize],
            "offset {offset}"
        );
    }
    // At the end and past it: refused.
    let oob = IPreimageOracle::PartOffsetOOB::SELECTOR.to_vec();
    for offset in [size + 8, size + 9] {
        let out = h.oracle_call(load(offset));
        assert!(
            matches!(&out, CallOutcome::Revert { data, .. } if data.to_vec() == oob),
            "offset {offset}: {out:?}"
        );
        assert!(store.read_part(&key, offset).is_err(), "offset {offset}");
        assert_eq!(read(h, key, offset), None, "offset {offset}");
    }
}

#[test]
fn keccak256_and_sha256_parts_read_as_the_model() {
    let mut h = Harness::new();
    for value in [&b""[..], b"x", &[0xab; 31], &[0xcd; 32], &[7; 100]] {
        let key = typed(keccak(value), 2);
        let mut store = PreimageStore::new();
        store.insert_global(key, value.to_vec()).unwrap();
        check_all_parts(&mut h, key, &store, value.len() as u64, |offset| {
            IPreimageOracle::loadKeccak256PreimagePartCall {
                partOffset: U256::from(offset),
                preimage: value.to_vec().into(),
            }
            .abi_encode()
        });
        let key = typed(sha2::Sha256::digest(value).into(), 4);
        let mut store = PreimageStore::new();
        store.insert_global(key, value.to_vec()).unwrap();
        check_all_parts(&mut h, key, &store, value.len() as u64, |offset| {
            IPreimageOracle::loadSha256PreimagePartCall {
                partOffset: U256::from(offset),
                preimage: value.to_vec().into(),
            }
            .abi_encode()
        });
    }
}

#[test]
fn local_data_is_bound_to_the_caller_and_context() {
    let mut h = Harness::new();
    for (ident, value) in [
        (1u8, vec![0x11; 32]),
        (4, 77u64.to_be_bytes().to_vec()),
        (5, vec![]),
    ] {
        let mut ident_key = [0u8; 32];
        ident_key[0] = 1;
        ident_key[31] = ident;
        let key = localize_key(&ident_key, &ctx());
        let mut store = PreimageStore::new();
        store.insert_local(key, value.clone());
        let mut word = [0u8; 32];
        word[..value.len()].copy_from_slice(&value);
        let load = |offset: u64| {
            IPreimageOracle::loadLocalDataCall {
                ident: U256::from(ident),
                localContext: FixedBytes(LOCAL_CONTEXT),
                word: FixedBytes(word),
                size: U256::from(value.len()),
                partOffset: U256::from(offset),
            }
            .abi_encode()
        };
        // The key it returns is the localized one.
        match h.oracle_call(load(0)) {
            CallOutcome::Success { output, .. } => assert_eq!(output.as_ref(), key.as_slice()),
            other => panic!("{other:?}"),
        }
        // Loaded by someone else, or under another context: another key.
        let other = h.evm.call(DEPLOYER, h.oracle, load(0)).unwrap();
        assert!(
            matches!(&other, CallOutcome::Success { output, .. } if output.as_ref() != key.as_slice())
        );
        let mut h2 = Harness::new();
        check_all_parts(&mut h2, key, &store, value.len() as u64, load);
    }
    // More than 32 bytes: refused.
    let call = IPreimageOracle::loadLocalDataCall {
        ident: U256::from(1),
        localContext: FixedBytes(LOCAL_CONTEXT),
        word: FixedBytes([1; 32]),
        size: U256::from(33),
        partOffset: U256::ZERO,
    };
    assert!(matches!(
        h.oracle_call(call.abi_encode()),
        CallOutcome::Revert { .. }
    ));
}

#[test]
fn precompile_parts_hold_the_status_and_the_result() {
    let mut h = Harness::new();
    let cases: [(u8, u64, Vec<u8>, Vec<u8>); 3] = [
        // identity: status 1 ++ the input
        (
            4,
            1_000,
            b"echo me".to_vec(),
            [&[1u8][..], b"echo me"].concat(),
        ),
        // sha256
        (
            2,
            1_000,
            b"abc".to_vec(),
            [&[1u8][..], &sha2::Sha256::digest(b"abc")[..]].concat(),
        ),
        // point evaluation on a bad input: status 0, no output
        (0x0a, 60_000, vec![0; 10], vec![0]),
    ];
    for (precompile, gas, input, expected) in cases {
        let address = Address::with_last_byte(precompile);
        let mut preimage = address.to_vec();
        preimage.extend_from_slice(&gas.to_be_bytes());
        preimage.extend_from_slice(&input);
        let key = typed(keccak(&preimage), 6);
        let mut store = PreimageStore::new();
        store.insert_global(key, expected.clone()).unwrap();
        check_all_parts(&mut h, key, &store, expected.len() as u64, |offset| {
            IPreimageOracle::loadPrecompilePreimagePartCall {
                partOffset: U256::from(offset),
                precompile: address,
                requiredGas: gas,
                input: input.clone().into(),
            }
            .abi_encode()
        });
    }
    // Too little gas left for the required gas: refused.
    let call = IPreimageOracle::loadPrecompilePreimagePartCall {
        partOffset: U256::ZERO,
        precompile: Address::with_last_byte(4),
        requiredGas: 100_000_000,
        input: vec![1].into(),
    };
    let out = h.oracle_call(call.abi_encode());
    let err = IPreimageOracle::NotEnoughGas::SELECTOR.to_vec();
    assert!(
        matches!(&out, CallOutcome::Revert { data, .. } if data.to_vec() == err),
        "{out:?}"
    );
}

/// The compressed BLS12-381 G1 generator: the KZG commitment of the constant polynomial 1,
/// whose proof at any point is the point at infinity and whose value is 1.
const G1: &str = "97f1d3a73197d7942695638c4fa9ac0fc3688c4f9774b905a14e3a3f171bac586c55e83ff97a1aeffb3af00adb22c6bb";

#[test]
fn blob_parts_are_checked_by_the_point_evaluation_precompile() {
    let mut h = Harness::new();
    let commitment = hex::decode(G1).unwrap();
    let mut infinity = vec![0u8; 48];
    infinity[0] = 0xc0;
    let z = U256::from(123_456_789u64);
    let load = |y: U256, offset: u64| {
        IPreimageOracle::loadBlobPreimagePartCall {
            z,
            y,
            commitment: commitment.clone().into(),
            proof: infinity.clone().into(),
            partOffset: U256::from(offset),
        }
        .abi_encode()
    };
    let key = typed(
        keccak(&[&commitment[..], &z.to_be_bytes::<32>()].concat()),
        5,
    );
    let y = U256::from(1);
    let mut store = PreimageStore::new();
    store
        .insert_global(key, y.to_be_bytes::<32>().to_vec())
        .unwrap();
    check_all_parts(&mut h, key, &store, 32, |offset| load(y, offset));
    // A wrong evaluation is refused.
    let out = h.oracle_call(load(U256::from(2), 8));
    let err = IPreimageOracle::InvalidProof::SELECTOR.to_vec();
    assert!(
        matches!(&out, CallOutcome::Revert { data, .. } if data.to_vec() == err),
        "{out:?}"
    );
}

#[test]
fn the_step_names_its_oracle() {
    use verdict_contracts::bindings::IRISCV;
    let mut h = Harness::new();
    let riscv = h.riscv;
    match h
        .evm
        .call(GAME, riscv, IRISCV::oracleCall {}.abi_encode())
        .unwrap()
    {
        CallOutcome::Success { output, .. } => {
            let got = IRISCV::oracleCall::abi_decode_returns(&output).unwrap();
            assert_eq!(got, h.oracle);
        }
        other => panic!("{other:?}"),
    }
    match h.oracle_call(IPreimageOracle::versionCall {}.abi_encode()) {
        CallOutcome::Success { output, .. } => {
            let v = IPreimageOracle::versionCall::abi_decode_returns(&output).unwrap();
            assert_eq!(v, "1.0.0-verdict");
        }
        other => panic!("{other:?}"),
    }
}
