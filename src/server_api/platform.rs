//! The Web Merchant Registration API: a payment platform registers its merchants' web
//! domains for Apple Pay, with its platform integrator identity.

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

use serde::Serialize;

use super::identifier::{MAX_IDENTIFIER_LEN, identifier, path_segment, text, url};
use super::merchant_tokens::to_json;
use super::request::ApiRequest;
use crate::error::Error;
use crate::merchant_validation::merchant_session::is_domain_name;

/// Most domain names in one registration request.
pub const MAX_DOMAIN_NAMES: usize = 99;

/// Longest `partnerMerchantName` or unregistration `reason`, in characters.
const MAX_TEXT_LEN: usize = 1024;

const PARTNER_ID: &str =
    "partner merchant id (1 to 255 characters, no /, \\, .. or control characters)";
const DOMAINS: &str = "domain names (1 to 99, each a DNS name such as shop.example.com)";

/// A merchant to register (`POST registerMerchant`): its domains, the merchant id its
/// payments are encrypted to, and the platform's own id and name for it.
///
/// ```
/// use applepay_crypto::{MerchantRegistration, PlatformRequests};
///
/// let merchant = MerchantRegistration::new(
///     "shop-42",
///     "Example Shop",
///     "merchant.com.platform",
///     &["shop.example.com"],
/// )?
/// .with_merchant_url("https://shop.example.com/")?;
/// let request = PlatformRequests::register(&merchant);
/// assert_eq!(request.path(), "/paymentservices/registerMerchant");
/// assert_eq!(
///     request.body(),
///     Some(r#"{"domainNames":["shop.example.com"],"encryptTo":"merchant.com.platform","partnerInternalMerchantIdentifier":"shop-42","partnerMerchantName":"Example Shop","merchantUrl":"https://shop.example.com/"}"#)
/// );
/// # Ok::<(), applepay_crypto::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct MerchantRegistration {
    domain_names: Vec<String>,
    encrypt_to: String,
    partner_internal_merchant_identifier: String,
    partner_merchant_name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    merchant_url: Option<String>,
}

impl MerchantRegistration {
    /// Checks and assembles a registration: `partner_merchant_id` an identifier (1 to
    /// [`MAX_IDENTIFIER_LEN`] characters, no `/`, `\`, `..` or control characters, as for
    /// every identifier that may go into a path), `partner_merchant_name` text without
    /// control characters, `encrypt_to` the merchant id whose Payment Processing key the
    /// payments are encrypted to (an identifier, sent as given: Apple hashes it itself),
    /// and 1 to [`MAX_DOMAIN_NAMES`] domain names. Anything else is
    /// [`Error::InvalidParameter`] naming the field.
    pub fn new(
        partner_merchant_id: &str,
        partner_merchant_name: &str,
        encrypt_to: &str,
        domain_names: &[&str],
    ) -> Result<Self, Error> {
        Ok(Self {
            domain_names: checked_domains(domain_names)?,
            encrypt_to: identifier(
                encrypt_to,
                MAX_IDENTIFIER_LEN,
                "encrypt-to merchant id (1 to 255 characters, no /, \\, .. or control characters)",
            )?
            .into(),
            partner_internal_merchant_identifier: identifier(
                partner_merchant_id,
                MAX_IDENTIFIER_LEN,
                PARTNER_ID,
            )?
            .into(),
            partner_merchant_name: text(
                partner_merchant_name,
                MAX_TEXT_LEN,
                "partner merchant name (1 to 1024 characters, no control characters)",
            )?
            .into(),
            merchant_url: None,
        })
    }

    /// Adds the merchant's web site (`merchantUrl`, an `http` or `https` URL).
    pub fn with_merchant_url(mut self, merchant_url: &str) -> Result<Self, Error> {
        self.merchant_url =
            Some(url(merchant_url, true, "merchant url (an https or http url)")?.into());
        Ok(self)
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Unregistration<'a> {
    domain_names: Vec<String>,
    partner_internal_merchant_identifier: &'a str,
    reason: &'a str,
}

/// The Web Merchant Registration API's requests, under `/paymentservices/`.
#[derive(Clone, Copy, Debug)]
pub struct PlatformRequests;

impl PlatformRequests {
    /// `POST registerMerchant` with the registration's JSON body.
    pub fn register(merchant: &MerchantRegistration) -> ApiRequest {
        ApiRequest::post(
            "/paymentservices/registerMerchant".into(),
            to_json(merchant),
        )
    }

