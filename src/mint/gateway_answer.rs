//! What the simulated gateway answers, without I/O: the server (`applepay-gateway`'s
//! feature `simulator`) reads a request off the wire and hands its method, path and body
//! here; the answer is a status and a JSON body (or none).
//!
//! It plays, for the simulation's merchant, Apple's merchant session endpoint (any `POST`
//! to `/paymentservices/startSession` or `/paymentservices/paymentSession`), the Merchant
//! Token Management API and the Web Merchant Registration API (registrations kept in
//! memory). The answers have the shapes Apple's have; their values are made up (the
//! session's `signature` signs nothing).

use alloc::collections::BTreeMap;
use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

use base64ct::{Base64, Encoding as _};
use serde_json::{Map, Value, json};
use sha2::Digest;
use spki::EncodePublicKey;

use super::simulation::Simulation;
use crate::error::Error;
use crate::time::UnixTime;

/// Largest request body the simulated gateway reads, in bytes.
pub const MAX_SIMULATED_REQUEST_LEN: usize = 64 * 1024;

/// Most platform registrations the simulated gateway keeps; beyond, it answers 429.
pub const MAX_SIMULATED_REGISTRATIONS: usize = 1000;

/// How long a simulated merchant session is valid, in milliseconds (as Apple's: an hour).
const SESSION_LIFETIME_MS: u64 = 60 * 60 * 1000;

/// One answer of the simulated gateway.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SimulatedAnswer {
    /// The HTTP status.
    pub status: u16,
    /// The JSON body; empty for none (`204`).
    pub body: Vec<u8>,
}

impl SimulatedAnswer {
    fn json(status: u16, body: &Value) -> Self {
        Self {
            status,
            body: serde_json::to_vec(body).unwrap_or_default(),
        }
    }

    /// Apple's error shape for the server APIs.
    fn error(status: u16, message: &str) -> Self {
        Self::json(
            status,
            &json!({
                "statusCode": status,
                "statusMessage": message,
                "errorMessage": message,
                "subStatusCode": format!("{status}00"),
            }),
        )
    }
}

/// The simulated gateway's application: a [`Simulation`]'s merchant and the merchants
/// registered so far.
#[derive(Debug)]
pub struct SimulatedGateway {
    simulation: Simulation,
    merchant_id_hash: String,
    merchant_public_key: String,
    registrations: BTreeMap<String, Value>,
}

impl SimulatedGateway {
    /// The gateway of `simulation`.
    pub fn new(simulation: Simulation) -> Result<Self, Error> {
        let pki = simulation.payment_pki()?;
        let merchant_public_key = pki
            .merchant_key
            .public_key()
            .to_public_key_der()
            .map_err(|_| Error::InvalidParameter("merchant key"))?;
        Ok(Self {
            merchant_id_hash: base16ct::upper::encode_string(&sha2::Sha256::digest(
                simulation.merchant_id().as_bytes(),
            )),
            merchant_public_key: Base64::encode_string(merchant_public_key.as_bytes()),
            simulation,
            registrations: BTreeMap::new(),
        })
    }

