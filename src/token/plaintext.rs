//! The authenticated plaintext: what decryption returns before any interpretation.

use alloc::vec::Vec;
use core::fmt;

use zeroize::Zeroizing;

use crate::error::Error;
use crate::token::payment::Payment;

/// The decrypted payment data exactly as the device encrypted it: the bytes whose AES-GCM
/// tag verified, unchanged.
///
/// This is decryption's primary result ([`crate::Keyring::decrypt_plaintext`]); the typed
/// view ([`Plaintext::payment`]) is a convenience over it and cannot make an
/// authenticated payment disappear. If Apple adds a field or changes a type that the
/// typed view refuses ([`Error::PaymentData`]), the bytes are still here to store,
/// forward to a processor or read with your own parser.
///
/// Zeroized on drop; `Debug` shows only the length.
#[must_use]
pub struct Plaintext {
    bytes: Zeroizing<Vec<u8>>,
}

impl Plaintext {
    pub(crate) fn new(bytes: Zeroizing<Vec<u8>>) -> Self {
        Self { bytes }
    }

    /// The decrypted bytes (Apple sends compact JSON).
    #[must_use]
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// The bytes, still zeroizing.
    #[must_use]
    pub fn into_bytes(self) -> Zeroizing<Vec<u8>> {
        self.bytes
    }

    /// The typed view of the payment data (a zeroizing copy of the bytes goes with it).
    ///
    /// A field a processor cannot do without that is missing or unusable is
    /// [`Error::PaymentData`] naming it; `self` still holds the plaintext. Which fields
    /// are strict and which lenient: [`Payment`].
    pub fn payment(&self) -> Result<Payment, Error> {
        Payment::from_plaintext(Zeroizing::new(self.bytes.to_vec()))
    }

    /// The typed view, consuming the plaintext (no copy). On error the plaintext is
    /// returned with it.
    pub fn into_payment(self) -> Result<Payment, (Error, Self)> {
        match Payment::parse(&self.bytes) {
            Ok(view) => Ok(view.with_plaintext(self.bytes)),
            Err(e) => Err((e, self)),
        }
    }
}

impl AsRef<[u8]> for Plaintext {
    fn as_ref(&self) -> &[u8] {
        &self.bytes
    }
}

impl fmt::Debug for Plaintext {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Plaintext")
            .field("len", &self.bytes.len())
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::format;

    const GOOD: &[u8] = br#"{"applicationPrimaryAccountNumber":"4111111111111111","applicationExpirationDate":"301231","currencyCode":"840","transactionAmount":"1000","paymentDataType":"3DSecure","paymentData":{"onlinePaymentCryptogram":"AAAA"}}"#;

    fn plaintext(bytes: &[u8]) -> Plaintext {
        Plaintext::new(Zeroizing::new(bytes.to_vec()))
    }

    #[test]
    fn typed_view_keeps_or_returns_the_plaintext() {
        let p = plaintext(GOOD);
        assert_eq!(p.payment().unwrap().transaction_amount(), 1000);
        assert_eq!(p.as_bytes(), GOOD);
        let payment = p.into_payment().unwrap();
        assert_eq!(payment.plaintext(), GOOD);

        let bad = [&GOOD[..GOOD.len() - 1], b",\"transactionAmount\":-1}"].concat();
        let p = plaintext(&bad);
        assert_eq!(p.payment().unwrap_err(), Error::PaymentData("payment data"));
        let no_amount = GOOD.to_vec();
        let text = core::str::from_utf8(&no_amount)
            .unwrap()
            .replace(r#""transactionAmount":"1000","#, "");
        let (error, back) = plaintext(text.as_bytes()).into_payment().unwrap_err();
        assert_eq!(error, Error::PaymentData("transactionAmount"));
        assert_eq!(back.as_bytes(), text.as_bytes());
        assert_eq!(back.as_ref(), text.as_bytes());
        assert_eq!(&back.into_bytes()[..], text.as_bytes());
    }

    #[test]
    fn debug_shows_only_the_length() {
        let debug = format!("{:?}", plaintext(GOOD));
        assert!(debug.contains(&format!("{}", GOOD.len())), "{debug}");
        assert!(!debug.contains("4111"), "{debug}");
    }
}
