//! The Merchant Token Management API: the requests a merchant makes, with its Merchant
//! Identity, about the merchant tokens Apple issued for it.

use alloc::format;
use alloc::string::String;

use serde::Serialize;

use super::identifier::{
    MAX_IDENTIFIER_LEN, MAX_TOKEN_IDENTIFIER_LEN, identifier, path_segment, url,
};
use super::request::ApiRequest;
use crate::error::Error;

/// The Merchant Token Management API's requests for one merchant id, under
/// `/paymentservices/v1/merchantId/{merchantId}/merchantToken/`.
///
/// Every identifier is checked before a request exists: empty, over
/// [`MAX_IDENTIFIER_LEN`] characters (merchant id) or [`MAX_TOKEN_IDENTIFIER_LEN`] (token
/// and event ids), containing `/`, `\`, `..` or a control character is
/// [`Error::InvalidParameter`]; any other character outside RFC 3986's unreserved set is
/// percent-encoded in the path.
///
/// ```
/// use applepay_crypto::{GatewayHost, MerchantTokenRequests, Method};
///
/// let api = MerchantTokenRequests::new("merchant.com.example")?;
/// let unlink = api.unlink("DNITHE302312345678901234")?;
/// assert_eq!(unlink.method(), Method::Post);
/// assert_eq!(
///     unlink.url(GatewayHost::PRODUCTION),
///     "https://apple-pay-gateway.apple.com/paymentservices/v1/merchantId/merchant.com.example/merchantToken/unlink"
/// );
/// assert_eq!(unlink.body(), Some(r#"{"merchantTokenIdentifier":"DNITHE302312345678901234"}"#));
/// # Ok::<(), applepay_crypto::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MerchantTokenRequests {
    base: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct TokenBody<'a> {
    merchant_token_identifier: &'a str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct UpdateMetadataBody<'a> {
    merchant_token_identifier: &'a str,
    merchant_metadata: MerchantMetadata<'a>,
}

#[derive(Serialize)]
struct MerchantMetadata<'a> {
    #[serde(rename = "tokenNotificationURL")]
    token_notification_url: &'a str,
}

impl MerchantTokenRequests {
    /// The requests for `merchant_id` (the merchant identifier registered with Apple,
    /// `merchant.com.example`).
    pub fn new(merchant_id: &str) -> Result<Self, Error> {
        let merchant_id = path_segment(
            merchant_id,
            MAX_IDENTIFIER_LEN,
            "merchant id (1 to 255 characters, no /, \\, .. or control characters)",
        )?;
        Ok(Self {
            base: format!("/paymentservices/v1/merchantId/{merchant_id}/merchantToken/"),
        })
    }

    /// `GET event/{eventId}`: the event a life-cycle notification announced. Its answer
    /// holds the token metadata; only this answer, fetched from Apple over mutual TLS,
    /// makes the event real (the notification itself is not authenticated).
    pub fn event(&self, event_id: &str) -> Result<ApiRequest, Error> {
        let event_id = path_segment(
            event_id,
            MAX_TOKEN_IDENTIFIER_LEN,
            "event id (1 to 64 characters, no /, \\, .. or control characters)",
        )?;
        Ok(ApiRequest::get(format!("{}event/{event_id}", self.base)))
    }

    /// `POST unlink {"merchantTokenIdentifier":…}`: ends the merchant token (Apple
    /// answers 204).
    pub fn unlink(&self, token_id: &str) -> Result<ApiRequest, Error> {
        self.token_call("unlink", token_id)
    }

    /// `POST updateMerchantMetadata`: where Apple sends the token's life-cycle
    /// notifications from now on (`tokenNotificationURL`, an `https` URL).
    pub fn update_metadata(
        &self,
        token_id: &str,
        notification_url: &str,
    ) -> Result<ApiRequest, Error> {
        let body = UpdateMetadataBody {
            merchant_token_identifier: token_identifier(token_id)?,
            merchant_metadata: MerchantMetadata {
                token_notification_url: url(
                    notification_url,
                    false,
                    "notification url (an https url)",
                )?,
            },
        };
        Ok(ApiRequest::post(
            format!("{}updateMerchantMetadata", self.base),
            to_json(&body),
        ))
    }

    /// `POST publicKey {"merchantTokenIdentifier":…}`: the token's P-384 public key, which
    /// usage information is encrypted to (Apple answers 202 while it is not ready).
    pub fn public_key(&self, token_id: &str) -> Result<ApiRequest, Error> {
        self.token_call("publicKey", token_id)
    }

    fn token_call(&self, call: &str, token_id: &str) -> Result<ApiRequest, Error> {
        let body = TokenBody {
            merchant_token_identifier: token_identifier(token_id)?,
        };
        Ok(ApiRequest::post(
            format!("{}{call}", self.base),
            to_json(&body),
        ))
    }
}

fn token_identifier(token_id: &str) -> Result<&str, Error> {
    identifier(
        token_id,
        MAX_TOKEN_IDENTIFIER_LEN,
        "merchant token id (1 to 64 characters, no /, \\, .. or control characters)",
    )
}

/// Compact JSON of a body made of strings, which cannot fail to serialise.
pub(super) fn to_json(body: &impl Serialize) -> String {
    serde_json::to_string(body).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::server_api::{GatewayHost, Method};

    #[test]
    fn paths_and_bodies_are_apples() {
        let api = MerchantTokenRequests::new("merchant.com.example shop").unwrap();
        let event = api.event("EV 1").unwrap();
        assert_eq!(event.method(), Method::Get);
        assert_eq!(
            event.path(),
            "/paymentservices/v1/merchantId/merchant.com.example%20shop/merchantToken/event/EV%201"
        );
        assert_eq!(event.body(), None);

        let update = api
            .update_metadata("T\"1", "https://shop.example/notify")
            .unwrap();
        assert_eq!(
            update.path(),
            "/paymentservices/v1/merchantId/merchant.com.example%20shop/merchantToken/updateMerchantMetadata"
        );
        assert_eq!(
            update.body(),
            Some(
                r#"{"merchantTokenIdentifier":"T\"1","merchantMetadata":{"tokenNotificationURL":"https://shop.example/notify"}}"#
            )
        );
        let key = api.public_key("T1").unwrap();
        assert_eq!(
            key.url(GatewayHost::SANDBOX),
            "https://apple-pay-gateway-cert.apple.com/paymentservices/v1/merchantId/merchant.com.example%20shop/merchantToken/publicKey"
        );
        assert_eq!(key.body(), Some(r#"{"merchantTokenIdentifier":"T1"}"#));
    }

    #[test]
    fn bad_identifiers_and_urls_are_refused() {
        assert!(MerchantTokenRequests::new("../admin").is_err());
        assert!(MerchantTokenRequests::new("").is_err());
        let api = MerchantTokenRequests::new("merchant.com.example").unwrap();
        assert!(api.event(&"e".repeat(65)).is_err());
        assert!(api.event("a/b").is_err());
        assert!(api.unlink("").is_err());
        assert!(api.unlink("a\r\nX-Injected: 1").is_err());
        assert!(api.update_metadata("T1", "http://shop.example/").is_err());
        assert!(api.update_metadata("T1", "not a url").is_err());
    }
}