    /// The answer to `method` `target` with `body`, at `now`; `unique` (random bytes, one
    /// draw per request) makes the session's identifier and nonce.
    pub fn answer(
        &mut self,
        method: &str,
        target: &str,
        body: &[u8],
        now: UnixTime,
        unique: &[u8; 16],
    ) -> SimulatedAnswer {
        if body.len() > MAX_SIMULATED_REQUEST_LEN {
            return SimulatedAnswer::error(413, "request body too large");
        }
        let path = target.split(['?', '#']).next().unwrap_or_default();
        let Some(rest) = path.strip_prefix("/paymentservices/") else {
            return SimulatedAnswer::error(404, "no such resource");
        };
        // Identifiers arrive percent-encoded (`applepay_crypto::ApiRequest` encodes them).
        let Some(segments) = rest
            .split('/')
            .map(percent_decode)
            .collect::<Option<Vec<String>>>()
        else {
            return SimulatedAnswer::error(400, "malformed percent-encoding in the path");
        };
        let segments: Vec<&str> = segments.iter().map(String::as_str).collect();
        match (method, segments.as_slice()) {
            ("POST", ["startSession" | "paymentSession"]) => self.session(body, now, unique),
            (_, ["v1", "merchantId", merchant_id, "merchantToken", call @ ..]) => {
                self.merchant_token(method, merchant_id, call, body)
            }
            ("POST", ["registerMerchant"]) => self.register(body),
            ("POST", ["unregisterMerchant"]) => self.unregister(body),
            ("GET", ["merchant", id]) => match self.registrations.get(*id) {
                Some(registration) => SimulatedAnswer::json(200, registration),
                None => SimulatedAnswer::error(404, "merchant not registered"),
            },
            _ => SimulatedAnswer::error(404, "no such resource"),
        }
    }

    /// A merchant session for this simulation's merchant.
    fn session(&self, body: &[u8], now: UnixTime, unique: &[u8; 16]) -> SimulatedAnswer {
        let Some(request) = object(body) else {
            return SimulatedAnswer::error(400, "the session request is not a JSON object");
        };
        let field = |name| request.get(name).and_then(Value::as_str);
        let (Some(merchant_id), Some(display_name), Some(initiative), Some(context)) = (
            field("merchantIdentifier"),
            field("displayName"),
            field("initiative"),
            field("initiativeContext"),
        ) else {
            return SimulatedAnswer::error(
                400,
                "merchantIdentifier, displayName, initiative and initiativeContext are required",
            );
        };
        if merchant_id != self.simulation.merchant_id() {
            return SimulatedAnswer::error(
                400,
                "Payment Services Exception: merchantIdentifier is not this simulation's merchant",
            );
        }
        let now_ms = now.as_secs().saturating_mul(1000);
        let unique_hex = base16ct::upper::encode_string(unique);
        let nonce = base16ct::lower::encode_string(unique.get(..4).unwrap_or_default());
        let signature = sha2::Sha256::new()
            .chain_update(&self.merchant_id_hash)
            .chain_update(unique)
            .chain_update(body)
            .finalize();
        SimulatedAnswer::json(
            200,
            &json!({
                "epochTimestamp": now_ms,
                "expiresAt": now_ms.saturating_add(SESSION_LIFETIME_MS),
                "merchantSessionIdentifier": format!("SSH{unique_hex}_SIMULATED"),
                "nonce": nonce,
                "merchantIdentifier": self.merchant_id_hash,
                "domainName": context,
                "displayName": display_name,
                "initiative": initiative,
                "signature": Base64::encode_string(&signature),
                "operationalAnalyticsIdentifier": format!(
                    "{display_name}:{}", self.merchant_id_hash
                ),
                "retries": 0,
                "pspId": self.merchant_id_hash,
            }),
        )
    }

