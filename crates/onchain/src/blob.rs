//! What `loadBlobPreimagePart` takes to load a blob field element the VM reads: the evaluation
//! point z, the value y, the blob's KZG commitment and a KZG proof that the blob's polynomial is y
//! at z (checked onchain by the point-evaluation precompile). The key (`0x05 ++
//! keccak256(commitment ++ z)[1..]`) names neither; the online host's store holds both (the
//! 80-byte preimage `commitment ++ z` under its keccak256 key) and every field element of the
//! blob, from which the proof is computed (c-kzg, Ethereum's trusted setup).

use verdict_host::Store;
use verdict_preimage::PreimageKey;

/// A blob field element as the oracle's loader takes it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BlobPart {
    /// The evaluation point.
    pub z: [u8; 32],
    /// The field element (the polynomial's value at z).
    pub y: [u8; 32],
    /// The blob's KZG commitment.
    pub commitment: [u8; 48],
    /// The KZG proof of y at z.
    pub proof: [u8; 48],
}

/// The blob part of the field element under `key` (type 5), from `store`.
pub fn blob_part(store: &dyn Store, key: [u8; 32]) -> Result<BlobPart, String> {
    let get = |k: PreimageKey, what: &str| -> Result<Vec<u8>, String> {
        store
            .get(&k)
            .map_err(|e| format!("{what}: {e}"))?
            .ok_or_else(|| format!("{what} {} is not in the store", hex::encode(k.0)))
    };
    let mut kp = key;
    kp[0] = 2;
    let point = get(PreimageKey(kp), "the blob key's preimage")?;
    let (commitment, z): ([u8; 48], [u8; 32]) = match point.len() {
        80 => (
            point[..48].try_into().expect("48 bytes"),
            point[48..].try_into().expect("32 bytes"),
        ),
        n => return Err(format!("the blob key's preimage has {n} bytes, not 80")),
    };
    let y = get(PreimageKey(key), "the field element")?;
    let y: [u8; 32] = y
        .try_into()
        .map_err(|v: Vec<u8>| format!("the field element has {} bytes, not 32", v.len()))?;
    let mut blob = vec![0u8; verdict_claim::blobs::evaluation_points().len() * 32];
    for (i, zi) in verdict_claim::blobs::evaluation_points().iter().enumerate() {
        let v = get(
            verdict_claim::blobs::field_element_key(&commitment, zi),
            "a field element of the blob",
        )?;
        if v.len() != 32 {
            return Err(format!("field element {i} has {} bytes, not 32", v.len()));
        }
        blob[i * 32..(i + 1) * 32].copy_from_slice(&v);
    }
    let kzg = |e: c_kzg::Error| format!("KZG: {e:?}");
    let settings = c_kzg::ethereum_kzg_settings(0);
    let b = c_kzg::Blob::from_bytes(&blob).map_err(kzg)?;
    let c = settings.blob_to_kzg_commitment(&b).map_err(kzg)?;
    if c.to_bytes().as_slice() != commitment.as_slice() {
        return Err("the stored field elements are not the committed blob's".into());
    }
    let (proof, value) = settings
        .compute_kzg_proof(&b, &c_kzg::Bytes32::new(z))
        .map_err(kzg)?;
    if value.as_slice() != y.as_slice() {
        return Err("the blob's value at z is not the stored field element".into());
    }
    Ok(BlobPart {
        z,
        y,
        commitment,
        proof: proof.to_bytes().into_inner(),
    })
}
