//! Laws of the requests built for Apple's server APIs: an identifier either is refused for
//! a stated reason or reaches the path percent-encoded, decoding back to itself, with
//! nothing in it that could leave its path segment; every body is JSON that holds the
//! values given.

use applepay_crypto::{
    GatewayHost, MAX_IDENTIFIER_LEN, MAX_TOKEN_IDENTIFIER_LEN, MerchantRegistration,
    MerchantTokenRequests, PlatformRequests,
};
use proptest::prelude::*;

/// What the checks refuse: empty, too long, `/`, `\`, `..`, control characters.
fn refused(value: &str, max: usize) -> bool {
    let length = value.chars().count();
    length == 0
        || length > max
        || value.contains(['/', '\\'])
        || value.contains("..")
        || value.chars().any(char::is_control)
}

/// `segment` if it is only unreserved characters and `%XX` escapes, decoded.
fn decode(segment: &str) -> Option<String> {
    let bytes = segment.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let b = *bytes.get(i)?;
        if b == b'%' {
            let hex = segment.get(i + 1..i + 3)?;
            if !hex
                .bytes()
                .all(|h| h.is_ascii_digit() || (b'A'..=b'F').contains(&h))
            {
                return None;
            }
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(b);
            i += 1;
        } else {
            return None;
        }
    }
    String::from_utf8(out).ok()
}

fn identifier() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-zA-Z0-9._~-]{0,80}",
        any::<String>(),
        "[ -~]{0,70}",
        "[a-z./\\\\]{0,10}",
        ".{250,260}",
    ]
}

proptest! {
    #[test]
    fn identifiers_are_refused_or_round_trip_through_the_path(
        merchant_id in identifier(),
        event_id in identifier(),
    ) {
        let api = MerchantTokenRequests::new(&merchant_id);
        prop_assert_eq!(api.is_err(), refused(&merchant_id, MAX_IDENTIFIER_LEN));
        let Ok(api) = api else { return Ok(()) };
        let request = api.event(&event_id);
        prop_assert_eq!(request.is_err(), refused(&event_id, MAX_TOKEN_IDENTIFIER_LEN));
        let Ok(request) = request else { return Ok(()) };
        let path = request.path();
        let rest = path.strip_prefix("/paymentservices/v1/merchantId/").unwrap_or_default();
        let segments: Vec<&str> = rest.split('/').collect();
        prop_assert_eq!(segments.len(), 4, "{}", path);
        prop_assert_eq!(decode(segments[0]), Some(merchant_id));
        prop_assert_eq!(segments[1..3].to_vec(), vec!["merchantToken", "event"]);
        prop_assert_eq!(decode(segments[3]), Some(event_id));
        prop_assert!(request.url(GatewayHost::PRODUCTION).starts_with("https://apple-pay-gateway.apple.com/"));
    }

    #[test]
    fn bodies_are_json_holding_the_values_given(token_id in identifier(), reason in any::<String>()) {
        let api = MerchantTokenRequests::new("merchant.com.example").unwrap();
        if let Ok(request) = api.unlink(&token_id) {
            let body: serde_json::Value = serde_json::from_str(request.body().unwrap()).unwrap();
            prop_assert_eq!(body["merchantTokenIdentifier"].as_str(), Some(token_id.as_str()));
        }
        if let Ok(request) = PlatformRequests::unregister(&token_id, &["shop.example.com"], &reason) {
            let body: serde_json::Value = serde_json::from_str(request.body().unwrap()).unwrap();
            prop_assert_eq!(body["reason"].as_str(), Some(reason.as_str()));
            prop_assert!(!reason.chars().any(char::is_control));
        }
        if let Ok(merchant) = MerchantRegistration::new(&token_id, &reason, "merchant.com.x", &["a.example"]) {
            let request = PlatformRequests::register(&merchant);
            let body: serde_json::Value = serde_json::from_str(request.body().unwrap()).unwrap();
            prop_assert_eq!(body["partnerMerchantName"].as_str(), Some(reason.as_str()));
            prop_assert_eq!(body["partnerInternalMerchantIdentifier"].as_str(), Some(token_id.as_str()));
        }
    }
}