    /// The Merchant Token Management API, for this simulation's merchant only.
    fn merchant_token(
        &self,
        method: &str,
        merchant_id: &str,
        call: &[&str],
        body: &[u8],
    ) -> SimulatedAnswer {
        if merchant_id != self.simulation.merchant_id() {
            return SimulatedAnswer::error(403, "merchant id is not this simulation's merchant");
        }
        let token_id = || {
            object(body).and_then(|request| {
                request
                    .get("merchantTokenIdentifier")
                    .and_then(Value::as_str)
                    .map(String::from)
            })
        };
        match (method, call) {
            ("GET", ["event", event_id]) => SimulatedAnswer::json(
                200,
                &json!({
                    "eventId": event_id,
                    "merchantTokenEventType": "EXPIRED",
                    "merchantTokenIdentifier": format!("DNITHE{}", hex_prefix(event_id)),
                }),
            ),
            ("POST", ["unlink"]) => match token_id() {
                Some(_) => SimulatedAnswer {
                    status: 204,
                    body: Vec::new(),
                },
                None => SimulatedAnswer::error(400, "merchantTokenIdentifier is required"),
            },
            ("POST", ["updateMerchantMetadata"]) => {
                let has_metadata = object(body).is_some_and(|r| r.contains_key("merchantMetadata"));
                match token_id() {
                    Some(_) if has_metadata => SimulatedAnswer::json(200, &json!({})),
                    _ => SimulatedAnswer::error(
                        400,
                        "merchantTokenIdentifier and merchantMetadata are required",
                    ),
                }
            }
            ("POST", ["publicKey"]) => match token_id() {
                Some(_) => {
                    SimulatedAnswer::json(200, &json!({ "publicKey": self.merchant_public_key }))
                }
                None => SimulatedAnswer::error(400, "merchantTokenIdentifier is required"),
            },
            _ => SimulatedAnswer::error(404, "no such resource"),
        }
    }

    /// `registerMerchant`: kept under its `partnerInternalMerchantIdentifier`.
    fn register(&mut self, body: &[u8]) -> SimulatedAnswer {
        let Some(request) = object(body) else {
            return SimulatedAnswer::error(400, "the registration is not a JSON object");
        };
        let (Some(id), Some(domains)) = (
            request
                .get("partnerInternalMerchantIdentifier")
                .and_then(Value::as_str),
            request.get("domainNames").and_then(Value::as_array),
        ) else {
            return SimulatedAnswer::error(
                400,
                "partnerInternalMerchantIdentifier and domainNames are required",
            );
        };
        if !self.registrations.contains_key(id)
            && self.registrations.len() >= MAX_SIMULATED_REGISTRATIONS
        {
            return SimulatedAnswer::error(429, "too many registrations");
        }
        let mut details = Map::new();
        details.insert("domainNames".into(), Value::Array(domains.clone()));
        for name in ["encryptTo", "partnerMerchantName", "merchantUrl"] {
            if let Some(value) = request.get(name) {
                details.insert(name.into(), value.clone());
            }
        }
        details.insert("partnerInternalMerchantIdentifier".into(), id.into());
        self.registrations
            .insert(String::from(id), Value::Object(details));
        SimulatedAnswer::json(200, &json!({}))
    }

    /// `unregisterMerchant`: removes the domains named, and the merchant once it has none.
    fn unregister(&mut self, body: &[u8]) -> SimulatedAnswer {
        let Some(request) = object(body) else {
            return SimulatedAnswer::error(400, "the request is not a JSON object");
        };
        let (Some(id), Some(domains)) = (
            request
                .get("partnerInternalMerchantIdentifier")
                .and_then(Value::as_str),
            request.get("domainNames").and_then(Value::as_array),
        ) else {
            return SimulatedAnswer::error(
                400,
                "partnerInternalMerchantIdentifier and domainNames are required",
            );
        };
        let Some(registration) = self.registrations.get_mut(id) else {
            return SimulatedAnswer::error(404, "merchant not registered");
        };
        let now_empty = match registration
            .get_mut("domainNames")
            .and_then(Value::as_array_mut)
        {
            Some(registered) => {
                registered.retain(|domain| !domains.contains(domain));
                registered.is_empty()
            }
            None => true,
        };
        if now_empty {
            self.registrations.remove(id);
        }
        SimulatedAnswer::json(200, &json!({}))
    }
}

/// The body as a JSON object, if it is one.
fn object(body: &[u8]) -> Option<Map<String, Value>> {
    match serde_json::from_slice(body).ok()? {
        Value::Object(map) => Some(map),
        _ => None,
    }
}

