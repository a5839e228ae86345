//! One HTTP/1.1 POST over rustls, bounded in size and time: the `session` command's
//! exchange with Apple's gateway. Redirects are reported, never followed; no body is
//! buffered beyond [`MAX_MERCHANT_SESSION_LEN`]; one deadline covers name resolution,
//! connecting, the handshake and every read and write.
//!
//! # Why a hand-written HTTP/1.1 exchange and not `ureq`
//!
//! ureq 3.5 (checked 2026-12-01) builds its own rustls configuration from a `TlsConfig`
//! that takes a client certificate only as an in-memory private key (so an HSM key cannot
//! sign), and offers no way to pass a complete `rustls::ClientConfig`, our signing adapter
//! included. Replacing its TLS layer and its resolver (for `--connect-to`) is possible only
//! through `ureq::unversioned::{transport, resolver}`, which ureq exempts from semver, and
//! ureq would still bring proxies read from the environment, redirect handling and
//! decompression that this command must turn off. The exchange needed here is one POST
//! with `Connection: close` and a body of at most 64 KiB, so it is written out below over
//! `rustls::StreamOwned`: `httparse` (hyper's parser) reads the response head, and the
//! body is read with `Content-Length`, `chunked` or close-delimited framing, each bounded.

use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::sync::Arc;
use std::time::{Duration, Instant};

use applepay_crypto::{MAX_MERCHANT_SESSION_LEN, ValidationUrl};
use rustls::pki_types::ServerName;
use rustls::{ClientConfig, ClientConnection, StreamOwned};

use crate::Failure;

/// Longest response head (status line and headers) read, in bytes.
const MAX_HEAD_LEN: usize = 16 * 1024;
/// Longest chunk-size line read in a chunked body, in bytes.
const MAX_CHUNK_LINE_LEN: usize = 1024;
/// Interim (1xx) responses skipped before the final one.
const MAX_INTERIM_RESPONSES: usize = 8;
/// Apple's gateways listen on the https port only ([`ValidationUrl`] refuses others).
const HTTPS_PORT: u16 = 443;

/// A failure with one of the kinds the `session` command defines.
pub(crate) fn fail(kind: &'static str, message: impl Into<String>) -> Failure {
    Failure::Kind(kind, message.into())
}

/// The gateway's answer.
pub(crate) struct Answer {
    /// The HTTP status.
    pub(crate) status: u16,
    /// The `Location` header, if any.
    pub(crate) location: Option<String>,
    /// The body.
    pub(crate) body: Body,
}

/// The body of an [`Answer`].
pub(crate) enum Body {
    /// The whole body, at most [`MAX_MERCHANT_SESSION_LEN`] bytes.
    Read(Vec<u8>),
    /// Larger than [`MAX_MERCHANT_SESSION_LEN`]: refused unread (a declared length) or as
    /// soon as one byte past the cap arrived.
    TooLarge,
    /// Not read: the answer is a redirect.
    NotRead,
}

/// POSTs `json` to `url` with the TLS configuration `config`, connecting where
/// `connect_to` says (curl's `HOST:PORT:ADDR:PORT`), all within `timeout`.
pub(crate) fn post_json(
    config: ClientConfig,
    url: &ValidationUrl,
    connect_to: Option<&str>,
    json: &[u8],
    timeout: Duration,
) -> Result<Answer, Failure> {
    let deadline = Instant::now() + timeout;
    let target = connect_target(url.host(), connect_to)?;
    let tcp = connect(&target, deadline)?;
    let server_name = ServerName::try_from(url.host().to_ascii_lowercase())
        .map_err(|_| fail("untrusted_validation_url", "host is not a dns name"))?;
    let tls = ClientConnection::new(Arc::new(config), server_name)
        .map_err(|e| fail("tls", e.to_string()))?;
    let mut conn = Conn {
        stream: StreamOwned::new(tls, tcp),
        deadline,
    };
    conn.handshake().map_err(transport_failure)?;
    let head = format!(
        "POST {} HTTP/1.1\r\nHost: {}\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\nAccept: application/json\r\nUser-Agent: applepay-crypto/{}\r\n\
         Connection: close\r\n\r\n",
        url.path_and_query(),
        url.host(),
        json.len(),
        env!("CARGO_PKG_VERSION"),
    );
    conn.write_all(&[head.as_bytes(), json].concat())
        .and_then(|()| conn.flush())
        .map_err(transport_failure)?;

    let mut reader = BufReader::new(conn);
    let response = read_head(&mut reader)?;
    let body = if (300..400).contains(&response.status) {
        Body::NotRead
    } else {
        match read_body(&mut reader, response.framing) {
            Ok(body) => Body::Read(body),
            Err(BodyError::TooLarge) => Body::TooLarge,
            Err(BodyError::Framing(why)) => return Err(fail("http", why)),
            Err(BodyError::Io(e)) => return Err(transport_failure(e)),
        }
    };
    Ok(Answer {
        status: response.status,
        location: response.location,
        body,
    })
}

