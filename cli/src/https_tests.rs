//! Unit tests of `https`.

use super::*;
use std::io::Cursor;

fn target(connect_to: Option<&str>) -> Result<(String, u16), String> {
    connect_target("apple-pay-gateway.apple.com", connect_to).map_err(|e| match e {
        Failure::Usage(m) => m,
        _ => String::from("other"),
    })
}

#[test]
fn connect_to_has_curls_meaning() {
    let url_host = || Ok(("apple-pay-gateway.apple.com".to_owned(), 443));
    assert_eq!(target(None), url_host());
    for spec in [
        "::127.0.0.1:8443",
        "apple-pay-gateway.apple.com:443:127.0.0.1:8443",
        "APPLE-PAY-GATEWAY.apple.com::127.0.0.1:8443",
        ":443:127.0.0.1:8443",
    ] {
        assert_eq!(
            target(Some(spec)),
            Ok(("127.0.0.1".to_owned(), 8443)),
            "{spec}"
        );
    }
    assert_eq!(target(Some("::[::1]:8443")), Ok(("::1".to_owned(), 8443)));
    // Another host or port: connect to the URL's host as usual.
    assert_eq!(target(Some("other.example:443:127.0.0.1:8443")), url_host());
    assert_eq!(target(Some(":8443:127.0.0.1:8443")), url_host());
    for bad in [
        "",
        "::",
        "::127.0.0.1",
        "::127.0.0.1:x",
        "a:b:127.0.0.1:1",
        ":::1",
    ] {
        assert!(target(Some(bad)).is_err(), "{bad:?}");
    }
}

fn body(framing: Framing, wire: &[u8]) -> Result<Vec<u8>, &'static str> {
    read_body(&mut Cursor::new(wire.to_vec()), framing).map_err(|e| match e {
        BodyError::TooLarge => "too large",
        BodyError::Framing(why) => why,
        BodyError::Io(_) => "io",
    })
}

#[test]
fn bodies_are_read_within_the_cap() {
    let cap = MAX_MERCHANT_SESSION_LEN;
    assert_eq!(body(Framing::Length(2), b"{}trailing"), Ok(b"{}".to_vec()));
    assert_eq!(body(Framing::Length(3), b"{}"), Err("io"));
    assert_eq!(body(Framing::Length(cap as u64 + 1), b""), Err("too large"));
    assert_eq!(body(Framing::Length(u64::MAX), b""), Err("too large"));
    let exact = vec![b'x'; cap];
    assert_eq!(body(Framing::UntilClose, &exact), Ok(exact.clone()));
    let over = vec![b'x'; cap + 1];
    assert_eq!(body(Framing::UntilClose, &over), Err("too large"));

    let chunked = b"2\r\n{\"\r\n3;ext=1\r\na\":\r\n0002\r\n1}\r\n0\r\nTrailer: x\r\n\r\n";
    assert_eq!(body(Framing::Chunked, chunked), Ok(br#"{"a":1}"#.to_vec()));
    assert_eq!(body(Framing::Chunked, b"10001\r\n"), Err("too large"));
    assert_eq!(
        body(Framing::Chunked, b"000000000000001\r\nx\r\n0\r\n\r\n"),
        Ok(b"x".to_vec())
    );
    assert_eq!(body(Framing::Chunked, b"123456789\r\n"), Err("too large"));
    assert_eq!(
        body(Framing::Chunked, b"zz\r\n"),
        Err("malformed chunk size")
    );
    assert_eq!(
        body(Framing::Chunked, b"-1\r\n"),
        Err("malformed chunk size")
    );
    assert_eq!(
        body(Framing::Chunked, b"2\r\nabX\r\n"),
        Err("malformed chunk")
    );
    assert_eq!(
        body(Framing::Chunked, b"2\r\nab"),
        Err("malformed chunked body")
    );
    // Many small chunks add up past the cap.
    let mut many = Vec::new();
    for _ in 0..=cap / 4096 {
        many.extend_from_slice(b"1000\r\n");
        many.extend_from_slice(&[b'x'; 4096]);
        many.extend_from_slice(b"\r\n");
    }
    assert_eq!(body(Framing::Chunked, &many), Err("too large"));
}

fn head(wire: &[u8]) -> Result<(u16, Option<String>, &'static str), String> {
    let head = read_head(&mut Cursor::new(wire.to_vec())).map_err(|e| match e {
        Failure::Kind(kind, message) => format!("{kind}: {message}"),
        _ => String::from("other"),
    })?;
    let framing = match head.framing {
        Framing::Length(_) => "length",
        Framing::Chunked => "chunked",
        Framing::UntilClose => "close",
    };
    Ok((head.status, head.location, framing))
}

#[test]
fn response_heads() {
    assert_eq!(
        head(b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}"),
        Ok((200, None, "length"))
    );
    assert_eq!(
        head(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\nContent-Length: 5\r\n\r\n"),
        Ok((200, None, "chunked"))
    );
    assert_eq!(
        head(b"HTTP/1.1 301 Moved\r\nLocation: https://evil.example/\r\n\r\n"),
        Ok((301, Some("https://evil.example/".to_owned()), "close"))
    );
    for (wire, why) in [
        (
            &b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n"[..],
            "conflicting",
        ),
        (
            b"HTTP/1.1 200 OK\r\nContent-Length: -2\r\n\r\n",
            "malformed Content-Length",
        ),
        (b"SSH-2.0-OpenSSH\r\n\r\n", "malformed response head"),
        (b"HTTP/1.1 200 OK\r\n", "closed before"),
        (b"", "closed before"),
    ] {
        let error = head(wire).unwrap_err();
        assert!(
            error.starts_with("http: ") && error.contains(why),
            "{error}"
        );
    }
    let interim = b"HTTP/1.1 103 Early Hints\r\n\r\n".repeat(MAX_INTERIM_RESPONSES);
    assert!(head(&interim).unwrap_err().contains("too many interim"));
    let mut huge = b"HTTP/1.1 200 OK\r\n".to_vec();
    while huge.len() <= MAX_HEAD_LEN {
        huge.extend_from_slice(b"X-Padding: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n");
    }
    assert!(head(&huge).unwrap_err().contains("too large"));
}
