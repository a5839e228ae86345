//! The merchant-token life-cycle notification Apple sends to the merchant's notification
//! URL: the event id in its request path.
//!
//! **The notification is not authenticated.** Anyone who knows or guesses the URL can
//! send one, with any event id. Treat it only as a hint to fetch the event from Apple's
//! Merchant Token Management API over mutual TLS (the gateway package); an event counts
//! only once Apple's authenticated answer says so. Never act on the notification itself.

use alloc::string::String;
use core::fmt;

use crate::error::Error;
use crate::server_api::MAX_TOKEN_IDENTIFIER_LEN as MAX_EVENT_ID_LEN;

/// The path segment before the event id: Apple appends `/notification/merchantToken/{id}`
/// to the merchant's notification URL.
const NOTIFICATION_SEGMENT: &str = "/notification/merchantToken/";

/// A merchant-token event id, checked to be safe to put into a URL path and a log line:
/// 1 to [`MAX_TOKEN_IDENTIFIER_LEN`](crate::MAX_TOKEN_IDENTIFIER_LEN) (64) printable ASCII
/// characters, none of `/`, `\`, `?`, `#`, `%`,
/// space, and no `..`.
///
/// **The notification is not authenticated.** Anyone who knows or guesses the URL can
/// send one, with any event id. Checking the shape says nothing about the event: treat the
/// notification only as a hint to fetch the event from Apple's Merchant Token Management
/// API over mutual TLS; the event counts only once Apple's authenticated answer says so.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct MerchantTokenEventId(String);

impl MerchantTokenEventId {
    /// Checks an event id. Anything outside the shape above is
    /// [`Error::Malformed`]`("eventId")`: the id came from an unauthenticated request,
    /// so a bad one is bad input, not a caller's mistake.
    pub fn parse(id: &str) -> Result<Self, Error> {
        const BAD: Error = Error::Malformed("eventId");
        if id.is_empty() || id.len() > MAX_EVENT_ID_LEN || id.contains("..") {
            return Err(BAD);
        }
        let allowed =
            |b: u8| b.is_ascii_graphic() && !matches!(b, b'/' | b'\\' | b'?' | b'#' | b'%');
        if !id.bytes().all(allowed) {
            return Err(BAD);
        }
        Ok(Self(String::from(id)))
    }

    /// The event id from the path of the HTTP request Apple sent to the notification URL:
    /// `…/notification/merchantToken/{eventId}`, with any prefix before
    /// `/notification/` (the merchant's own path), no query and nothing after the id.
    ///
    /// A path of another shape is [`Error::Malformed`]`("notification path")`; an id that
    /// [`MerchantTokenEventId::parse`] refuses is [`Error::Malformed`]`("eventId")`.
    /// Paths over 2,048 bytes are refused before searching them
    /// ([`Error::InputTooLarge`]).
    ///
    /// The request is not authenticated: the id it names is only a hint to fetch that
    /// event from Apple over mutual TLS, and counts only once Apple answers.
    pub fn from_notification_path(path: &str) -> Result<Self, Error> {
        const MAX_PATH_LEN: usize = 2048;
        if path.len() > MAX_PATH_LEN {
            return Err(Error::InputTooLarge {
                limit: MAX_PATH_LEN,
            });
        }
        let (_, id) = path
            .rsplit_once(NOTIFICATION_SEGMENT)
            .ok_or(Error::Malformed("notification path"))?;
        Self::parse(id)
    }

    /// The event id.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for MerchantTokenEventId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for MerchantTokenEventId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "MerchantTokenEventId({:?})", self.0)
    }
}

impl core::str::FromStr for MerchantTokenEventId {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self, Error> {
        Self::parse(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_with_and_without_a_prefix() {
        for path in [
            "/notification/merchantToken/9f3c2b1a-0000-4000-8000-00000000abcd",
            "/applepay/hooks/v1/notification/merchantToken/9f3c2b1a-0000-4000-8000-00000000abcd",
        ] {
            let id = MerchantTokenEventId::from_notification_path(path).unwrap();
            assert_eq!(id.as_str(), "9f3c2b1a-0000-4000-8000-00000000abcd");
        }
        for bad in [
            "/notification/merchantToken",
            "/notification/merchantTokens/abc",
            "/merchantToken/abc",
            "",
        ] {
            assert_eq!(
                MerchantTokenEventId::from_notification_path(bad).unwrap_err(),
                Error::Malformed("notification path"),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn unsafe_ids_are_refused() {
        let long = "a".repeat(MAX_EVENT_ID_LEN + 1);
        for bad in [
            "",
            long.as_str(),
            "a/b",
            "a\\b",
            "..",
            "a..b",
            "a\nb",
            "a\u{7f}",
            "a b",
            "a?x=1",
            "a#f",
            "%2e%2e",
            "é",
        ] {
            assert_eq!(
                MerchantTokenEventId::parse(bad).unwrap_err(),
                Error::Malformed("eventId"),
                "{bad:?}"
            );
            let path = alloc::format!("/notification/merchantToken/{bad}");
            assert!(
                MerchantTokenEventId::from_notification_path(&path).is_err(),
                "{bad:?}"
            );
        }
        assert!(MerchantTokenEventId::parse(&"a".repeat(MAX_EVENT_ID_LEN)).is_ok());
        assert_eq!(
            MerchantTokenEventId::from_notification_path("/notification/merchantToken/a/")
                .unwrap_err(),
            Error::Malformed("eventId")
        );
        assert!(MerchantTokenEventId::from_notification_path(&"/".repeat(3000)).is_err());
    }
}
