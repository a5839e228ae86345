//! Token verification: CMS signature, Apple's certificate chain and the signing time,
//! yielding a [`VerifiedToken`] — the only thing [`crate::Keyring::decrypt`] accepts.
//!
//! Why verification must come first: the token is encrypted to the merchant's *public*
//! key with an ephemeral key the sender picks, so anyone can make a token that decrypts
//! perfectly. Only the signature, made by Apple's leaf certificate over the ephemeral key,
//! the ciphertext and the transaction id, shows that Apple produced it on a customer's
//! device; only the signing time bounds how long a captured token can be replayed.

use alloc::sync::Arc;
use core::time::Duration;

use subtle::ConstantTimeEq;

use super::anchors::TrustAnchors;
use super::chain;
use super::chain_cache::{ChainCache, Leaf};
use crate::error::{Error, SigningTimeProblem};
use crate::provider::{Provider, default_provider};
use crate::time::UnixTime;
use crate::token::cms::CmsSignature;
use crate::token::model::PaymentToken;

/// A default maximum age for a token's signing time: five minutes (Apple recommends
/// accepting only tokens signed within a few minutes).
pub const DEFAULT_MAX_AGE: Duration = Duration::from_secs(300);

/// How far in the future (relative to `now`) a signing time may lie, to absorb clock
/// differences between Apple and the verifier: 60 seconds. Later signing times are
/// [`Error::SigningTimeOutOfWindow`].
pub const MAX_CLOCK_SKEW: Duration = Duration::from_secs(60);

/// Checks payment tokens against a set of trust anchors with a crypto back-end.
///
/// Build one at start-up and share it between threads: with `std` it remembers, by the
/// certificates' bytes and for a bounded number of each, which intermediates its anchors
/// signed and which (intermediate, leaf) paths passed every certificate check, so the
/// certificate work — the same for every token — is done once, not per token: a token
/// carrying a path already checked has neither its certificates parsed nor their
/// signatures verified again. Which certificate the signer names, and both certificates'
/// validity at the verification time, are still checked for every token, as are the
/// token's own signature, digest and signing time. Clones share that memory.
#[derive(Clone, Debug)]
pub struct Verifier {
    anchors: TrustAnchors,
    provider: &'static dyn Provider,
    chain_cache: Arc<ChainCache>,
}

impl Verifier {
    /// A verifier trusting Apple Root CA - G3, with the default back-end.
    #[must_use]
    pub fn new() -> Self {
        Self::with_anchors(TrustAnchors::apple())
    }

    /// A verifier trusting `anchors` instead of Apple's root (test PKIs, a rotated root),
    /// with the default back-end.
    #[must_use]
    pub fn with_anchors(anchors: TrustAnchors) -> Self {
        Self {
            anchors,
            provider: default_provider(),
            chain_cache: Arc::default(),
        }
    }

    /// The same verifier using `provider` for every signature and digest.
    #[must_use]
    pub fn with_provider(self, provider: &'static dyn Provider) -> Self {
        Self {
            provider,
            chain_cache: Arc::default(),
            ..self
        }
    }

    /// The trust anchors.
    #[must_use]
    pub fn anchors(&self) -> &TrustAnchors {
        &self.anchors
    }
}

impl Default for Verifier {
    fn default() -> Self {
        Self::new()
    }
}

/// A token whose signature, certificate chain and signing time have been checked.
///
/// Only [`PaymentToken::verify`] and [`PaymentToken::verify_at_signing_time`] make one;
/// [`crate::Keyring::decrypt`] requires one.
#[derive(Clone, Debug)]
#[must_use = "a verified token is only useful when decrypted"]
pub struct VerifiedToken {
    token: PaymentToken,
    signing_time: UnixTime,
    leaf: Arc<Leaf>,
    /// Set by [`PaymentToken::verify`]: the verification time and the forget instant.
    window: Option<ReplayWindow>,
}

/// What a replay guard needs to know about a token verified against a time.
#[derive(Clone, Copy, Debug)]
pub(crate) struct ReplayWindow {
    /// The `now` the token was verified at.
    pub(crate) verified_at: UnixTime,
    /// Signing time + maximum age + [`MAX_CLOCK_SKEW`].
    pub(crate) forget_at: UnixTime,
}