/// A path segment with its `%XX` escapes decoded; `None` for a broken escape or a
/// result that is not UTF-8.
fn percent_decode(segment: &str) -> Option<String> {
    let mut bytes = Vec::with_capacity(segment.len());
    let mut rest = segment.as_bytes();
    while let Some((&byte, tail)) = rest.split_first() {
        if byte == b'%' {
            let hex = core::str::from_utf8(tail.get(..2)?).ok()?;
            if !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
                return None;
            }
            bytes.push(u8::from_str_radix(hex, 16).ok()?);
            rest = tail.get(2..)?;
        } else {
            bytes.push(byte);
            rest = tail;
        }
    }
    String::from_utf8(bytes).ok()
}

/// Up to 16 upper-case hex digits of SHA-256(`text`): a made-up identifier derived from
/// a caller's one.
fn hex_prefix(text: &str) -> String {
    let digest = sha2::Sha256::digest(text.as_bytes());
    base16ct::upper::encode_string(digest.get(..8).unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gateway() -> SimulatedGateway {
        let simulation = Simulation::from_seed([3; 32], "merchant.com.example.shop").unwrap();
        SimulatedGateway::new(simulation).unwrap()
    }

    fn json_of(answer: &SimulatedAnswer) -> Value {
        serde_json::from_slice(&answer.body).unwrap()
    }

    const NOW: UnixTime = UnixTime::since_unix_epoch(1_764_600_000);

    #[test]
    fn sessions_are_for_the_simulations_merchant_only() {
        let mut gateway = gateway();
        let request = br#"{"merchantIdentifier":"merchant.com.example.shop","displayName":"Shop","initiative":"web","initiativeContext":"shop.example.com"}"#;
        let answer = gateway.answer(
            "POST",
            "/paymentservices/startSession",
            request,
            NOW,
            &[0xab; 16],
        );
        assert_eq!(answer.status, 200);
        let session = json_of(&answer);
        assert_eq!(
            session["merchantSessionIdentifier"],
            format!("SSH{}_SIMULATED", "AB".repeat(16))
        );
        assert_eq!(session["domainName"], "shop.example.com");
        assert_eq!(session["epochTimestamp"], 1_764_600_000_000u64);
        assert!(crate::MerchantSession::from_json(&answer.body).is_ok());

        let other = String::from_utf8(request.to_vec())
            .unwrap()
            .replace("example.shop", "example.other");
        let refused = gateway.answer(
            "POST",
            "/paymentservices/paymentSession",
            other.as_bytes(),
            NOW,
            &[0; 16],
        );
        assert_eq!(refused.status, 400);
        for (method, path, body) in [
            ("POST", "/paymentservices/startSession", &b"[]"[..]),
            ("POST", "/paymentservices/startSession", b"{}"),
            ("GET", "/paymentservices/startSession", request),
            ("POST", "/startSession", request),
        ] {
            let answer = gateway.answer(method, path, body, NOW, &[0; 16]);
            assert!(answer.status >= 400, "{method} {path}");
            assert!(json_of(&answer)["statusMessage"].is_string());
        }
    }

    #[test]
    fn merchant_token_calls_answer_as_apple_does() {
        let mut gateway = gateway();
        let base = "/paymentservices/v1/merchantId/merchant.com.example.shop/merchantToken/";
        let token = br#"{"merchantTokenIdentifier":"DNITHE1"}"#;
        let call = |gateway: &mut SimulatedGateway, method, call: &str, body: &[u8]| {
            gateway.answer(method, &format!("{base}{call}"), body, NOW, &[0; 16])
        };
        let event = call(&mut gateway, "GET", "event/EV-1", b"");
        assert_eq!(json_of(&event)["merchantTokenEventType"], "EXPIRED");
        assert_eq!(call(&mut gateway, "POST", "unlink", token).status, 204);
        assert_eq!(call(&mut gateway, "POST", "unlink", b"{}").status, 400);
        let metadata = br#"{"merchantTokenIdentifier":"DNITHE1","merchantMetadata":{"tokenNotificationURL":"https://shop.example/n"}}"#;
        assert_eq!(
            call(&mut gateway, "POST", "updateMerchantMetadata", metadata),
            SimulatedAnswer {
                status: 200,
                body: b"{}".to_vec()
            }
        );
        let key = call(&mut gateway, "POST", "publicKey", token);
        assert!(json_of(&key)["publicKey"].as_str().unwrap().len() > 80);
        assert_eq!(call(&mut gateway, "GET", "nothing", b"").status, 404);
        let other = gateway.answer(
            "GET",
            "/paymentservices/v1/merchantId/merchant.com.other/merchantToken/event/E",
            b"",
            NOW,
            &[0; 16],
        );
        assert_eq!(other.status, 403);
    }

    #[test]
    fn registrations_are_remembered_until_unregistered() {
        let mut gateway = gateway();
        let details = |gateway: &mut SimulatedGateway| {
            gateway.answer(
                "GET",
                "/paymentservices/merchant/shop%2042",
                b"",
                NOW,
                &[0; 16],
            )
        };
        assert_eq!(details(&mut gateway).status, 404);
        let register = br#"{"domainNames":["a.example","b.example"],"encryptTo":"merchant.com.platform","partnerInternalMerchantIdentifier":"shop 42","partnerMerchantName":"Shop"}"#;
        let answer = gateway.answer(
            "POST",
            "/paymentservices/registerMerchant",
            register,
            NOW,
            &[0; 16],
        );
        assert_eq!(answer.status, 200);
        let registered = json_of(&details(&mut gateway));
        assert_eq!(registered["domainNames"], json!(["a.example", "b.example"]));
        assert_eq!(registered["encryptTo"], "merchant.com.platform");
        for (domains, status) in [("a.example", 200), ("b.example", 404)] {
            let body = format!(
                r#"{{"domainNames":["{domains}"],"partnerInternalMerchantIdentifier":"shop 42","reason":"closed"}}"#
            );
            let answer = gateway.answer(
                "POST",
                "/paymentservices/unregisterMerchant",
                body.as_bytes(),
                NOW,
                &[0; 16],
            );
            assert_eq!(answer.status, 200);
            assert_eq!(details(&mut gateway).status, status);
        }
    }

    #[test]
    fn path_segments_are_percent_decoded() {
        assert_eq!(percent_decode("shop%2042").as_deref(), Some("shop 42"));
        assert_eq!(percent_decode("%C3%A9").as_deref(), Some("é"));
        for bad in ["%", "%4", "%zz", "%+1", "%FF"] {
            assert_eq!(percent_decode(bad), None, "{bad}");
        }
        let answer = gateway().answer("GET", "/paymentservices/merchant/%4", b"", NOW, &[0; 16]);
        assert_eq!(answer.status, 400);
    }

    #[test]
    fn registrations_are_bounded() {
        let mut gateway = gateway();
        let register = |gateway: &mut SimulatedGateway, id: usize| {
            let body = format!(
                r#"{{"domainNames":["a.example"],"partnerInternalMerchantIdentifier":"m{id}"}}"#
            );
            gateway
                .answer(
                    "POST",
                    "/paymentservices/registerMerchant",
                    body.as_bytes(),
                    NOW,
                    &[0; 16],
                )
                .status
        };
        for id in 0..MAX_SIMULATED_REGISTRATIONS {
            assert_eq!(register(&mut gateway, id), 200);
        }
        assert_eq!(register(&mut gateway, MAX_SIMULATED_REGISTRATIONS), 429);
        assert_eq!(register(&mut gateway, 0), 200, "an update is not a new one");
        let big = vec![b' '; MAX_SIMULATED_REQUEST_LEN + 1];
        let answer = gateway.answer(
            "POST",
            "/paymentservices/registerMerchant",
            &big,
            NOW,
            &[0; 16],
        );
        assert_eq!(answer.status, 413);
    }
}
