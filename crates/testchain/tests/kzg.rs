//! Real KZG: the evaluation points are the roots of unity in bit-reversed order (the blob's
//! field element `i` is its polynomial at `z_i`), and a blob's preimages are laid out as kona's
//! host stores them.

use alloy_primitives::U256;
use verdict_derive::blob::encode_blob;
use verdict_preimage::{KeyType, PreimageKey};
use verdict_testchain::kzg::{blob_preimages, commit, evaluate, roots_of_unity, BLS_MODULUS};

#[test]
fn the_points_are_the_bit_reversed_roots_of_unity() {
    let z = roots_of_unity();
    assert_eq!(z.len(), 4096);
    let u = |b: &[u8; 32]| U256::from_be_bytes(*b);
    assert_eq!(u(&z[0]), U256::from(1));
    assert_eq!(
        u(&z[1]),
        BLS_MODULUS - U256::from(1),
        "bit-reversed index 1 is -1"
    );
    assert_eq!(
        u(&z[2]).mul_mod(u(&z[2]), BLS_MODULUS),
        u(&z[1]),
        "index 2 is a 4th root"
    );
    let data: Vec<u8> = (0..50_000u32).map(|i| (i * 31 + 7) as u8).collect();
    let blob = encode_blob(&data).unwrap();
    for i in [0usize, 1, 2, 3, 100, 2047, 2048, 4095] {
        let y = evaluate(&blob, &z[i]).unwrap();
        assert_eq!(y[..], blob[i * 32..(i + 1) * 32], "element {i}");
    }
}

#[test]
fn blob_preimages_are_keyed_as_kona_stores_them() {
    let blob = encode_blob(b"hello blobs").unwrap();
    let c = commit(&blob).unwrap();
    assert_eq!(c.versioned_hash[0], 1);
    let pre = blob_preimages(&c, &blob);
    assert_eq!(pre.len(), 2 * 4096 + 3);
    let map: std::collections::BTreeMap<_, _> = pre.into_iter().collect();
    assert_eq!(
        map[&PreimageKey::sha256(&c.commitment)],
        c.commitment.to_vec()
    );
    let z = roots_of_unity();
    for i in [0usize, 1, 4095] {
        let key = PreimageKey::blob(&c.commitment, &z[i]);
        assert_eq!(key.key_type(), Some(KeyType::Blob));
        assert_eq!(map[&key][..], blob[i * 32..(i + 1) * 32]);
        let mut k80 = c.commitment.to_vec();
        k80.extend_from_slice(&z[i]);
        assert_eq!(map[&PreimageKey::keccak256(&k80)], k80);
    }
    // The proof as "element 4096": the last point's first 24 bytes, then 4096.
    let mut z4096 = [0u8; 32];
    z4096[..24].copy_from_slice(&z[4095][..24]);
    z4096[24..].copy_from_slice(&4096u64.to_be_bytes());
    assert_eq!(
        map[&PreimageKey::blob(&c.commitment, &z4096)],
        c.proof.to_vec()
    );
}
