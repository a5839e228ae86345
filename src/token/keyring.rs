//! Several merchant keys at once, each with its merchant identity, selected per token by
//! `header.publicKeyHash`.

use alloc::boxed::Box;
use alloc::vec::Vec;
use core::fmt;

use super::decrypt::{self, Sealed};
use crate::error::Error;
use crate::onboarding::merchant_cert::MerchantCertificate;
use crate::onboarding::merchant_id::MerchantIdHash;
use crate::provider::MerchantKey;
use crate::provider::{Provider, default_provider};
use crate::public_key_hash::PublicKeyHash;
use crate::token::model::PaymentToken;
use crate::token::payment::Payment;
use crate::token::plaintext::Plaintext;
use crate::token::replay::ReplayGuard;
use crate::token::verify::VerifiedToken;

/// The merchant keys a backend decrypts with: during certificate rotation there are two
/// per merchant, and a payment provider holds keys for many merchants.
///
/// Each key is paired with its merchant identity (the `PartyV` of the key derivation),
/// either from its Payment Processing certificate or from the merchant identifier. For
/// each token the keyring picks the key whose public key hash equals the token's
/// `header.publicKeyHash`; if there is none the error is [`Error::NoMatchingKey`], naming
/// the hash, rather than a decryption failure.
///
/// P-256 keys (`EC_v1` tokens) and RSA keys (`RSA_v1` tokens) can sit in one keyring; the
/// hash picks the key, and the key's type must fit the token's version. `RSA_v1` does not
/// use the merchant identity, but each key is still paired with one.
///
/// **RSA keys and side channels.** Decrypting an `RSA_v1` token runs an RSA private-key
/// operation on its `wrappedKey`. Run on ciphertexts an attacker chooses, RSA decryption
/// is a timing oracle (the Bleichenbacher / "Marvin" attacks) that can reveal other
/// tokens' keys. [`Keyring::decrypt`] takes only a [`VerifiedToken`], whose `wrappedKey`
/// Apple signed, so attackers cannot feed it their own; every unwrap failure is the same
/// [`Error::DecryptionFailed`]. Keep it that way: do not route unverified `RSA_v1` tokens
/// through [`crate::dangerous::decrypt_unverified`] on a server.
pub struct Keyring {
    provider: &'static dyn Provider,
    entries: Vec<Entry>,
}

struct Entry {
    key: Box<dyn MerchantKey>,
    public_key_hash: PublicKeyHash,
    merchant_id_hash: MerchantIdHash,
}

impl Keyring {
    /// An empty keyring using the default crypto back-end.
    #[must_use]
    pub fn new() -> Self {
        Self::with_provider(default_provider())
    }

    /// An empty keyring using `provider` for the symmetric steps (the keys perform their
    /// own private-key operation).
    #[must_use]
    pub fn with_provider(provider: &'static dyn Provider) -> Self {
        Self {
            provider,
            entries: Vec::new(),
        }
    }

    /// Adds `key` with the Payment Processing certificate Apple issued for it.
    ///
    /// The certificate must certify this key (same public key) and carry the merchant id
    /// hash extension; otherwise the error is [`Error::MerchantIdMismatch`].
    pub fn add_with_certificate(
        &mut self,
        key: impl MerchantKey + 'static,
        certificate: &MerchantCertificate,
    ) -> Result<&mut Self, Error> {
        let merchant_id_hash = certificate
            .merchant_id_hash()
            .ok_or(Error::MerchantIdMismatch)?;
        let public_key_hash = PublicKeyHash::of_spki_der_with(self.provider, key.public_key_spki());
        if public_key_hash != certificate.public_key_hash() {
            return Err(Error::MerchantIdMismatch);
        }
        Ok(self.push(Box::new(key), public_key_hash, merchant_id_hash))
    }

    /// Adds `key` for the merchant identifier `merchant_id` (e.g. `merchant.com.example`).
    pub fn add_with_merchant_id(
        &mut self,
        key: impl MerchantKey + 'static,
        merchant_id: &str,
    ) -> &mut Self {
        let hash = MerchantIdHash::of_merchant_id_with(self.provider, merchant_id);
        self.add_with_merchant_id_hash(key, hash)
    }

    /// Adds `key` for a merchant identified by its hash (the certificate extension value).
    pub fn add_with_merchant_id_hash(
        &mut self,
        key: impl MerchantKey + 'static,
        merchant_id_hash: MerchantIdHash,
    ) -> &mut Self {
        let public_key_hash = PublicKeyHash::of_spki_der_with(self.provider, key.public_key_spki());
        self.push(Box::new(key), public_key_hash, merchant_id_hash)
    }

    fn push(
        &mut self,
        key: Box<dyn MerchantKey>,
        public_key_hash: PublicKeyHash,
        merchant_id_hash: MerchantIdHash,
    ) -> &mut Self {
        self.entries.push(Entry {
            key,
            public_key_hash,
            merchant_id_hash,
        });
        self
    }

    /// The number of keys.
    #[must_use]
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether the keyring holds no key.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Whether a key with this public key hash is loaded.
    #[must_use]
    pub fn contains(&self, public_key_hash: &PublicKeyHash) -> bool {
        self.entries
            .iter()
            .any(|e| e.public_key_hash == *public_key_hash)
    }

