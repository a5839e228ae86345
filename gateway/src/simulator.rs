//! A simulated Apple gateway on a local socket (feature `simulator`), for a merchant's own
//! tests: the server behind `applepay simulate gateway`.
//!
//! It speaks HTTP/1.1 with keep-alive over TLS (1.2 and 1.3) with the server certificate
//! of the [`Simulation`]'s gateway CA, for every one of Apple's gateway hosts, and
//! requires a client certificate from the simulation's identity CA: another Merchant
//! Identity fails the handshake. What it answers comes from the core's
//! [`SimulatedGateway`]: merchant sessions, the Merchant Token Management API, the Web
//! Merchant Registration API.
//!
//! **Nothing here is trusted by Apple**: a client reaches it only by trusting the
//! simulation's `gateway_ca.pem` and pointing Apple's host at its address
//! ([`ConnectTo`](crate::ConnectTo)).
//!
//! ```no_run
//! use applepay_crypto::mint::Simulation;
//! use applepay_gateway::simulator::SimulatorServer;
//!
//! # fn run(state: &[u8]) -> Result<(), Box<dyn std::error::Error>> {
//! let server = SimulatorServer::bind("127.0.0.1:0", Simulation::from_state(state)?)?;
//! println!("listening {}", server.local_addr()?);
//! server.serve(|event| println!("{event}"));
//! # Ok(())
//! # }
//! ```

use std::fmt;
use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream, ToSocketAddrs};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use applepay_crypto::UnixTime;
use applepay_crypto::mint::{
    MAX_SIMULATED_REQUEST_LEN, SimulatedAnswer, SimulatedGateway, Simulation,
};
use rustls::{ServerConfig, ServerConnection, StreamOwned};

use crate::error::escape_server_text;

/// Longest request head (request line and headers) the server reads, in bytes.
pub const MAX_REQUEST_HEAD_LEN: usize = 16 * 1024;

/// Most connections served at once; more are closed at once.
pub const MAX_CONNECTIONS: usize = 64;

/// How long a connection may stay silent before the server closes it.
const IDLE_TIMEOUT: Duration = Duration::from_secs(30);

/// What happened on the simulated gateway, for its log.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum SimulatorEvent {
    /// A request was answered.
    Request {
        /// The client's address.
        peer: SocketAddr,
        /// The request method, escaped for a terminal.
        method: String,
        /// The request target, escaped for a terminal.
        target: String,
        /// The status answered.
        status: u16,
    },
    /// A connection ended without a request: the TLS handshake failed (a client
    /// certificate from another identity CA, none at all, a client that does not trust
    /// the gateway CA) or the request could not be read.
    Refused {
        /// The client's address.
        peer: SocketAddr,
        /// Why, as rustls or the HTTP reader said it.
        reason: String,
    },
}

impl fmt::Display for SimulatorEvent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Request {
                peer,
                method,
                target,
                status,
            } => write!(f, "{peer} {method} {target} {status}"),
            Self::Refused { peer, reason } => write!(f, "{peer} refused: {reason}"),
        }
    }
}

/// A bound simulated gateway; [`SimulatorServer::serve`] runs it.
pub struct SimulatorServer {
    listener: TcpListener,
    config: Arc<ServerConfig>,
    app: Arc<Mutex<SimulatedGateway>>,
}

impl fmt::Debug for SimulatorServer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SimulatorServer")
            .field("addr", &self.listener.local_addr().ok())
            .finish_non_exhaustive()
    }
}

impl SimulatorServer {
    /// Binds `addr` (port 0 picks a free one) for `simulation`'s gateway. Errors are the
    /// socket's, or [`io::ErrorKind::InvalidData`] if the simulation's PKI cannot be
    /// made.
    pub fn bind(addr: impl ToSocketAddrs, simulation: Simulation) -> io::Result<Self> {
        let invalid = |e: applepay_crypto::Error| io::Error::new(io::ErrorKind::InvalidData, e);
        let config = simulation
            .gateway_pki()
            .and_then(|pki| pki.server_config())
            .map_err(invalid)?;
        let app = SimulatedGateway::new(simulation).map_err(invalid)?;
        Ok(Self {
            listener: TcpListener::bind(addr)?,
            config: Arc::new(config),
            app: Arc::new(Mutex::new(app)),
        })
    }

