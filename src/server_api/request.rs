//! An API request as plain data.

use alloc::format;
use alloc::string::String;

use super::host::GatewayHost;

/// The HTTP method of an [`ApiRequest`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Method {
    /// `GET`, without a body.
    Get,
    /// `POST`, with a JSON body.
    Post,
}

impl Method {
    /// The method's name as HTTP spells it.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Get => "GET",
            Self::Post => "POST",
        }
    }
}

/// One request to Apple's gateway: method, path under `/paymentservices/` (identifiers
/// checked and percent-encoded) and JSON body, built by [`MerchantTokenRequests`] or
/// [`PlatformRequests`]. Sending it is the caller's part.
///
/// [`MerchantTokenRequests`]: crate::MerchantTokenRequests
/// [`PlatformRequests`]: crate::PlatformRequests
#[derive(Clone, Debug, PartialEq, Eq)]
#[must_use]
pub struct ApiRequest {
    method: Method,
    path: String,
    body: Option<String>,
}

impl ApiRequest {
    pub(super) fn get(path: String) -> Self {
        Self {
            method: Method::Get,
            path,
            body: None,
        }
    }

    pub(super) fn post(path: String, body: String) -> Self {
        Self {
            method: Method::Post,
            path,
            body: Some(body),
        }
    }

    /// The HTTP method.
    #[must_use]
    pub fn method(&self) -> Method {
        self.method
    }

    /// The request target: an absolute path starting `/paymentservices/`, every
    /// identifier in it percent-encoded.
    #[must_use]
    pub fn path(&self) -> &str {
        &self.path
    }

    /// The JSON body (`Content-Type: application/json`), for a `POST`.
    #[must_use]
    pub fn body(&self) -> Option<&str> {
        self.body.as_deref()
    }

    /// The whole URL on `host`: `https://HOST/paymentservices/…`.
    #[must_use]
    pub fn url(&self, host: GatewayHost) -> String {
        format!("https://{host}{}", self.path)
    }
}