impl VerifiedToken {
    /// The verified token.
    #[must_use]
    pub fn token(&self) -> &PaymentToken {
        &self.token
    }

    /// The signed `signingTime` attribute: when Apple signed the token.
    #[must_use]
    pub fn signing_time(&self) -> UnixTime {
        self.signing_time
    }

    /// The subject of Apple's signing (leaf) certificate as text, attributes in encoding
    /// order (e.g. `C=US,O=Apple Inc.,OU=iOS Systems,CN=ecc-smp-broker-sign_UC4-PROD`).
    #[must_use]
    pub fn leaf_subject(&self) -> &str {
        &self.leaf.subject
    }

    /// When the signing certificate expires.
    #[must_use]
    pub fn leaf_not_after(&self) -> UnixTime {
        self.leaf.not_after
    }

    /// The time the token was verified at (the `now` given to [`PaymentToken::verify`]);
    /// `None` for [`PaymentToken::verify_at_signing_time`].
    #[must_use]
    pub fn verified_at(&self) -> Option<UnixTime> {
        self.window.map(|w| w.verified_at)
    }

    /// The instant from which a replay guard may forget this token's transaction id:
    /// signing time + the maximum age it was verified with + [`MAX_CLOCK_SKEW`]. From
    /// then on the token fails the signing-time check of any verifier whose clock is
    /// within the skew of this one. `None` for [`PaymentToken::verify_at_signing_time`],
    /// which has no window: such a token cannot be guarded against replays.
    #[must_use]
    pub fn forget_at(&self) -> Option<UnixTime> {
        self.window.map(|w| w.forget_at)
    }

    pub(crate) fn replay_window(&self) -> Option<ReplayWindow> {
        self.window
    }
}

impl PaymentToken {
    /// Verifies the token as of `now`: the CMS signature is Apple's (leaf certificate with
    /// the Apple Pay marker, issued by Apple's intermediate, issued by a trust anchor of
    /// `verifier`, both valid at `now`), it covers this token's ephemeral key, data,
    /// transaction id and application data, and its `signingTime` is at most `max_age`
    /// before `now` and at most [`MAX_CLOCK_SKEW`] after it. Use [`DEFAULT_MAX_AGE`]
    /// unless you have a reason not to.
    ///
    /// Errors: [`Error::Malformed`] when the signature is not a readable CMS `SignedData`,
    /// [`Error::CertificateChain`], [`Error::SignatureInvalid`],
    /// [`Error::SigningTimeOutOfWindow`].
    pub fn verify(
        &self,
        verifier: &Verifier,
        now: UnixTime,
        max_age: Duration,
    ) -> Result<VerifiedToken, Error> {
        let mut verified = self.verify_signature(verifier, Some(now))?;
        let signing = verified.signing_time;
        check_signing_time(signing, now, Some(max_age))?;
        verified.window = Some(ReplayWindow {
            verified_at: now,
            forget_at: signing
                .saturating_add_secs(max_age.as_secs())
                .saturating_add_secs(MAX_CLOCK_SKEW.as_secs()),
        });
        Ok(verified)
    }

    /// Verifies the token as of its own signing time: the same checks as
    /// [`PaymentToken::verify`], with the certificates' validity checked at the token's
    /// `signingTime` and no freshness window.
    ///
    /// **This does not detect replays.** It is for re-checking stored tokens (audits,
    /// disputes, test vectors), never for accepting a payment.
    pub fn verify_at_signing_time(&self, verifier: &Verifier) -> Result<VerifiedToken, Error> {
        self.verify_signature(verifier, None)
    }

    /// Signature, digest and chain (at `chain_time`, or the signing time if `None`).
    fn verify_signature(
        &self,
        verifier: &Verifier,
        chain_time: Option<UnixTime>,
    ) -> Result<VerifiedToken, Error> {
        let checked =
            verifier.verify_detached(self.signature(), &self.signed_content(), chain_time)?;
        Ok(VerifiedToken {
            token: self.clone(),
            signing_time: checked.signing_time,
            leaf: checked.leaf,
            window: None,
        })
    }
}

