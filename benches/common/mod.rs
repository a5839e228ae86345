//! Inputs shared by the criterion and gungraun benches: one token minted by the crate's
//! Apple-side simulator (so no external files), a keyring holding its merchant key, and a
//! verifier trusting its test root.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use applepay_crypto::bench_hooks::{self, SignerParts};
use applepay_crypto::mint::{SAMPLE_PLAINTEXT, TestPki, TokenSpec};
use applepay_crypto::{Keyring, PaymentToken, TrustAnchors, UnixTime, VerifiedToken, Verifier};

/// The name of the back-end this build uses, for bench ids.
pub const BACKEND: &str = if cfg!(feature = "aws-lc-rs") {
    "aws-lc-rs"
} else {
    "rustcrypto"
};

/// Everything a bench needs, built once.
pub struct Fixture {
    pub pki: TestPki,
    pub json: String,
    pub token: PaymentToken,
    pub anchors: TrustAnchors,
    /// A verifier that has already verified the token twice (its caches are warm: the
    /// RustCrypto back-end builds its table for the leaf key on the key's second use).
    pub warm: Verifier,
    pub keyring: Keyring,
    pub verified: VerifiedToken,
    pub now: UnixTime,
    pub parts: SignerParts,
    pub merchant_key_pem: String,
}

impl Fixture {
    pub fn new() -> Self {
        let pki = TestPki::new(b"applepay-crypto bench").unwrap();
        let signed = UnixTime::parse_rfc3339("2026-01-02T03:04:05Z").unwrap();
        let json = pki
            .mint(&TokenSpec::new(
                SAMPLE_PLAINTEXT.as_bytes().to_vec(),
                signed,
            ))
            .unwrap();
        let token = PaymentToken::from_json(json.as_bytes()).unwrap();
        let anchors = pki.trust_anchors().unwrap();
        let warm = Verifier::with_anchors(anchors.clone());
        let now = signed.saturating_add_secs(10);
        let verified = token
            .verify(&warm, now, applepay_crypto::DEFAULT_MAX_AGE)
            .unwrap();
        // A live backend has seen the leaf key many times: use it a second time, so the
        // benches measure the steady state, not the one-time table build.
        let _second = token
            .verify(&warm, now, applepay_crypto::DEFAULT_MAX_AGE)
            .unwrap();
        let mut keyring = Keyring::new();
        keyring.add_with_merchant_id(pki.merchant_key().unwrap(), pki.merchant_id());
        keyring.decrypt(&verified).unwrap();
        let parts = bench_hooks::signer_parts(token.signature()).unwrap();
        let merchant_key_pem = pki.merchant_key_pem().unwrap();
        Self {
            pki,
            json,
            token,
            anchors,
            warm,
            keyring,
            verified,
            now,
            parts,
            merchant_key_pem,
        }
    }

    /// Verify with the warm verifier, then decrypt: the work per token of a live backend.
    pub fn end_to_end(&self, json: &[u8]) -> usize {
        let token = PaymentToken::from_json(json).unwrap();
        let verified = token
            .verify(&self.warm, self.now, applepay_crypto::DEFAULT_MAX_AGE)
            .unwrap();
        self.keyring.decrypt(&verified).unwrap().plaintext().len()
    }

    /// Parse and decrypt without verification.
    pub fn decrypt_unverified(&self, json: &[u8]) -> usize {
        let token = PaymentToken::from_json(json).unwrap();
        applepay_crypto::dangerous::decrypt_unverified(&self.keyring, &token)
            .unwrap()
            .plaintext()
            .len()
    }
}

/// The floor: the two public-key operations of a token done directly with the back-end
/// library, no crate code in between. Keys arrive as the token carries them (ephemeral
/// key as SPKI DER, leaf key as SPKI DER), so parsing and point validation are included.
pub mod floor {
    #[cfg(not(feature = "aws-lc-rs"))]
    pub struct Floor {
        secret: p256::SecretKey,
    }

    #[cfg(not(feature = "aws-lc-rs"))]
    impl Floor {
        pub fn new(merchant_key_pem: &str) -> Self {
            Self {
                secret: p256::SecretKey::from_sec1_pem(merchant_key_pem).unwrap(),
            }
        }

        pub fn ecdh(&self, ephemeral_spki: &[u8]) -> u8 {
            use p256::pkcs8::DecodePublicKey;
            let peer = p256::PublicKey::from_public_key_der(ephemeral_spki).unwrap();
            let z = p256::ecdh::diffie_hellman(self.secret.to_nonzero_scalar(), peer.as_affine());
            z.raw_secret_bytes()[0]
        }

        /// The whole shared secret `Z` (for the `parts` benches' inputs).
        pub fn shared_secret(&self, ephemeral_spki: &[u8]) -> [u8; 32] {
            use p256::pkcs8::DecodePublicKey;
            let peer = p256::PublicKey::from_public_key_der(ephemeral_spki).unwrap();
            let z = p256::ecdh::diffie_hellman(self.secret.to_nonzero_scalar(), peer.as_affine());
            (*z.raw_secret_bytes()).into()
        }

        pub fn ecdsa_verify(&self, spki: &[u8], message: &[u8], signature: &[u8]) -> bool {
            use p256::pkcs8::DecodePublicKey;
            use signature::Verifier;
            let key = p256::ecdsa::VerifyingKey::from_public_key_der(spki).unwrap();
            let sig = p256::ecdsa::Signature::from_der(signature).unwrap();
            key.verify(message, &sig).is_ok()
        }
    }

    #[cfg(feature = "aws-lc-rs")]
    pub struct Floor {
        secret: aws_lc_rs::agreement::PrivateKey,
    }

    #[cfg(feature = "aws-lc-rs")]
    impl Floor {
        pub fn new(merchant_key_pem: &str) -> Self {
            let der = pem_rfc7468::decode_vec(merchant_key_pem.as_bytes())
                .unwrap()
                .1;
            Self {
                secret: aws_lc_rs::agreement::PrivateKey::from_private_key_der(
                    &aws_lc_rs::agreement::ECDH_P256,
                    &der,
                )
                .unwrap(),
            }
        }

        pub fn ecdh(&self, ephemeral_spki: &[u8]) -> u8 {
            use aws_lc_rs::agreement;
            let peer = agreement::UnparsedPublicKey::new(&agreement::ECDH_P256, ephemeral_spki);
            agreement::agree(&self.secret, peer, (), |z| Ok(z[0])).unwrap()
        }

        /// The whole shared secret `Z` (for the `parts` benches' inputs).
        pub fn shared_secret(&self, ephemeral_spki: &[u8]) -> [u8; 32] {
            use aws_lc_rs::agreement;
            let peer = agreement::UnparsedPublicKey::new(&agreement::ECDH_P256, ephemeral_spki);
            agreement::agree(&self.secret, peer, (), |z| Ok(z.try_into().unwrap())).unwrap()
        }

        pub fn ecdsa_verify(&self, spki: &[u8], message: &[u8], signature: &[u8]) -> bool {
            use aws_lc_rs::signature;
            signature::UnparsedPublicKey::new(&signature::ECDSA_P256_SHA256_ASN1, spki)
                .verify(message, signature)
                .is_ok()
        }
    }
}
