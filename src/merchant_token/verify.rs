//! Verifying merchant token metadata: the payment token's CMS, chain, marker and
//! algorithm checks over the metadata's own signed content, yielding a
//! [`VerifiedTokenMetadata`] — the only thing [`crate::Keyring::decrypt_metadata`]
//! accepts.

use alloc::string::String;

use crate::error::Error;
use crate::merchant_token::model::EncryptedTokenMetadata;
use crate::time::UnixTime;
use crate::token::verify::{Verifier, check_signing_time};

/// Merchant token metadata whose signature and certificate chain have been checked.
///
/// Only [`EncryptedTokenMetadata::verify`] and
/// [`EncryptedTokenMetadata::verify_at_signing_time`] make one;
/// [`crate::Keyring::decrypt_metadata`] requires one.
#[derive(Clone, Debug)]
#[must_use = "verified metadata is only useful when decrypted"]
pub struct VerifiedTokenMetadata {
    metadata: EncryptedTokenMetadata,
    signing_time: UnixTime,
    leaf_subject: String,
    leaf_not_after: UnixTime,
}

impl VerifiedTokenMetadata {
    /// The verified metadata.
    #[must_use]
    pub fn metadata(&self) -> &EncryptedTokenMetadata {
        &self.metadata
    }

    /// The signed `signingTime` attribute: when Apple signed the metadata.
    #[must_use]
    pub fn signing_time(&self) -> UnixTime {
        self.signing_time
    }

    /// The subject of Apple's signing (leaf) certificate as text.
    #[must_use]
    pub fn leaf_subject(&self) -> &str {
        &self.leaf_subject
    }

    /// When the signing certificate expires.
    #[must_use]
    pub fn leaf_not_after(&self) -> UnixTime {
        self.leaf_not_after
    }
}

impl EncryptedTokenMetadata {
    /// Verifies the metadata as of `now`: the CMS signature is Apple's (leaf certificate
    /// with the Apple Pay marker, issued by Apple's intermediate, issued by a trust
    /// anchor of `verifier`, both valid at `now`, the signer's algorithm the leaf key's),
    /// and it covers this metadata's key field and data (see
    /// [what the signature covers](EncryptedTokenMetadata#what-the-signature-covers)).
    ///
    /// **No maximum age.** Unlike a payment token's, the metadata's signing time may lie
    /// days before `now`: you fetch the event after Apple's notification, possibly much
    /// later, and its freshness comes from Apple's authenticated answer over mutual TLS,
    /// not from the signature. A signing time more than
    /// [`MAX_CLOCK_SKEW`](crate::MAX_CLOCK_SKEW) after `now` is still refused.
    ///
    /// Errors: [`Error::Malformed`] when the signature is not a readable CMS
    /// `SignedData`, [`Error::CertificateChain`], [`Error::SignatureInvalid`] (also for a
    /// signature over the payment-token rule, which appends a transaction id),
    /// [`Error::SigningTimeOutOfWindow`] for a signing time in the future (with
    /// [`crate::SigningTimeProblem::InFuture`] and no `max_age`).
    pub fn verify(
        &self,
        verifier: &Verifier,
        now: UnixTime,
    ) -> Result<VerifiedTokenMetadata, Error> {
        let verified = self.verify_signature(verifier, Some(now))?;
        check_signing_time(verified.signing_time, now, None)?;
        Ok(verified)
    }

    /// Verifies the metadata as of its own signing time: the same checks as
    /// [`EncryptedTokenMetadata::verify`], with the certificates' validity checked at the
    /// `signingTime`. For re-checking stored metadata and test vectors.
    pub fn verify_at_signing_time(
        &self,
        verifier: &Verifier,
    ) -> Result<VerifiedTokenMetadata, Error> {
        self.verify_signature(verifier, None)
    }

    fn verify_signature(
        &self,
        verifier: &Verifier,
        chain_time: Option<UnixTime>,
    ) -> Result<VerifiedTokenMetadata, Error> {
        let checked =
            verifier.verify_detached(self.signature(), &self.signed_content(), chain_time)?;
        Ok(VerifiedTokenMetadata {
            metadata: self.clone(),
            signing_time: checked.signing_time,
            leaf_subject: checked.leaf.subject.clone(),
            leaf_not_after: checked.leaf.not_after,
        })
    }
}