    /// Decrypts a verified token into its typed payment data: [`Keyring::decrypt_plaintext`]
    /// followed by [`Plaintext::into_payment`].
    ///
    /// Errors: those of [`Keyring::decrypt_plaintext`], and [`Error::PaymentData`] when the
    /// authenticated plaintext lacks a field a processor needs (see [`Payment`]). For
    /// that case, or to never depend on the typed view, use
    /// [`Keyring::decrypt_plaintext`]: it returns the plaintext itself.
    pub fn decrypt(&self, token: &VerifiedToken) -> Result<Payment, Error> {
        self.decrypt_plaintext(token)?
            .into_payment()
            .map_err(|(e, _)| e)
    }

    /// Decrypts a verified token into its authenticated plaintext: picks the key whose
    /// public key hash equals the token's `header.publicKeyHash`, decrypts, and returns
    /// the bytes whose AES-GCM tag verified, unchanged.
    ///
    /// This is decryption's primary result: whatever the payment data holds (fields and
    /// types this crate has never seen), an authentic plaintext is returned.
    /// [`Plaintext::payment`] gives the typed view.
    ///
    /// Errors: [`Error::NoMatchingKey`] when no key has that hash,
    /// [`Error::DecryptionFailed`] when the key or merchant identity is wrong, the
    /// `wrappedKey` does not unwrap to a 16-byte key, or the data was altered.
    pub fn decrypt_plaintext(&self, token: &VerifiedToken) -> Result<Plaintext, Error> {
        self.decrypt_unverified(token.token())
    }

    /// [`Keyring::decrypt`] that accepts each transaction once: the token's
    /// transactionId is checked and recorded in `guard` first, so a copy of a token
    /// already accepted is [`Error::Replay`] and never reaches the key.
    ///
    /// The id is kept only when this returns `Ok`: on any error after it was recorded
    /// (no matching key, decryption failed, unusable payment data) it is released, so
    /// the same token is accepted once the cause is fixed. See
    /// [`Keyring::decrypt_plaintext_once`] for the window and the errors.
    pub fn decrypt_once<G: ReplayGuard + ?Sized>(
        &self,
        token: &VerifiedToken,
        guard: &G,
    ) -> Result<Payment, Error> {
        self.once(token, guard, |token| {
            self.decrypt_plaintext(token)?
                .into_payment()
                .map_err(|(e, _)| e)
        })
    }

    /// [`Keyring::decrypt_plaintext`] that accepts each transaction once: after
    /// verification and before decryption, the token's canonical transaction id
    /// ([`PaymentToken::transaction_id_hex`]) is checked and recorded in `guard`
    /// atomically, as of the time the token was verified at
    /// ([`VerifiedToken::verified_at`]) and until its forget instant
    /// ([`VerifiedToken::forget_at`]: signing time + maximum age + clock skew, when the
    /// token fails verification anyway). A token whose decryption then fails has its id
    /// released (the release's own failure is ignored: the id then stays recorded until
    /// its forget instant).
    ///
    /// Errors: [`Error::Replay`] for a copy of a token already accepted;
    /// [`Error::ReplayStore`] when the guard cannot answer (the token is refused);
    /// [`Error::InvalidParameter`] for a token verified with
    /// [`PaymentToken::verify_at_signing_time`], which has no window to guard; then
    /// those of [`Keyring::decrypt_plaintext`].
    pub fn decrypt_plaintext_once<G: ReplayGuard + ?Sized>(
        &self,
        token: &VerifiedToken,
        guard: &G,
    ) -> Result<Plaintext, Error> {
        self.once(token, guard, |token| self.decrypt_plaintext(token))
    }

    fn once<G: ReplayGuard + ?Sized, T>(
        &self,
        token: &VerifiedToken,
        guard: &G,
        decrypt: impl FnOnce(&VerifiedToken) -> Result<T, Error>,
    ) -> Result<T, Error> {
        let window = token.replay_window().ok_or(Error::InvalidParameter(
            "replay protection needs a token verified against the current time, not at its signing time",
        ))?;
        let id = token.token().transaction_id_hex();
        guard.check_and_record(id, window.verified_at, window.forget_at)?;
        let result = decrypt(token);
        if result.is_err() {
            // Best effort: if the store is gone the id stays until its forget instant.
            let _ = guard.release(id);
        }
        result
    }

    /// Decrypts a token that has *not* been verified. Reachable from outside only through
    /// [`crate::dangerous`].
    pub(crate) fn decrypt_unverified(&self, token: &PaymentToken) -> Result<Plaintext, Error> {
        self.decrypt_sealed(token.public_key_hash(), &token.sealed())
    }

    /// Decrypts an envelope encrypted for the key whose hash is `wanted`. Callers hold a
    /// verified document, or say loudly that they do not (`dangerous`).
    pub(crate) fn decrypt_sealed(
        &self,
        wanted: &PublicKeyHash,
        sealed: &Sealed<'_>,
    ) -> Result<Plaintext, Error> {
        let mut result = Err(Error::NoMatchingKey { wanted: *wanted });
        // One key may serve several merchant identities; try each pairing in order.
        for entry in self.entries.iter().filter(|e| e.public_key_hash == *wanted) {
            result = decrypt::decrypt(
                self.provider,
                entry.key.as_ref(),
                &entry.merchant_id_hash,
                sealed,
            );
            if !matches!(result, Err(Error::DecryptionFailed)) {
                break;
            }
        }
        result
    }
}

impl Default for Keyring {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for Keyring {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Keyring")
            .field("provider", &self.provider)
            .field(
                "keys",
                &self
                    .entries
                    .iter()
                    .map(|e| (e.public_key_hash, e.merchant_id_hash))
                    .collect::<Vec<_>>(),
            )
            .finish()
    }
}
