//! The gateway host an API call goes to.

use core::fmt;

use crate::error::Error;
use crate::merchant_validation::APPLE_PAY_GATEWAY_HOSTS;

/// One of Apple's gateway hosts ([`APPLE_PAY_GATEWAY_HOSTS`]), checked: an API request is
/// only ever built for one of them, so a configuration mistake cannot send the Merchant
/// Identity's requests, or the merchant's data, anywhere else.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct GatewayHost(&'static str);

impl GatewayHost {
    /// `apple-pay-gateway.apple.com`, Apple's production gateway.
    pub const PRODUCTION: Self = Self("apple-pay-gateway.apple.com");
    /// `apple-pay-gateway-cert.apple.com`, Apple's sandbox gateway.
    pub const SANDBOX: Self = Self("apple-pay-gateway-cert.apple.com");

    /// Checks a host name against [`APPLE_PAY_GATEWAY_HOSTS`], ASCII case-insensitively;
    /// anything else (another host, a port, a scheme, a trailing dot) is
    /// [`Error::InvalidParameter`].
    pub fn parse(host: &str) -> Result<Self, Error> {
        APPLE_PAY_GATEWAY_HOSTS
            .iter()
            .find(|known| known.eq_ignore_ascii_case(host))
            .map(|known| Self(known))
            .ok_or(Error::InvalidParameter(
                "gateway host (not one of Apple's gateway hosts)",
            ))
    }

    /// The host name, lower-case.
    #[must_use]
    pub fn as_str(&self) -> &'static str {
        self.0
    }
}

impl fmt::Display for GatewayHost {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_apple_hosts_parse() {
        assert_eq!(
            GatewayHost::parse("APPLE-PAY-GATEWAY.apple.com"),
            Ok(GatewayHost::PRODUCTION)
        );
        assert_eq!(
            GatewayHost::parse("apple-pay-gateway-cert.apple.com"),
            Ok(GatewayHost::SANDBOX)
        );
        for bad in [
            "",
            "evil.example",
            "apple-pay-gateway.apple.com.",
            "apple-pay-gateway.apple.com:443",
            "https://apple-pay-gateway.apple.com",
            "apple-pay-gateway-nc-pod6.apple.com",
        ] {
            assert!(
                matches!(GatewayHost::parse(bad), Err(Error::InvalidParameter(_))),
                "{bad}"
            );
        }
        for host in APPLE_PAY_GATEWAY_HOSTS {
            assert_eq!(GatewayHost::parse(host).map(|h| h.as_str()), Ok(host));
        }
    }
}