    /// The address bound (with the port chosen, for port 0).
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// Serves until the process ends, each connection on its own thread (at most
    /// [`MAX_CONNECTIONS`] at once), calling `log` once per request answered and once per
    /// connection refused.
    pub fn serve(self, log: impl Fn(&SimulatorEvent) + Send + Sync + 'static) {
        let log: Arc<dyn Fn(&SimulatorEvent) + Send + Sync> = Arc::new(log);
        let open = Arc::new(AtomicUsize::new(0));
        for stream in self.listener.incoming() {
            let Ok(stream) = stream else { continue };
            if open.fetch_add(1, Ordering::SeqCst) >= MAX_CONNECTIONS {
                open.fetch_sub(1, Ordering::SeqCst);
                continue;
            }
            let (config, app, log, open) = (
                Arc::clone(&self.config),
                Arc::clone(&self.app),
                Arc::clone(&log),
                Arc::clone(&open),
            );
            std::thread::spawn(move || {
                if let Ok(peer) = stream.peer_addr() {
                    let ended = serve_connection(stream, peer, config, &app, &*log);
                    if let Err(reason) = ended {
                        log(&SimulatorEvent::Refused { peer, reason });
                    }
                }
                open.fetch_sub(1, Ordering::SeqCst);
            });
        }
    }
}

/// Serves one connection's requests; `Err` when it ended before its first request.
fn serve_connection(
    tcp: TcpStream,
    peer: SocketAddr,
    config: Arc<ServerConfig>,
    app: &Mutex<SimulatedGateway>,
    log: &(dyn Fn(&SimulatorEvent) + Send + Sync),
) -> Result<(), String> {
    let escape = |e: io::Error| escape_server_text(&e.to_string());
    tcp.set_read_timeout(Some(IDLE_TIMEOUT)).map_err(escape)?;
    tcp.set_write_timeout(Some(IDLE_TIMEOUT)).map_err(escape)?;
    let conn = ServerConnection::new(config).map_err(|e| e.to_string())?;
    let mut reader = BufReader::new(StreamOwned::new(conn, tcp));
    let mut answered = 0usize;
    loop {
        let request = match read_request(&mut reader) {
            Ok(Some(request)) => request,
            Ok(None) if answered > 0 => return Ok(()),
            Ok(None) => return Err("closed before a request".into()),
            // Clients often hang up without a TLS close_notify once they have their
            // answer: the end of a connection that was served is not worth a line.
            Err(_) if answered > 0 => return Ok(()),
            Err(e) => return Err(escape(e)),
        };
        let mut unique = [0u8; 16];
        getrandom::fill(&mut unique).map_err(|e| e.to_string())?;
        let answer = match &request.body {
            Some(body) => app.lock().unwrap_or_else(PoisonError::into_inner).answer(
                &request.method,
                &request.target,
                body,
                UnixTime::now(),
                &unique,
            ),
            None => SimulatedAnswer {
                status: 413,
                body: br#"{"statusCode":413,"statusMessage":"request body too large"}"#.to_vec(),
            },
        };
        log(&SimulatorEvent::Request {
            peer,
            method: escape_server_text(&request.method),
            target: escape_server_text(&request.target),
            status: answer.status,
        });
        answered += 1;
        let stream = reader.get_mut();
        stream
            .write_all(&response(&answer, request.close))
            .map_err(escape)?;
        stream.flush().map_err(escape)?;
        if request.close || request.body.is_none() {
            stream.conn.send_close_notify();
            let _ = stream.flush();
            return Ok(());
        }
    }
}

/// One request as read: `body` is `None` when it announced more than
/// [`MAX_SIMULATED_REQUEST_LEN`] (then not read, and the connection closes).
struct Request {
    method: String,
    target: String,
    body: Option<Vec<u8>>,
    close: bool,
}

/// Reads one request; `None` at a clean end of the connection before it.
fn read_request(reader: &mut impl BufRead) -> io::Result<Option<Request>> {
    let bad = |what: &str| io::Error::new(io::ErrorKind::InvalidData, what.to_owned());
    let mut head = Vec::new();
    loop {
        let mut line = Vec::new();
        let limit = (MAX_REQUEST_HEAD_LEN + 1).saturating_sub(head.len()) as u64;
        let read = reader.by_ref().take(limit).read_until(b'\n', &mut line)?;
        if read == 0 && head.is_empty() {
            return Ok(None);
        }
        if read == 0 || !line.ends_with(b"\n") {
            return Err(bad("request head too long or cut short"));
        }
        if line == b"\r\n" || line == b"\n" {
            break;
        }
        head.extend_from_slice(&line);
    }
    let head = String::from_utf8(head).map_err(|_| bad("request head is not UTF-8"))?;
    let mut lines = head.lines();
    let mut words = lines.next().unwrap_or_default().split(' ');
    let (Some(method), Some(target), Some(version)) = (words.next(), words.next(), words.next())
    else {
        return Err(bad("malformed request line"));
    };
    if !version.starts_with("HTTP/1.") {
        return Err(bad("not HTTP/1.x"));
    }
    let (mut length, mut close) = (0usize, version == "HTTP/1.0");
    for line in lines {
        let Some((name, value)) = line.split_once(':') else {
            return Err(bad("malformed header"));
        };
        let value = value.trim();
        if name.eq_ignore_ascii_case("content-length") {
            length = value.parse().map_err(|_| bad("malformed Content-Length"))?;
        } else if name.eq_ignore_ascii_case("transfer-encoding") {
            return Err(bad("Transfer-Encoding is not supported"));
        } else if name.eq_ignore_ascii_case("connection") {
            close = value.eq_ignore_ascii_case("close");
        }
    }
    let body = if length > MAX_SIMULATED_REQUEST_LEN {
        None
    } else {
        let mut body = vec![0; length];
        reader.read_exact(&mut body)?;
        Some(body)
    };
    Ok(Some(Request {
        method: method.to_owned(),
        target: target.to_owned(),
        body,
        close,
    }))
}

