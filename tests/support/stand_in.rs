//! A stand-in for Apple's merchant validation gateway on loopback: a rustls server (the
//! configuration from `applepay_crypto::mint::GatewayPki::server_config`, which requires
//! a client certificate from the test identity CA) that records each request and answers
//! as told. Shared by `tests/session.rs` and `examples/stand_in_gateway.rs`.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{Receiver, Sender, channel};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rustls::{ServerConfig, ServerConnection, StreamOwned};

/// How the stand-in answers every request.
#[derive(Clone, Debug)]
pub enum Reply {
    /// A status, extra headers and a body sent with `Content-Length`.
    Respond {
        status: u16,
        headers: Vec<(String, String)>,
        body: Vec<u8>,
    },
    /// A 200 whose body is sent with chunked framing, in chunks of the given size.
    Chunked { body: Vec<u8>, chunk: usize },
    /// Completes the handshake, reads the request, then says nothing for this long.
    Stall(Duration),
}

impl Reply {
    /// A 200 with a JSON body.
    pub fn json(status: u16, body: &[u8]) -> Self {
        Reply::Respond {
            status,
            headers: vec![("Content-Type".into(), "application/json".into())],
            body: body.to_vec(),
        }
    }
}

/// One request as the stand-in received it.
#[derive(Clone, Debug)]
pub struct Recorded {
    /// The request line and headers, as sent.
    pub head: String,
    /// The body bytes.
    pub body: Vec<u8>,
    /// The DER of the client certificate the handshake authenticated.
    pub client_cert: Option<Vec<u8>>,
    /// The TLS version negotiated.
    pub version: Option<rustls::ProtocolVersion>,
}

/// A running stand-in: its address, what it received, how many connections it accepted.
pub struct StandIn {
    pub addr: SocketAddr,
    requests: Mutex<Receiver<Recorded>>,
    accepted: Arc<AtomicUsize>,
}

impl StandIn {
    /// Binds 127.0.0.1 on a free port and serves each connection on its own thread.
    pub fn start(config: ServerConfig, reply: Reply) -> StandIn {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let accepted = Arc::new(AtomicUsize::new(0));
        let (send, receive) = channel();
        let config = Arc::new(config);
        let counter = Arc::clone(&accepted);
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { continue };
                counter.fetch_add(1, Ordering::SeqCst);
                let (config, reply, send) = (Arc::clone(&config), reply.clone(), send.clone());
                std::thread::spawn(move || serve(stream, config, &reply, &send));
            }
        });
        StandIn {
            addr,
            requests: Mutex::new(receive),
            accepted,
        }
    }

    /// The `--connect-to` value that sends every Apple host to this stand-in.
    pub fn connect_to(&self) -> String {
        format!("::{}:{}", self.addr.ip(), self.addr.port())
    }

    /// The next recorded request, waiting up to five seconds.
    pub fn request(&self) -> Option<Recorded> {
        self.requests
            .lock()
            .unwrap()
            .recv_timeout(Duration::from_secs(5))
            .ok()
    }

    /// The next recorded request, waiting as long as it takes (`None` once the server
    /// thread is gone).
    pub fn request_blocking(&self) -> Option<Recorded> {
        self.requests.lock().unwrap().recv().ok()
    }

    /// How many TCP connections were accepted so far.
    pub fn accepted(&self) -> usize {
        self.accepted.load(Ordering::SeqCst)
    }
}

fn serve(
    tcp: std::net::TcpStream,
    config: Arc<ServerConfig>,
    reply: &Reply,
    send: &Sender<Recorded>,
) {
    tcp.set_read_timeout(Some(Duration::from_secs(10))).ok();
    let Ok(conn) = ServerConnection::new(config) else {
        return;
    };
    let mut reader = BufReader::new(StreamOwned::new(conn, tcp));
    // The request head, then a body of Content-Length bytes.
    let mut head = String::new();
    loop {
        let mut line = String::new();
        match reader.read_line(&mut line) {
            Ok(0) | Err(_) => return, // handshake refused, or the client went away
            Ok(_) => {}
        }
        head.push_str(&line);
        if line == "\r\n" {
            break;
        }
    }
    let length = head
        .lines()
        .find_map(|l| {
            let (name, value) = l.split_once(':')?;
            name.eq_ignore_ascii_case("content-length")
                .then(|| value.trim().parse::<usize>().ok())?
        })
        .unwrap_or(0);
    let mut body = vec![0; length.min(1 << 20)];
    if reader.read_exact(&mut body).is_err() {
        return;
    }
    let stream = reader.get_mut();
    let client_cert = stream
        .conn
        .peer_certificates()
        .and_then(|c| c.first())
        .map(|c| c.as_ref().to_vec());
    let version = stream.conn.protocol_version();
    send.send(Recorded {
        head,
        body,
        client_cert,
        version,
    })
    .ok();
    let out = match reply {
        Reply::Respond {
            status,
            headers,
            body,
        } => {
            let mut out = format!("HTTP/1.1 {status} X\r\nContent-Length: {}\r\n", body.len());
            for (name, value) in headers {
                out.push_str(&format!("{name}: {value}\r\n"));
            }
            out.push_str("Connection: close\r\n\r\n");
            [out.into_bytes(), body.clone()].concat()
        }
        Reply::Chunked { body, chunk } => {
            let mut out =
                b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
                    .to_vec();
            for piece in body.chunks((*chunk).max(1)) {
                out.extend_from_slice(format!("{:x}\r\n", piece.len()).as_bytes());
                out.extend_from_slice(piece);
                out.extend_from_slice(b"\r\n");
            }
            out.extend_from_slice(b"0\r\n\r\n");
            out
        }
        Reply::Stall(how_long) => {
            std::thread::sleep(*how_long);
            return;
        }
    };
    // The client may hang up early (an oversized answer): ignore write errors.
    let _ = stream.write_all(&out);
    stream.conn.send_close_notify();
    let _ = stream.flush();
}