/// What [`Verifier::verify_detached`] found: when Apple signed, and with which leaf.
pub(crate) struct CheckedSignature {
    pub(crate) signing_time: UnixTime,
    pub(crate) leaf: Arc<Leaf>,
}

impl Verifier {
    /// Checks a detached CMS signature the way Apple signs payment tokens and merchant
    /// token metadata: the signer is a leaf with Apple's marker, issued by an
    /// intermediate with Apple's marker, issued by one of the anchors, both valid at
    /// `chain_time` (or at the signing time, if `None`); the `messageDigest` attribute is
    /// the SHA-256 of the concatenated `signed_content`; the signer's algorithm is the
    /// one the leaf's key makes; the signature over the signed attributes holds.
    ///
    /// The signed content is a parameter because it differs between documents (a
    /// payment token signs its transaction id too, merchant token metadata does not);
    /// the signing-time window is the caller's to check.
    pub(crate) fn verify_detached(
        &self,
        signature: &[u8],
        signed_content: &[&[u8]],
        chain_time: Option<UnixTime>,
    ) -> Result<CheckedSignature, Error> {
        let provider = self.provider;
        let cms = CmsSignature::parse(signature)?;
        let time = chain_time.unwrap_or(cms.signing_time);
        let leaf = chain::verify_chain(
            provider,
            &self.anchors,
            &self.chain_cache,
            cms.certificates(),
            &cms.signer,
            time,
        )?;

        let digest = provider.sha256(signed_content);
        // `ct_eq` on slices of different lengths is false.
        if !bool::from(digest.as_slice().ct_eq(cms.message_digest)) {
            return Err(Error::SignatureInvalid);
        }
        // The SignerInfo's algorithm must be the one the leaf's key makes: ECDSA for a
        // P-256 leaf, RSA PKCS#1 v1.5 for an RSA leaf (both with SHA-256).
        if cms.signature_algorithm != leaf.signature_algorithm {
            return Err(Error::SignatureInvalid);
        }
        leaf.verify(provider, &cms.signed_attrs_der, cms.signature)?;
        Ok(CheckedSignature {
            signing_time: cms.signing_time,
            leaf,
        })
    }
}