    /// `POST unregisterMerchant {"domainNames":[…],"partnerInternalMerchantIdentifier":…,
    /// "reason":…}`: removes domains (1 to [`MAX_DOMAIN_NAMES`]) from a merchant;
    /// `reason` is text without control characters.
    pub fn unregister(
        partner_merchant_id: &str,
        domain_names: &[&str],
        reason: &str,
    ) -> Result<ApiRequest, Error> {
        let body = Unregistration {
            domain_names: checked_domains(domain_names)?,
            partner_internal_merchant_identifier: identifier(
                partner_merchant_id,
                MAX_IDENTIFIER_LEN,
                PARTNER_ID,
            )?,
            reason: text(
                reason,
                MAX_TEXT_LEN,
                "reason (1 to 1024 characters, no control characters)",
            )?,
        };
        Ok(ApiRequest::post(
            "/paymentservices/unregisterMerchant".into(),
            to_json(&body),
        ))
    }

    /// `GET merchant/{partnerInternalMerchantIdentifier}`: what Apple holds for the
    /// merchant (its domains, and `encryptTo` as Apple hashed it).
    pub fn details(partner_merchant_id: &str) -> Result<ApiRequest, Error> {
        let id = path_segment(partner_merchant_id, MAX_IDENTIFIER_LEN, PARTNER_ID)?;
        Ok(ApiRequest::get(format!("/paymentservices/merchant/{id}")))
    }
}

fn checked_domains(domain_names: &[&str]) -> Result<Vec<String>, Error> {
    if domain_names.is_empty()
        || domain_names.len() > MAX_DOMAIN_NAMES
        || !domain_names.iter().all(|name| is_domain_name(name))
    {
        return Err(Error::InvalidParameter(DOMAINS));
    }
    Ok(domain_names
        .iter()
        .map(|name| String::from(*name))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::server_api::Method;

    #[test]
    fn unregister_and_details() {
        let request =
            PlatformRequests::unregister("shop-42", &["a.example", "b.example"], "closed").unwrap();
        assert_eq!(request.method(), Method::Post);
        assert_eq!(request.path(), "/paymentservices/unregisterMerchant");
        assert_eq!(
            request.body(),
            Some(
                r#"{"domainNames":["a.example","b.example"],"partnerInternalMerchantIdentifier":"shop-42","reason":"closed"}"#
            )
        );
        let details = PlatformRequests::details("shop 42").unwrap();
        assert_eq!(details.method(), Method::Get);
        assert_eq!(details.path(), "/paymentservices/merchant/shop%2042");
    }

    #[test]
    fn domain_lists_are_checked() {
        let ok = MerchantRegistration::new("p", "n", "merchant.com.x", &["shop.example.com"]);
        assert!(ok.is_ok());
        let hundred: Vec<String> = (0..100).map(|i| alloc::format!("d{i}.example")).collect();
        let hundred: Vec<&str> = hundred.iter().map(String::as_str).collect();
        for domains in [
            &[][..],
            &["localhost"][..],
            &["shop.example.com/"][..],
            &["https://shop.example.com"][..],
            &["-a.example"][..],
            &hundred[..],
        ] {
            assert_eq!(
                MerchantRegistration::new("p", "n", "merchant.com.x", domains),
                Err(Error::InvalidParameter(DOMAINS)),
                "{domains:?}"
            );
        }
        assert!(MerchantRegistration::new("p", "n", "merchant.com.x", &hundred[..99]).is_ok());
        assert!(PlatformRequests::unregister("p", &[], "r").is_err());
        assert!(PlatformRequests::unregister("p", &["a.example"], "").is_err());
        assert!(PlatformRequests::details("..").is_err());
        assert!(
            MerchantRegistration::new("p", "n", "m", &["a.example"])
                .unwrap()
                .with_merchant_url("javascript:alert(1)")
                .is_err()
        );
    }
}
