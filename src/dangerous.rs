//! Operations that skip a safety check. Each function here says which, and why you might
//! still need it.

use crate::error::Error;
use crate::token::keyring::Keyring;
use crate::token::model::PaymentToken;
use crate::token::payment::Payment;
use crate::token::plaintext::Plaintext;

/// Decrypts a token **without verifying its signature**.
///
/// Anyone can make a token that decrypts with your public key: the ephemeral key is
/// chosen by the sender. Without the signature check you cannot tell a token Apple made
/// on a customer's device from one an attacker made, nor detect a replayed token. Use
/// this only to inspect tokens you already trust (tests, debugging, re-reading a token
/// stored after it was verified). The normal path is [`crate::PaymentToken::verify`], then
/// [`Keyring::decrypt`].
///
/// **Never expose this to untrusted `RSA_v1` tokens.** For them it runs an RSA private-key
/// operation on a `wrappedKey` of the sender's choosing. RSA decryption of chosen
/// ciphertexts is a timing oracle (the Bleichenbacher / "Marvin" attacks,
/// RUSTSEC-2023-0071): an attacker who can submit many crafted tokens and time the
/// responses can recover the AES keys of genuine tokens they captured. Errors are opaque
/// and the operation is blinded, but only verification keeps attacker-chosen ciphertexts
/// away from the key.
pub fn decrypt_unverified(keyring: &Keyring, token: &PaymentToken) -> Result<Payment, Error> {
    decrypt_plaintext_unverified(keyring, token)?
        .into_payment()
        .map_err(|(e, _)| e)
}

/// [`decrypt_unverified`], returning the authenticated plaintext itself rather than its
/// typed view (as [`Keyring::decrypt_plaintext`] does for verified tokens).
///
/// Everything said about [`decrypt_unverified`] applies: the plaintext is authentic under
/// the *sender's* key, not necessarily Apple's, and `RSA_v1` tokens from untrusted senders
/// must never reach it.
pub fn decrypt_plaintext_unverified(
    keyring: &Keyring,
    token: &PaymentToken,
) -> Result<Plaintext, Error> {
    keyring.decrypt_unverified(token)
}