/// Where to connect: `(address, port)` — the URL's host and 443, or the `--connect-to`
/// address when its HOST and PORT match (an empty HOST or PORT matches any, as in curl).
fn connect_target(host: &str, connect_to: Option<&str>) -> Result<(String, u16), Failure> {
    let Some(spec) = connect_to else {
        return Ok((host.to_owned(), HTTPS_PORT));
    };
    let usage = || {
        Failure::Usage(format!(
            "--connect-to {spec:?}: expected HOST:PORT:ADDR:PORT"
        ))
    };
    let (from_host, rest) = spec.split_once(':').ok_or_else(usage)?;
    let (from_port, to) = rest.split_once(':').ok_or_else(usage)?;
    let (to_addr, to_port) = to.rsplit_once(':').ok_or_else(usage)?;
    let to_addr = to_addr
        .strip_prefix('[')
        .and_then(|a| a.strip_suffix(']'))
        .unwrap_or(to_addr);
    let to_port: u16 = to_port.parse().map_err(|_| usage())?;
    let port_matches = from_port.is_empty() || from_port.parse::<u16>().ok() == Some(HTTPS_PORT);
    if from_port.parse::<u16>().is_err() && !from_port.is_empty() {
        return Err(usage());
    }
    if to_addr.is_empty() {
        return Err(usage());
    }
    if (from_host.is_empty() || from_host.eq_ignore_ascii_case(host)) && port_matches {
        Ok((to_addr.to_owned(), to_port))
    } else {
        Ok((host.to_owned(), HTTPS_PORT))
    }
}

fn remaining(deadline: Instant) -> Result<Duration, Failure> {
    let left = deadline.saturating_duration_since(Instant::now());
    if left.is_zero() {
        Err(fail("timeout", "time limit reached"))
    } else {
        Ok(left)
    }
}

/// Resolves (on a helper thread, as the system resolver has no timeout) and connects
/// within the deadline, trying each address in turn.
fn connect((addr, port): &(String, u16), deadline: Instant) -> Result<TcpStream, Failure> {
    let (send, receive) = std::sync::mpsc::channel();
    let name = (addr.clone(), *port);
    std::thread::spawn(move || {
        let _ = send.send(
            name.to_socket_addrs()
                .map(Iterator::collect::<Vec<SocketAddr>>),
        );
    });
    let addresses = match receive.recv_timeout(remaining(deadline)?) {
        Ok(Ok(addresses)) => addresses,
        Ok(Err(e)) => return Err(fail("http", format!("cannot resolve {addr}: {e}"))),
        Err(_) => return Err(fail("timeout", format!("resolving {addr} took too long"))),
    };
    let mut last = fail("http", format!("no address for {addr}"));
    for address in addresses {
        match TcpStream::connect_timeout(&address, remaining(deadline)?) {
            Ok(stream) => return Ok(stream),
            Err(e) if is_timeout(&e) => {
                return Err(fail(
                    "timeout",
                    format!("connecting to {address} timed out"),
                ));
            }
            Err(e) => last = fail("http", format!("cannot connect to {address}: {e}")),
        }
    }
    Err(last)
}

fn is_timeout(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock
    )
}

