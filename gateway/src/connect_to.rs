//! `--connect-to`: which address to dial for a gateway host.

use std::net::SocketAddr;

use applepay_crypto::{APPLE_PAY_GATEWAY_HOSTS, GatewayHost};

use crate::error::GatewayError;

/// curl's `--connect-to HOST:PORT:ADDR:PORT`: connect to `ADDR:PORT` instead when the
/// request is for `HOST` on port `PORT` (an empty `HOST` means every gateway host, an empty
/// `PORT` any port). Only the address dialled changes: the URL, SNI, the certificate's name
/// check and the `Host` header still use the gateway host, which is still one of Apple's.
///
/// ```
/// use applepay_gateway::ConnectTo;
///
/// let rule = ConnectTo::parse("apple-pay-gateway.apple.com:443:127.0.0.1:8443")?;
/// let everywhere = ConnectTo::parse("::[::1]:8443")?;
/// # let _ = (rule, everywhere);
/// # Ok::<(), applepay_gateway::GatewayError>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConnectTo {
    hosts: Vec<GatewayHost>,
    address: String,
    port: u16,
}

/// The port every Apple gateway URL uses.
const HTTPS_PORT: u16 = 443;

impl ConnectTo {
    /// Parses `HOST:PORT:ADDR:PORT` (`ADDR` may be an IPv6 literal in brackets, or a host
    /// name, resolved when the gateway is built). `HOST`, if given, must be one of Apple's
    /// gateway hosts, and the first `PORT`, if given, 443 — a rule that could never apply
    /// is refused rather than silently ignored. Anything else is
    /// [`GatewayError::InvalidParameter`].
    pub fn parse(spec: &str) -> Result<Self, GatewayError> {
        let usage = || {
            GatewayError::InvalidParameter(format!(
                "--connect-to {:?}: expected HOST:PORT:ADDR:PORT, HOST one of Apple's gateway hosts or empty, the first PORT 443 or empty",
                crate::error::escape_server_text(spec)
            ))
        };
        let (host, rest) = spec.split_once(':').ok_or_else(usage)?;
        let (from_port, to) = rest.split_once(':').ok_or_else(usage)?;
        let (address, port) = to.rsplit_once(':').ok_or_else(usage)?;
        let address = address
            .strip_prefix('[')
            .and_then(|a| a.strip_suffix(']'))
            .unwrap_or(address);
        let port: u16 = port.parse().map_err(|_| usage())?;
        if !from_port.is_empty() && from_port.parse::<u16>().ok() != Some(HTTPS_PORT) {
            return Err(usage());
        }
        if address.is_empty() || port == 0 || address.chars().any(char::is_control) {
            return Err(usage());
        }
        let hosts = if host.is_empty() {
            APPLE_PAY_GATEWAY_HOSTS
                .iter()
                .filter_map(|h| GatewayHost::parse(h).ok())
                .collect()
        } else {
            vec![GatewayHost::parse(host).map_err(|_| usage())?]
        };
        Ok(Self {
            hosts,
            address: address.to_owned(),
            port,
        })
    }

    /// The gateway hosts this rule applies to.
    pub(crate) fn hosts(&self) -> &[GatewayHost] {
        &self.hosts
    }

    /// The addresses to dial: `ADDR` itself if it is an IP address, else what it resolves
    /// to.
    pub(crate) async fn resolve(&self) -> Result<Vec<SocketAddr>, GatewayError> {
        if let Ok(ip) = self.address.parse::<std::net::IpAddr>() {
            return Ok(vec![SocketAddr::new(ip, self.port)]);
        }
        let found: Vec<SocketAddr> = tokio::net::lookup_host((self.address.as_str(), self.port))
            .await
            .map_err(|e| {
                GatewayError::InvalidParameter(format!(
                    "--connect-to: cannot resolve {}: {e}",
                    self.address
                ))
            })?
            .collect();
        if found.is_empty() {
            return Err(GatewayError::InvalidParameter(format!(
                "--connect-to: no address for {}",
                self.address
            )));
        }
        Ok(found)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_parse_like_curls() {
        let rule = ConnectTo::parse("apple-pay-gateway.apple.com:443:127.0.0.1:8443").unwrap();
        assert_eq!(rule.hosts(), [GatewayHost::PRODUCTION]);
        assert_eq!((rule.address.as_str(), rule.port), ("127.0.0.1", 8443));
        let all = ConnectTo::parse("::[::1]:9").unwrap();
        assert_eq!(all.hosts().len(), APPLE_PAY_GATEWAY_HOSTS.len());
        assert_eq!(all.address, "::1");
        for bad in [
            "",
            "127.0.0.1:8443",
            "evil.example:443:127.0.0.1:8443",
            "apple-pay-gateway.apple.com:80:127.0.0.1:8443",
            ":443::8443",
            ":443:127.0.0.1:0",
            ":443:127.0.0.1:port",
        ] {
            assert_eq!(
                ConnectTo::parse(bad).map_err(|e| e.kind()),
                Err("invalid_parameter"),
                "{bad}"
            );
        }
    }
}
