//! The gateway client: one reqwest client over the identity's TLS configuration, and the
//! one exchange every call makes.

use std::sync::Arc;
use std::time::Duration;

use applepay_crypto::{
    GatewayErrorResponse, GatewayHost, IdentityRole, MerchantIdentity, mozilla_roots,
    rustls_provider,
};
use reqwest::header::{ACCEPT, CONTENT_TYPE, LOCATION};
use rustls::RootCertStore;
use uuid::Uuid;

use crate::connect_to::ConnectTo;
use crate::error::{GatewayError, escape_server_text};

/// The deadline of a call when none is set: resolving, connecting, the handshake, the
/// request and the whole answer together.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// How idle pooled connections are kept for the next call: long enough for a burst of
/// calls to share one handshake, short enough not to outlive Apple's own idle limit.
const POOL_IDLE_TIMEOUT: Duration = Duration::from_secs(60);

/// The settings of a [`Gateway`]; start with [`Gateway::builder`].
#[derive(Debug)]
#[must_use]
pub struct GatewayBuilder {
    identity: Arc<MerchantIdentity>,
    host: GatewayHost,
    roots: Option<RootCertStore>,
    timeout: Duration,
    connect_to: Vec<ConnectTo>,
    proxy: Option<String>,
}

impl GatewayBuilder {
    /// The gateway host of the merchant-token and platform calls (default
    /// [`GatewayHost::PRODUCTION`]; [`GatewayHost::SANDBOX`] for Apple's sandbox). A
    /// merchant session goes to its validation URL's host.
    pub fn host(mut self, host: GatewayHost) -> Self {
        self.host = host;
        self
    }

    /// Trust these roots for the gateway's server certificate instead of the Mozilla
    /// roots (a test CA, or a TLS-inspecting proxy's).
    pub fn roots(mut self, roots: RootCertStore) -> Self {
        self.roots = Some(roots);
        self
    }

    /// The deadline of each call (default [`DEFAULT_TIMEOUT`]), from resolving the name to
    /// the last byte of the answer: no server can stretch it by sending slowly.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Dials another address for some gateway hosts (see [`ConnectTo`]); repeatable.
    pub fn connect_to(mut self, rule: ConnectTo) -> Self {
        self.connect_to.push(rule);
        self
    }

    /// Sends every call through this HTTP proxy (`http://HOST:PORT`, which is asked to
    /// `CONNECT` to the gateway; TLS stays end to end). Without it no proxy is used:
    /// `HTTPS_PROXY` and the other environment variables are never read.
    pub fn proxy(mut self, url: &str) -> Self {
        self.proxy = Some(url.to_owned());
        self
    }

    /// Builds the client: the identity's TLS configuration (the core's rustls provider,
    /// the identity's key signing the handshake, HSM keys included), no redirects, no
    /// proxy unless one was set, HTTP/1.1, pooled connections. A `--connect-to` address
    /// that is a host name is resolved here, within the deadline.
    pub async fn build(self) -> Result<Gateway, GatewayError> {
        let limit = self.timeout;
        tokio::time::timeout(limit, self.assemble())
            .await
            .map_err(|_| GatewayError::Timeout {
                limit,
                request_id: None,
            })?
    }

    async fn assemble(self) -> Result<Gateway, GatewayError> {
        let roots = Arc::new(self.roots.unwrap_or_else(mozilla_roots));
        let rng = rand_core::UnwrapErr(getrandom::SysRng);
        let tls = self
            .identity
            .client_config_with(rustls_provider(), roots, rng)
            .map_err(|e| GatewayError::Identity(e.to_string()))?;
        let mut client = reqwest::Client::builder()
            .tls_backend_preconfigured(tls)
            .redirect(reqwest::redirect::Policy::none())
            .http1_only()
            .pool_idle_timeout(POOL_IDLE_TIMEOUT)
            .user_agent(concat!("applepay-gateway/", env!("CARGO_PKG_VERSION")));
        client = match &self.proxy {
            Some(url) => client.proxy(reqwest::Proxy::all(url.as_str()).map_err(|e| {
                GatewayError::InvalidParameter(format!(
                    "--proxy {:?}: {e}",
                    escape_server_text(url)
                ))
            })?),
            None => client.no_proxy(),
        };
        for rule in &self.connect_to {
            let addresses = rule.resolve().await?;
            for host in rule.hosts() {
                client = client.resolve_to_addrs(host.as_str(), &addresses);
            }
        }
        let client = client
            .build()
            .map_err(|e| GatewayError::Identity(format!("cannot build the HTTPS client: {e}")))?;
        Ok(Gateway {
            client,
            identity: self.identity,
            host: self.host,
            timeout: self.timeout,
        })
    }
}