/// The kind of an I/O failure once connected: a timeout, a TLS failure (a rustls error
/// travels inside the `io::Error`), or anything else on the connection (`http`).
fn transport_failure(e: io::Error) -> Failure {
    if is_timeout(&e) {
        return fail("timeout", "time limit reached");
    }
    match e
        .get_ref()
        .and_then(|inner| inner.downcast_ref::<rustls::Error>())
    {
        Some(rustls::Error::AlertReceived(alert)) => {
            use rustls::AlertDescription as A;
            let refused = matches!(
                alert,
                A::CertificateRequired
                    | A::BadCertificate
                    | A::UnknownCA
                    | A::CertificateUnknown
                    | A::CertificateExpired
                    | A::CertificateRevoked
                    | A::UnsupportedCertificate
                    | A::AccessDenied
                    | A::DecryptError
                    | A::HandshakeFailure
            );
            if refused {
                fail(
                    "tls",
                    format!("the gateway refused the client certificate ({alert:?})"),
                )
            } else {
                fail("tls", format!("the gateway sent alert {alert:?}"))
            }
        }
        Some(rustls::Error::InvalidCertificate(why)) => fail(
            "tls",
            format!("the gateway's certificate is not trusted: {why}"),
        ),
        Some(other) => fail("tls", other.to_string()),
        None => fail("http", format!("connection failed: {e}")),
    }
}

/// The TLS stream with the deadline re-armed on the socket before every read and write,
/// so a server that trickles bytes cannot stretch the exchange past `--timeout`.
struct Conn {
    stream: StreamOwned<ClientConnection, TcpStream>,
    deadline: Instant,
}

impl Conn {
    fn arm(&self) -> io::Result<()> {
        let left = self.deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(io::ErrorKind::TimedOut.into());
        }
        self.stream.sock.set_read_timeout(Some(left))?;
        self.stream.sock.set_write_timeout(Some(left))
    }

    fn handshake(&mut self) -> io::Result<()> {
        while self.stream.conn.is_handshaking() {
            self.arm()?;
            self.stream.conn.complete_io(&mut self.stream.sock)?;
        }
        Ok(())
    }
}

impl Read for Conn {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.arm()?;
        self.stream.read(buf)
    }
}

impl Write for Conn {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.arm()?;
        self.stream.write(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.arm()?;
        self.stream.flush()
    }
}

/// How the response body is delimited (RFC 9112 §6.3).
#[derive(Clone, Copy)]
enum Framing {
    Length(u64),
    Chunked,
    UntilClose,
}

struct ResponseHead {
    status: u16,
    location: Option<String>,
    framing: Framing,
}

/// Reads the status line and headers (skipping interim 1xx responses), at most
/// [`MAX_HEAD_LEN`] bytes each.
fn read_head(reader: &mut impl BufRead) -> Result<ResponseHead, Failure> {
    for _ in 0..MAX_INTERIM_RESPONSES {
        let mut head = Vec::new();
        loop {
            let room = MAX_HEAD_LEN.saturating_sub(head.len()) as u64;
            let before = head.len();
            let read = reader
                .take(room)
                .read_until(b'\n', &mut head)
                .map_err(transport_failure)?;
            if read == 0 {
                return Err(fail(
                    "http",
                    if head.len() >= MAX_HEAD_LEN {
                        "response head too large"
                    } else {
                        "connection closed before a response"
                    },
                ));
            }
            let line = head.get(before..).unwrap_or_default();
            if line == b"\r\n" || line == b"\n" {
                break;
            }
        }
        let mut headers = [httparse::EMPTY_HEADER; 64];
        let mut response = httparse::Response::new(&mut headers);
        match response.parse(&head) {
            Ok(httparse::Status::Complete(_)) => {}
            _ => return Err(fail("http", "malformed response head")),
        }
        let status = response
            .code
            .ok_or_else(|| fail("http", "malformed status line"))?;
        if (100..200).contains(&status) && status != 101 {
            continue;
        }
        let header = |name: &'static str| {
            response
                .headers
                .iter()
                .filter(move |h| h.name.eq_ignore_ascii_case(name))
                .map(|h| String::from_utf8_lossy(h.value).trim().to_owned())
        };
        let location = header("location").next();
        let chunked = header("transfer-encoding").any(|v| {
            v.rsplit(',')
                .next()
                .is_some_and(|last| last.trim().eq_ignore_ascii_case("chunked"))
        });
        let lengths: Vec<String> = header("content-length").collect();
        let framing = if chunked {
            Framing::Chunked
        } else if let Some(first) = lengths.first() {
            if lengths.iter().any(|l| l != first) {
                return Err(fail("http", "conflicting Content-Length headers"));
            }
            Framing::Length(
                first
                    .parse()
                    .map_err(|_| fail("http", "malformed Content-Length"))?,
            )
        } else {
            Framing::UntilClose
        };
        return Ok(ResponseHead {
            status,
            location,
            framing,
        });
    }
    Err(fail("http", "too many interim (1xx) responses"))
}

