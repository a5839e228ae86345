//! A stand-in for Apple's gateway on loopback: a rustls server (the configuration from
//! `applepay_crypto::mint::GatewayPki::server_config`, which requires a client
//! certificate from the test identity CA) speaking HTTP/1.1 with keep-alive. It records
//! every request (method, path, headers, body, the client certificate, the TLS version)
//! and answers as its handler says; it counts connections and completed handshakes.
//!
//! Shared by the gateway's and the CLI's tests and the gateway's bench. Unlike `applepay
//! simulate gateway` (the `simulator` feature), it can misbehave on purpose: drip, stall,
//! redirect, answer in chunks.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{Receiver, Sender, channel};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rustls::{ServerConfig, ServerConnection, StreamOwned};

/// How the stand-in answers one request.
#[derive(Clone, Debug)]
pub enum Reply {
    /// A status, extra headers and a body sent with `Content-Length`; the connection stays
    /// open for the next request.
    Respond {
        status: u16,
        headers: Vec<(String, String)>,
        body: Vec<u8>,
    },
    /// A 200 whose body is sent with chunked framing, in chunks of the given size.
    Chunked { body: Vec<u8>, chunk: usize },
    /// Reads the request, then says nothing for this long.
    Stall(Duration),
    /// A complete, valid 200 answer with this body, sent one byte per TLS record with
    /// `interval` between them: a server that drips a good answer.
    Drip { body: Vec<u8>, interval: Duration },
}

impl Reply {
    /// A JSON answer with this status.
    pub fn json(status: u16, body: &[u8]) -> Self {
        Reply::Respond {
            status,
            headers: vec![("Content-Type".into(), "application/json".into())],
            body: body.to_vec(),
        }
    }

    /// A status without a body (`204 No Content`, `202 Accepted`).
    pub fn empty(status: u16) -> Self {
        Reply::Respond {
            status,
            headers: Vec::new(),
            body: Vec::new(),
        }
    }
}

/// One request as the stand-in received it.
#[derive(Clone, Debug)]
pub struct Recorded {
    /// The request line and headers, as sent.
    pub head: String,
    /// `GET`, `POST`, …
    pub method: String,
    /// The request target, as sent.
    pub path: String,
    /// The body bytes.
    pub body: Vec<u8>,
    /// The DER of the client certificate the handshake authenticated.
    pub client_cert: Option<Vec<u8>>,
    /// The TLS version negotiated.
    pub version: Option<rustls::ProtocolVersion>,
    /// Which connection (in accept order, from 1) carried it.
    pub connection: usize,
}

impl Recorded {
    /// The value of the first header with this name (any case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.head.lines().skip(1).find_map(|line| {
            let (n, v) = line.split_once(':')?;
            n.eq_ignore_ascii_case(name).then(|| v.trim())
        })
    }
}

type Handler = dyn Fn(&Recorded) -> Reply + Send + Sync;

/// A running stand-in.
pub struct StandIn {
    pub addr: SocketAddr,
    requests: Mutex<Receiver<Recorded>>,
    accepted: Arc<AtomicUsize>,
    handshakes: Arc<AtomicUsize>,
}

impl StandIn {
    /// Binds 127.0.0.1 on a free port and answers every request with `reply`.
    pub fn start(config: ServerConfig, reply: Reply) -> StandIn {
        Self::start_with(config, move |_| reply.clone())
    }