/// A client for Apple's gateway, authenticated with one identity: build it once and share
/// it (it is cheap to clone); calls reuse its pooled connections, so a warm client makes
/// no new TLS handshake.
///
/// Every call has one total deadline; its answer is read up to a cap (64 KiB) and
/// refused beyond; redirects are never followed; the host is always one of Apple's
/// gateway hosts (the request types of `applepay_crypto` guarantee it).
#[derive(Clone, Debug)]
pub struct Gateway {
    client: reqwest::Client,
    identity: Arc<MerchantIdentity>,
    host: GatewayHost,
    timeout: Duration,
}

/// A 2xx answer read within its cap.
pub(crate) struct Answer {
    pub(crate) status: u16,
    pub(crate) body: Vec<u8>,
    pub(crate) request_id: Uuid,
}

impl Gateway {
    /// Starts a gateway client for `identity`: production gateway, Mozilla roots,
    /// [`DEFAULT_TIMEOUT`], no proxy.
    pub fn builder(identity: impl Into<Arc<MerchantIdentity>>) -> GatewayBuilder {
        GatewayBuilder {
            identity: identity.into(),
            host: GatewayHost::PRODUCTION,
            roots: None,
            timeout: DEFAULT_TIMEOUT,
            connect_to: Vec::new(),
            proxy: None,
        }
    }

    /// The gateway host of merchant-token and platform calls.
    #[must_use]
    pub fn host(&self) -> GatewayHost {
        self.host
    }

    /// The identity the client authenticates with.
    #[must_use]
    pub fn identity(&self) -> &MerchantIdentity {
        &self.identity
    }

    /// Refuses a call that needs a Merchant Identity certificate when the client holds a
    /// platform integrator identity, before anything is sent.
    pub(crate) fn require_merchant_identity(&self) -> Result<(), GatewayError> {
        if self.identity.role() == IdentityRole::MerchantIdentity {
            Ok(())
        } else {
            Err(GatewayError::Identity(
                "this call needs a Merchant Identity certificate (marker 1.2.840.113635.100.6.46), not a platform integrator identity"
                    .into(),
            ))
        }
    }

    /// One exchange within the deadline: the request with a fresh `x-request-id`, then
    /// the answer read up to `cap` bytes. Only a 2xx answer within the cap comes back.
    pub(crate) async fn exchange(
        &self,
        method: reqwest::Method,
        url: &str,
        body: Option<&str>,
        cap: usize,
    ) -> Result<Answer, GatewayError> {
        let request_id = Uuid::new_v4();
        let limit = self.timeout;
        tokio::time::timeout(limit, self.send(method, url, body, cap, request_id))
            .await
            .map_err(|_| GatewayError::Timeout {
                limit,
                request_id: Some(request_id),
            })?
    }

