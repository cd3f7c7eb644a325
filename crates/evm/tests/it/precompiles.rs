//! The node executes with revm's C precompile backends (secp256k1, c-kzg); the proof program,
//! built without std, with the pure-Rust ones (k256, arkworks). A disagreement would split the
//! node from the program on the same block, so the two are held together here: `ecrecover` on
//! real signatures and on garbage, and KZG point evaluation on true and corrupted proofs.

use alloy_eips::eip4844::{c_kzg, env_settings::EnvKzgSettings};
use alloy_primitives::{B256, B512, keccak256};
use alloy_signer::SignerSync;
use alloy_signer_local::PrivateKeySigner;
use proptest::prelude::*;
use revm::precompile::{
    kzg_point_evaluation::{arkworks, verify_kzg_proof},
    secp256k1::{bitcoin_secp256k1, k256},
};

fn both_recover(sig: &B512, recid: u8, msg: &B256) {
    let c = bitcoin_secp256k1::ecrecover(sig, recid, msg).ok();
    let rust = k256::ecrecover(sig, recid, msg).ok();
    assert_eq!(c, rust, "sig {sig} recid {recid} msg {msg}");
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn ecrecover_agrees_on_signatures(key in any::<[u8; 32]>(), msg in any::<[u8; 32]>()) {
        let Ok(signer) = PrivateKeySigner::from_bytes(&key.into()) else { return Ok(()) };
        let msg = B256::from(msg);
        let sig = signer.sign_hash_sync(&msg).unwrap();
        let mut rs = [0u8; 64];
        rs[..32].copy_from_slice(&sig.r().to_be_bytes::<32>());
        rs[32..].copy_from_slice(&sig.s().to_be_bytes::<32>());
        let rs = B512::from(rs);
        let recid = u8::from(sig.v());
        both_recover(&rs, recid, &msg);
        let recovered = k256::ecrecover(&rs, recid, &msg).unwrap();
        let address = signer.address();
        prop_assert_eq!(&recovered[12..], address.as_slice());
        // The other parity, and a changed message: both agree again.
        both_recover(&rs, recid ^ 1, &msg);
        both_recover(&rs, recid, &keccak256(msg));
    }

    #[test]
    fn ecrecover_agrees_on_garbage(sig in any::<[u8; 64]>(), recid in 0u8..4, msg in any::<[u8; 32]>()) {
        both_recover(&B512::from(sig), recid, &B256::from(msg));
    }
}

/// A blob of field elements from `seed` (each below the field modulus: top byte zero).
fn blob(seed: u8) -> Box<c_kzg::Blob> {
    let mut b = Box::new(c_kzg::Blob::default());
    for (i, chunk) in b.chunks_mut(32).enumerate() {
        chunk[1..].copy_from_slice(&keccak256([seed, i as u8, (i >> 8) as u8])[1..]);
    }
    b
}

#[test]
fn kzg_point_evaluation_agrees_on_true_and_corrupted_proofs() {
    let kzg = EnvKzgSettings::Default.get();
    let mut checked = 0;
    for seed in 0..4u8 {
        let blob = blob(seed);
        let commitment = kzg.blob_to_kzg_commitment(&blob).unwrap().to_bytes();
        for zi in 0..3u8 {
            let mut z = [0u8; 32];
            z[1..].copy_from_slice(&keccak256([seed, zi, 0xee])[1..]);
            let (proof, y) = kzg.compute_kzg_proof(&blob, &c_kzg::Bytes32::new(z)).unwrap();
            let (proof, y) = (proof.to_bytes(), y);
            let commitment: [u8; 48] = commitment.as_slice().try_into().unwrap();
            let proof: [u8; 48] = proof.as_slice().try_into().unwrap();
            let y: [u8; 32] = y.as_slice().try_into().unwrap();
            let cases = [
                (commitment, z, y, proof, true),
                (
                    commitment,
                    z,
                    {
                        let mut y = y;
                        y[31] ^= 1;
                        y
                    },
                    proof,
                    false,
                ),
                (
                    commitment,
                    {
                        let mut z = z;
                        z[31] ^= 1;
                        z
                    },
                    y,
                    proof,
                    false,
                ),
                (
                    commitment,
                    z,
                    y,
                    {
                        let mut p = proof;
                        p[47] ^= 1;
                        p
                    },
                    false,
                ),
                (
                    {
                        let mut c = commitment;
                        c[10] ^= 0x40;
                        c
                    },
                    z,
                    y,
                    proof,
                    false,
                ),
            ];
            for (c, z, y, p, valid) in cases {
                let native = verify_kzg_proof(&c, &z, &y, &p);
                let rust = arkworks::verify_kzg_proof(&c, &z, &y, &p);
                assert_eq!(native, rust, "seed {seed} point {zi}");
                assert_eq!(native, valid, "seed {seed} point {zi}");
                checked += 1;
            }
        }
    }
    assert_eq!(checked, 60);
}