    /// Binds 127.0.0.1 on a free port and answers each request as `handler` says; each
    /// connection is served on its own thread.
    pub fn start_with(
        config: ServerConfig,
        handler: impl Fn(&Recorded) -> Reply + Send + Sync + 'static,
    ) -> StandIn {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let accepted = Arc::new(AtomicUsize::new(0));
        let handshakes = Arc::new(AtomicUsize::new(0));
        let (send, receive) = channel();
        let config = Arc::new(config);
        let handler: Arc<Handler> = Arc::new(handler);
        let (counter, handshake_counter) = (Arc::clone(&accepted), Arc::clone(&handshakes));
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { continue };
                let connection = counter.fetch_add(1, Ordering::SeqCst) + 1;
                let (config, handler, send, handshakes) = (
                    Arc::clone(&config),
                    Arc::clone(&handler),
                    send.clone(),
                    Arc::clone(&handshake_counter),
                );
                std::thread::spawn(move || {
                    serve(stream, config, &*handler, &send, &handshakes, connection)
                });
            }
        });
        StandIn {
            addr,
            requests: Mutex::new(receive),
            accepted,
            handshakes,
        }
    }

    /// A server that accepts connections and answers each with a TLS handshake record
    /// dripped one byte every `interval`, for ever: it never lets a handshake finish.
    pub fn handshake_dripper(interval: Duration) -> StandIn {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let accepted = Arc::new(AtomicUsize::new(0));
        let counter = Arc::clone(&accepted);
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { continue };
                counter.fetch_add(1, Ordering::SeqCst);
                std::thread::spawn(move || {
                    // A handshake record header announcing 16 KiB, then its body.
                    let record = [0x16, 0x03, 0x03, 0x40, 0x00]
                        .into_iter()
                        .chain(std::iter::repeat(0x02));
                    for byte in record {
                        if stream.write_all(&[byte]).is_err() {
                            return;
                        }
                        std::thread::sleep(interval);
                    }
                });
            }
        });
        let (_, receive) = channel();
        StandIn {
            addr,
            requests: Mutex::new(receive),
            accepted,
            handshakes: Arc::new(AtomicUsize::new(0)),
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

    /// The next recorded request, if one is waiting.
    pub fn try_request(&self) -> Option<Recorded> {
        self.requests.lock().unwrap().try_recv().ok()
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

    /// How many TLS handshakes completed so far.
    pub fn handshakes(&self) -> usize {
        self.handshakes.load(Ordering::SeqCst)
    }
}

fn serve(
    tcp: TcpStream,
    config: Arc<ServerConfig>,
    handler: &Handler,
    send: &Sender<Recorded>,
    handshakes: &AtomicUsize,
    connection: usize,
) {
    tcp.set_read_timeout(Some(Duration::from_secs(10))).ok();
    let Ok(conn) = ServerConnection::new(config) else {
        return;
    };
    let mut reader = BufReader::new(StreamOwned::new(conn, tcp));
    let mut counted = false;
    loop {
        // The request head, then a body of Content-Length bytes.
        let mut head = String::new();
        loop {
            let mut line = String::new();
            match reader.read_line(&mut line) {
                Ok(0) | Err(_) => return, // handshake refused, or the client went away
                Ok(_) => {}
            }
            if !counted {
                counted = true;
                handshakes.fetch_add(1, Ordering::SeqCst);
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
        let mut words = head.split(' ');
        let method = words.next().unwrap_or_default().to_owned();
        let path = words.next().unwrap_or_default().to_owned();
        let recorded = Recorded {
            head,
            method,
            path,
            body,
            client_cert,
            version,
            connection,
        };
        let reply = handler(&recorded);
        send.send(recorded).ok();
        let out = match reply {
            Reply::Respond {
                status,
                headers,
                body,
            } => {
                let mut out = format!("HTTP/1.1 {status} X\r\n");
                if status != 204 {
                    out.push_str(&format!("Content-Length: {}\r\n", body.len()));
                }
                for (name, value) in headers {
                    out.push_str(&format!("{name}: {value}\r\n"));
                }
                out.push_str("\r\n");
                [out.into_bytes(), body].concat()
            }
            Reply::Chunked { body, chunk } => {
                let mut out =
                    b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
                        .to_vec();
                for piece in body.chunks(chunk.max(1)) {
                    out.extend_from_slice(format!("{:x}\r\n", piece.len()).as_bytes());
                    out.extend_from_slice(piece);
                    out.extend_from_slice(b"\r\n");
                }
                out.extend_from_slice(b"0\r\n\r\n");
                let _ = stream.write_all(&out);
                stream.conn.send_close_notify();
                let _ = stream.flush();
                return;
            }
            Reply::Stall(how_long) => {
                std::thread::sleep(how_long);
                return;
            }
            Reply::Drip { body, interval } => {
                let out = [
                    format!(
                        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
                        body.len()
                    )
                    .into_bytes(),
                    body,
                ]
                .concat();
                for byte in out {
                    if stream
                        .write_all(&[byte])
                        .and_then(|()| stream.flush())
                        .is_err()
                    {
                        return;
                    }
                    std::thread::sleep(interval);
                }
                continue;
            }
        };
        // The client may hang up early (an oversized answer): stop on a write error.
        if stream
            .write_all(&out)
            .and_then(|()| stream.flush())
            .is_err()
        {
            return;
        }
    }
}