    async fn send(
        &self,
        method: reqwest::Method,
        url: &str,
        body: Option<&str>,
        cap: usize,
        request_id: Uuid,
    ) -> Result<Answer, GatewayError> {
        let mut request = self
            .client
            .request(method, url)
            .header("x-request-id", request_id.to_string())
            .header(ACCEPT, "application/json");
        if let Some(body) = body {
            request = request
                .header(CONTENT_TYPE, "application/json")
                .body(body.to_owned());
        }
        let mut response = request
            .send()
            .await
            .map_err(|e| transport_failure(&e, request_id))?;
        let status = response.status().as_u16();
        if response.status().is_redirection() {
            let target = response
                .headers()
                .get(LOCATION)
                .map(|l| escape_server_text(&String::from_utf8_lossy(l.as_bytes())))
                .unwrap_or_else(|| "nowhere".into());
            return Err(GatewayError::Http {
                status: Some(status),
                message: format!("HTTP {status} redirect to {target}, not followed"),
                request_id,
            });
        }
        // Refused unread when it says it is too large; counted while read otherwise.
        let mut too_large = response.content_length().is_some_and(|n| n > cap as u64);
        let mut bytes = Vec::new();
        while !too_large {
            match response
                .chunk()
                .await
                .map_err(|e| transport_failure(&e, request_id))?
            {
                Some(chunk) if bytes.len() + chunk.len() <= cap => bytes.extend_from_slice(&chunk),
                Some(_) => too_large = true,
                None => break,
            }
        }
        if !response.status().is_success() {
            let message = GatewayErrorResponse::from_json(&bytes)
                .ok()
                .and_then(|answer| answer.message().map(escape_server_text));
            return Err(GatewayError::Http {
                status: Some(status),
                message: match message {
                    Some(message) => format!("HTTP {status}: {message}"),
                    None => format!("HTTP {status}"),
                },
                request_id,
            });
        }
        if too_large {
            return Err(GatewayError::MalformedAnswer {
                message: format!("answer larger than {cap} bytes"),
                request_id,
            });
        }
        Ok(Answer {
            status,
            body: bytes,
            request_id,
        })
    }
}

/// A failure below HTTP: TLS when a rustls error is anywhere in the error's source chain
/// (a refused client certificate in TLS 1.3 arrives as an alert while the answer is read,
/// wrapped in hyper's and tokio-rustls's errors), else a broken connection.
fn transport_failure(error: &reqwest::Error, request_id: Uuid) -> GatewayError {
    if let Some(tls) = find_rustls_error(error) {
        return GatewayError::Tls {
            message: describe_tls(tls),
            request_id,
        };
    }
    let mut message = String::from("connection failed");
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(error);
    while let Some(e) = source {
        message.push_str(": ");
        message.push_str(&escape_server_text(&e.to_string()));
        source = e.source();
    }
    GatewayError::Http {
        status: None,
        message,
        request_id,
    }
}

/// The rustls error in `error`'s source chain. An `io::Error` does not list its payload
/// as its source (only the payload's source), so it is opened with `get_ref`.
fn find_rustls_error<'a>(
    error: &'a (dyn std::error::Error + 'static),
) -> Option<&'a rustls::Error> {
    let mut current = Some(error);
    while let Some(e) = current {
        if let Some(tls) = e.downcast_ref::<rustls::Error>() {
            return Some(tls);
        }
        if let Some(tls) = e
            .downcast_ref::<std::io::Error>()
            .and_then(std::io::Error::get_ref)
            .and_then(|inner| find_rustls_error(inner))
        {
            return Some(tls);
        }
        current = e.source();
    }
    None
}

fn describe_tls(error: &rustls::Error) -> String {
    use rustls::AlertDescription as A;
    match error {
        rustls::Error::AlertReceived(
            alert @ (A::CertificateRequired
            | A::BadCertificate
            | A::UnknownCA
            | A::CertificateUnknown
            | A::CertificateExpired
            | A::CertificateRevoked
            | A::UnsupportedCertificate
            | A::AccessDenied
            | A::DecryptError
            | A::HandshakeFailure),
        ) => format!("the gateway refused the client certificate ({alert:?})"),
        rustls::Error::AlertReceived(alert) => format!("the gateway sent alert {alert:?}"),
        rustls::Error::InvalidCertificate(why) => {
            format!("the gateway's certificate is not trusted: {why}")
        }
        other => other.to_string(),
    }
}