enum BodyError {
    TooLarge,
    Framing(&'static str),
    Io(io::Error),
}

impl From<io::Error> for BodyError {
    fn from(e: io::Error) -> Self {
        Self::Io(e)
    }
}

/// Reads the body, never holding more than [`MAX_MERCHANT_SESSION_LEN`] bytes: a larger
/// declared length is refused before reading, a larger chunked or close-delimited body as
/// soon as one byte past the cap arrives.
fn read_body(reader: &mut impl BufRead, framing: Framing) -> Result<Vec<u8>, BodyError> {
    let cap = MAX_MERCHANT_SESSION_LEN;
    let mut body = Vec::new();
    match framing {
        Framing::Length(len) => {
            let len = usize::try_from(len).map_err(|_| BodyError::TooLarge)?;
            if len > cap {
                return Err(BodyError::TooLarge);
            }
            body.resize(len, 0);
            reader.read_exact(&mut body)?;
        }
        Framing::UntilClose => {
            reader.take(cap as u64).read_to_end(&mut body)?;
            if body.len() == cap && reader.read(&mut [0u8; 1])? != 0 {
                return Err(BodyError::TooLarge);
            }
        }
        Framing::Chunked => loop {
            let size = read_chunk_size(reader)?;
            if size == 0 {
                // Trailer fields, up to the empty line.
                while !read_line(reader)?.is_empty() {}
                break;
            }
            if size > cap.saturating_sub(body.len()) {
                return Err(BodyError::TooLarge);
            }
            let start = body.len();
            body.resize(start + size, 0);
            reader.read_exact(body.get_mut(start..).unwrap_or_default())?;
            if !read_line(reader)?.is_empty() {
                return Err(BodyError::Framing("malformed chunk"));
            }
        },
    }
    Ok(body)
}

/// One line without its CRLF (or LF), at most [`MAX_CHUNK_LINE_LEN`] bytes.
fn read_line(reader: &mut impl BufRead) -> Result<Vec<u8>, BodyError> {
    let mut line = Vec::new();
    reader
        .take(MAX_CHUNK_LINE_LEN as u64)
        .read_until(b'\n', &mut line)?;
    if line.pop() != Some(b'\n') {
        return Err(BodyError::Framing("malformed chunked body"));
    }
    if line.last() == Some(&b'\r') {
        line.pop();
    }
    Ok(line)
}

fn read_chunk_size(reader: &mut impl BufRead) -> Result<usize, BodyError> {
    let line = read_line(reader)?;
    let digits = line.split(|&b| b == b';').next().unwrap_or_default();
    let digits = core::str::from_utf8(digits)
        .map_err(|_| BodyError::Framing("malformed chunk size"))?
        .trim();
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(BodyError::Framing("malformed chunk size"));
    }
    // More than eight significant hex digits is over 4 GiB: far past the cap.
    let significant = digits.trim_start_matches('0');
    if significant.len() > 8 {
        return Err(BodyError::TooLarge);
    }
    Ok(usize::from_str_radix(digits, 16).unwrap_or(usize::MAX))
}

#[cfg(test)]
#[path = "https_tests.rs"]
mod tests;
