//! Operations that skip a safety check. Each function here says which, and why you might
//! still need it.

use crate::error::Error;
use crate::keyring::Keyring;
use crate::payment::Payment;
use crate::token::PaymentToken;

/// Decrypts a token **without verifying its signature**.
///
/// Anyone can make a token that decrypts with your public key: the ephemeral key is
/// chosen by the sender. Without the signature check you cannot tell a token Apple made
/// on a customer's device from one an attacker made, nor detect a replayed token. Use
/// this only to inspect tokens you already trust (tests, debugging, re-reading a token
/// stored after it was verified). The normal path is [`crate::PaymentToken::verify`], then
/// [`Keyring::decrypt`].
pub fn decrypt_unverified(keyring: &Keyring, token: &PaymentToken) -> Result<Payment, Error> {
    keyring.decrypt_unverified(token)
}