/// The HTTP/1.1 response bytes.
fn response(answer: &SimulatedAnswer, close: bool) -> Vec<u8> {
    let reason = match answer.status {
        200 => "OK",
        204 => "No Content",
        400 => "Bad Request",
        403 => "Forbidden",
        404 => "Not Found",
        413 => "Payload Too Large",
        429 => "Too Many Requests",
        _ => "Unknown",
    };
    let mut head = format!("HTTP/1.1 {} {reason}\r\n", answer.status);
    if answer.status != 204 {
        head.push_str(&format!("Content-Length: {}\r\n", answer.body.len()));
        if !answer.body.is_empty() {
            head.push_str("Content-Type: application/json\r\n");
        }
    }
    if close {
        head.push_str("Connection: close\r\n");
    }
    head.push_str("\r\n");
    [head.into_bytes(), answer.body.clone()].concat()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &[u8]) -> io::Result<Option<Request>> {
        read_request(&mut BufReader::new(text))
    }

    #[test]
    fn requests_are_read_within_their_limits() {
        let request = read(b"POST /p HTTP/1.1\r\nContent-Length: 2\r\nHost: x\r\n\r\n{}GET")
            .unwrap()
            .unwrap();
        assert_eq!(
            (request.method.as_str(), request.target.as_str()),
            ("POST", "/p")
        );
        assert_eq!(request.body.as_deref(), Some(&b"{}"[..]));
        assert!(!request.close);
        assert!(read(b"").unwrap().is_none());
        let close = read(b"GET / HTTP/1.1\r\nConnection: close\r\n\r\n").unwrap();
        assert!(close.unwrap().close);
        let huge = format!(
            "POST / HTTP/1.1\r\nContent-Length: {}\r\n\r\n",
            MAX_SIMULATED_REQUEST_LEN + 1
        );
        assert!(read(huge.as_bytes()).unwrap().unwrap().body.is_none());
        let long_head = [
            &b"GET / HTTP/1.1\r\nX: "[..],
            &vec![b'a'; MAX_REQUEST_HEAD_LEN],
            b"\r\n\r\n",
        ]
        .concat();
        for bad in [
            &long_head[..],
            b"GET / HTTP/1.1\r\n",
            b"GET /\r\n\r\n",
            b"GET / SPDY/3\r\n\r\n",
            b"GET / HTTP/1.1\r\nno colon\r\n\r\n",
            b"POST / HTTP/1.1\r\nContent-Length: x\r\n\r\n",
            b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n",
            b"POST / HTTP/1.1\r\nContent-Length: 5\r\n\r\nab",
            b"GET / HTTP/1.1\r\nX: \xff\r\n\r\n",
        ] {
            assert!(read(bad).is_err(), "{:?}", String::from_utf8_lossy(bad));
        }
    }

    #[test]
    fn responses_frame_their_bodies() {
        let answer = SimulatedAnswer {
            status: 200,
            body: b"{}".to_vec(),
        };
        assert_eq!(
            response(&answer, false),
            b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Type: application/json\r\n\r\n{}"
        );
        let empty = SimulatedAnswer {
            status: 204,
            body: Vec::new(),
        };
        assert_eq!(
            response(&empty, true),
            b"HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n"
        );
    }

    #[test]
    fn events_print_on_one_line() {
        let peer = SocketAddr::from(([127, 0, 0, 1], 4000));
        let event = SimulatorEvent::Request {
            peer,
            method: "POST".into(),
            target: escape_server_text("/a\nb"),
            status: 200,
        };
        assert_eq!(event.to_string(), "127.0.0.1:4000 POST /a\\u{a}b 200");
    }
}
