//! Apple's successful answers to the API calls, kept byte for byte.

use alloc::vec::Vec;
use core::fmt;

use crate::error::Error;
use crate::merchant_validation::merchant_session::json_object;

/// Largest answer body read from an API call, in bytes. The same cap as the merchant
/// session's: Apple's answers are a few hundred bytes (an event with its encrypted
/// metadata, a public key, a merchant's domains).
pub const MAX_API_ANSWER_LEN: usize = 64 * 1024;

/// A successful answer's body: one JSON object of at most [`MAX_API_ANSWER_LEN`] bytes,
/// kept exactly as Apple sent it.
#[derive(Clone, PartialEq, Eq)]
pub struct ApiAnswer {
    bytes: Vec<u8>,
}

impl ApiAnswer {
    /// Checks that `bytes` is one JSON object within [`MAX_API_ANSWER_LEN`]
    /// ([`Error::InputTooLarge`] otherwise; anything but an object is
    /// [`Error::Malformed`]).
    pub fn from_json(bytes: &[u8]) -> Result<Self, Error> {
        json_object(
            bytes,
            MAX_API_ANSWER_LEN,
            "gateway answer (not a JSON object)",
        )?;
        Ok(Self {
            bytes: bytes.to_vec(),
        })
    }

    /// The bytes exactly as Apple sent them.
    #[must_use]
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// Unwraps the bytes.
    #[must_use]
    pub fn into_bytes(self) -> Vec<u8> {
        self.bytes
    }
}

/// Shows only the length: an event answer carries a merchant token's encrypted metadata.
impl fmt::Debug for ApiAnswer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ApiAnswer")
            .field("len", &self.bytes.len())
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_json_objects_within_the_cap() {
        let answer = ApiAnswer::from_json(br#"{"a": 1}"#).unwrap();
        assert_eq!(answer.as_bytes(), br#"{"a": 1}"#);
        assert!(!alloc::format!("{answer:?}").contains("\"a\""));
        for bad in [&b"[1]"[..], b"", b"null", b"{", b"\"x\""] {
            assert!(matches!(
                ApiAnswer::from_json(bad),
                Err(Error::Malformed(_))
            ));
        }
        let mut big = b"{\"a\":\"".to_vec();
        big.resize(MAX_API_ANSWER_LEN, b'x');
        big.extend_from_slice(b"\"}");
        assert_eq!(
            ApiAnswer::from_json(&big),
            Err(Error::InputTooLarge {
                limit: MAX_API_ANSWER_LEN
            })
        );
    }
}
