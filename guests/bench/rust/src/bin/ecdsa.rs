//! ecdsa: secp256k1 with the no_std `k256` crate (no precomputed tables, no alloc): for each of a few
//! messages, keccak256 it, sign the digest (RFC 6979, recoverable), verify the signature and recover
//! the public key from it (what an Ethereum sender check does). Prints a digest of all signatures.
#![cfg_attr(target_os = "none", no_std, no_main)]

#[cfg(target_os = "none")]
verdict_guest_rt::entry!(guest_main);

#[path = "../common.rs"]
mod common;

#[path = "../../../../rust/src/keccak.rs"]
mod keccak;

use common::{print, print_hex};
use k256::ecdsa::signature::hazmat::PrehashVerifier;
use k256::ecdsa::{SigningKey, VerifyingKey};

const MESSAGES: u64 = 16;

fn guest_main() -> u8 {
    print("ecdsa\n");
    let secret = keccak::keccak256(b"verdict benchmark key");
    let key = SigningKey::from_slice(&secret).expect("valid secret key");
    let public = *key.verifying_key();
    let mut all = [0u8; 32];
    for i in 0..MESSAGES {
        let mut msg = [0u8; 40];
        msg[..32].copy_from_slice(&all);
        msg[32..].copy_from_slice(&i.to_le_bytes());
        let digest = keccak::keccak256(&msg);
        let (sig, recid) = key.sign_prehash_recoverable(&digest).expect("signing");
        public.verify_prehash(&digest, &sig).expect("verification");
        let recovered = VerifyingKey::recover_from_prehash(&digest, &sig, recid).expect("recovery");
        assert!(recovered == public, "recovered key differs");
        let mut acc = [0u8; 97];
        acc[..32].copy_from_slice(&all);
        acc[32..96].copy_from_slice(&sig.to_bytes());
        acc[96] = recid.to_byte();
        all = keccak::keccak256(&acc);
    }
    let point = public.to_encoded_point(true);
    print_hex("public", point.as_bytes());
    print_hex("signatures", &all);
    0
}

#[cfg(not(target_os = "none"))]
fn main() {
    std::process::exit(guest_main() as i32)
}