/// [`Error::SigningTimeOutOfWindow`] unless `signing_time` lies at most `max_age` (if any)
/// before `now` and at most [`MAX_CLOCK_SKEW`] after it.
pub(crate) fn check_signing_time(
    signing_time: UnixTime,
    now: UnixTime,
    max_age: Option<Duration>,
) -> Result<(), Error> {
    let problem = if signing_time > now.saturating_add_secs(MAX_CLOCK_SKEW.as_secs()) {
        SigningTimeProblem::InFuture
    } else if max_age.is_some_and(|age| signing_time < now.saturating_sub_secs(age.as_secs())) {
        SigningTimeProblem::TooOld
    } else {
        return Ok(());
    };
    Err(Error::SigningTimeOutOfWindow {
        problem,
        signing_time,
        verification_time: now,
        max_age,
        max_skew: MAX_CLOCK_SKEW,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::{ChainCertificate, ChainError};

    fn read(vector: &str, file: &str) -> Vec<u8> {
        std::fs::read(format!(
            "{}/test-vectors/{vector}/{file}",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap()
    }

    fn verifier_for(vector: &str) -> Verifier {
        let path = format!(
            "{}/test-vectors/{vector}/test_root.pem",
            env!("CARGO_MANIFEST_DIR")
        );
        match std::fs::read(path) {
            Ok(pem) => Verifier::with_anchors(TrustAnchors::from_pem_or_der(&pem).unwrap()),
            Err(_) => Verifier::new(),
        }
    }

    const REAL: [&str; 4] = [
        "gala-current",
        "gala-2015",
        "synthetic-appdata",
        "synthetic-leading-zero",
    ];

    #[test]
    fn real_tokens_verify_at_and_just_after_signing_time() {
        for name in REAL {
            let token = PaymentToken::from_json(&read(name, "token.json")).unwrap();
            let verifier = verifier_for(name);
            let at_signing = token.verify_at_signing_time(&verifier).unwrap();
            let signed = at_signing.signing_time();
            let later = token
                .verify(&verifier, signed.saturating_add_secs(60), DEFAULT_MAX_AGE)
                .unwrap();
            assert_eq!(later.signing_time(), signed, "{name}");
            assert!(later.leaf_not_after() > signed, "{name}");
        }
    }

    #[test]
    fn real_tokens_fail_today() {
        let today = UnixTime::parse_rfc3339("2026-11-23T12:00:00Z").unwrap();
        for name in REAL {
            let token = PaymentToken::from_json(&read(name, "token.json")).unwrap();
            let err = token
                .verify(&verifier_for(name), today, DEFAULT_MAX_AGE)
                .unwrap_err();
            assert!(
                matches!(
                    err,
                    Error::SigningTimeOutOfWindow { .. } | Error::CertificateChain(_)
                ),
                "{name}: {err:?}"
            );
        }
    }

    #[test]
    fn apple_leaf_subject() {
        let token = PaymentToken::from_json(&read("gala-current", "token.json")).unwrap();
        let verified = token.verify_at_signing_time(&Verifier::new()).unwrap();
        assert_eq!(verified.signing_time().to_string(), "2021-09-01T19:03:06Z");
        assert!(
            verified
                .leaf_subject()
                .contains("CN=ecc-smp-broker-sign_UC4-PROD")
        );
        assert_eq!(
            verified.leaf_not_after().to_string(),
            "2024-05-16T01:32:57Z"
        );
    }

    #[test]
    fn window_edges() {
        let token = PaymentToken::from_json(&read("gala-current", "token.json")).unwrap();
        let verifier = Verifier::new();
        let signed = UnixTime::parse_rfc3339("2021-09-01T19:03:06Z").unwrap();
        let check = |now: UnixTime| token.verify(&verifier, now, DEFAULT_MAX_AGE).map(|_| ());
        assert!(check(signed).is_ok());
        assert!(check(signed.saturating_add_secs(300)).is_ok());
        let late = signed.saturating_add_secs(301);
        let err = check(late).unwrap_err();
        assert_eq!(
            err,
            Error::SigningTimeOutOfWindow {
                problem: SigningTimeProblem::TooOld,
                signing_time: signed,
                verification_time: late,
                max_age: Some(DEFAULT_MAX_AGE),
                max_skew: MAX_CLOCK_SKEW,
            }
        );
        assert_eq!(err.kind(), "signing_time");
        assert_eq!(
            err.to_string(),
            "token signing time 2021-09-01T19:03:06Z is too old: verified at \
             2021-09-01T19:08:07Z, the window accepts signing times from \
             2021-09-01T19:03:07Z to 2021-09-01T19:09:07Z (max age 300s, clock skew 60s)"
        );
        assert!(check(signed.saturating_sub_secs(60)).is_ok());
        let early = signed.saturating_sub_secs(61);
        let err = check(early).unwrap_err();
        assert_eq!(
            err,
            Error::SigningTimeOutOfWindow {
                problem: SigningTimeProblem::InFuture,
                signing_time: signed,
                verification_time: early,
                max_age: Some(DEFAULT_MAX_AGE),
                max_skew: MAX_CLOCK_SKEW,
            }
        );
        assert_eq!(
            err.to_string(),
            "token signing time 2021-09-01T19:03:06Z is in the future: verified at \
             2021-09-01T19:02:05Z, the window accepts signing times from \
             2021-09-01T18:57:05Z to 2021-09-01T19:03:05Z (max age 300s, clock skew 60s)"
        );
    }

    #[test]
    fn without_a_max_age_only_the_future_is_refused() {
        let now = UnixTime::parse_rfc3339("2026-12-07T11:00:00Z").unwrap();
        assert!(check_signing_time(UnixTime::since_unix_epoch(0), now, None).is_ok());
        assert!(check_signing_time(now.saturating_add_secs(60), now, None).is_ok());
        let err = check_signing_time(now.saturating_add_secs(61), now, None).unwrap_err();
        assert!(matches!(
            err,
            Error::SigningTimeOutOfWindow {
                problem: SigningTimeProblem::InFuture,
                max_age: None,
                ..
            }
        ));
        assert_eq!(
            err.to_string(),
            "token signing time 2026-12-07T11:01:01Z is in the future: verified at \
             2026-12-07T11:00:00Z, the window accepts signing times up to \
             2026-12-07T11:01:00Z (no max age, clock skew 60s)"
        );
    }

    #[test]
    fn wrong_anchor_and_tampering() {
        let token = PaymentToken::from_json(&read("gala-current", "token.json")).unwrap();
        let test_root = read("synthetic-appdata", "test_root.pem");
        let other = Verifier::with_anchors(TrustAnchors::from_pem_or_der(&test_root).unwrap());
        assert_eq!(
            token.verify_at_signing_time(&other).unwrap_err(),
            Error::CertificateChain(ChainError::UntrustedRoot)
        );
        assert_eq!(
            token
                .verify_at_signing_time(&Verifier::with_anchors(TrustAnchors::empty()))
                .unwrap_err(),
            Error::CertificateChain(ChainError::UntrustedRoot)
        );
        // Another token's signature over this token's content.
        let mut json: serde_json::Value =
            serde_json::from_slice(&read("gala-current", "token.json")).unwrap();
        let other: serde_json::Value =
            serde_json::from_slice(&read("gala-2015", "token.json")).unwrap();
        json["signature"] = other["signature"].clone();
        let swapped = PaymentToken::from_json(json.to_string().as_bytes()).unwrap();
        assert_eq!(
            swapped
                .verify_at_signing_time(&Verifier::new())
                .unwrap_err(),
            Error::SignatureInvalid
        );
    }

    #[test]
    fn a_warm_verifier_still_checks_validity_and_signatures_per_token() {
        let token = PaymentToken::from_json(&read("gala-current", "token.json")).unwrap();
        let verifier = Verifier::new();
        let signed = token
            .verify_at_signing_time(&verifier)
            .unwrap()
            .signing_time();
        // The certificates are cached now; the leaf expired in 2024 all the same.
        let today = UnixTime::parse_rfc3339("2026-11-23T12:00:00Z").unwrap();
        for _ in 0..2 {
            assert_eq!(
                token.verify(&verifier, today, DEFAULT_MAX_AGE).unwrap_err(),
                Error::CertificateChain(ChainError::Expired {
                    certificate: ChainCertificate::Leaf,
                    not_before: UnixTime::parse_rfc3339("2019-05-18T01:32:57Z").unwrap(),
                    not_after: UnixTime::parse_rfc3339("2024-05-16T01:32:57Z").unwrap(),
                    time: today,
                })
            );
        }
        assert!(token.verify(&verifier, signed, DEFAULT_MAX_AGE).is_ok());
        // The same certificates with another token's signature: cached path, bad signature.
        let mut json: serde_json::Value =
            serde_json::from_slice(&read("gala-current", "token.json")).unwrap();
        json["data"] = serde_json::Value::from("AAAAAAAAAAAAAAAAAAAAAAAAAAAA");
        let tampered = PaymentToken::from_json(json.to_string().as_bytes()).unwrap();
        assert_eq!(
            tampered.verify_at_signing_time(&verifier).unwrap_err(),
            Error::SignatureInvalid
        );
        // Clones share the cache; a verifier with other anchors does not trust the path.
        assert!(token.verify_at_signing_time(&verifier.clone()).is_ok());
        let test_root = read("synthetic-appdata", "test_root.pem");
        let other = Verifier::with_anchors(TrustAnchors::from_pem_or_der(&test_root).unwrap());
        assert_eq!(
            token.verify_at_signing_time(&other).unwrap_err(),
            Error::CertificateChain(ChainError::UntrustedRoot)
        );
    }

    #[test]
    fn verifier_is_send_and_sync() {
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<Verifier>();
        assert_send_sync::<VerifiedToken>();
    }
}
