//! The requests for Apple's server APIs built from arbitrary identifiers and text, and
//! Apple's answers read back: nothing panics, an accepted identifier never leaves its path
//! segment, every body is JSON, an answer is kept byte for byte.
#![no_main]

use applepay_crypto::{
    ApiAnswer, GatewayErrorResponse, GatewayHost, MerchantRegistration, MerchantTokenRequests,
    PlatformRequests,
};
use libfuzzer_sys::fuzz_target;

/// Checks what every accepted request must be.
fn check(request: &applepay_crypto::ApiRequest, prefix: &str, segments: usize) {
    let path = request.path();
    assert!(path.starts_with(prefix), "{path}");
    assert_eq!(path.split('/').count(), segments, "{path}");
    assert!(!path.contains(".."), "{path}");
    assert!(
        path.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-._~%/".contains(&b)),
        "{path}"
    );
    if let Some(body) = request.body() {
        assert!(
            serde_json::from_str::<serde_json::Value>(body).is_ok(),
            "{body}"
        );
    }
    let url = request.url(GatewayHost::SANDBOX);
    assert!(url.starts_with("https://apple-pay-gateway-cert.apple.com/paymentservices/"));
}

fuzz_target!(|data: &[u8]| {
    if let Ok(answer) = ApiAnswer::from_json(data) {
        assert_eq!(answer.as_bytes(), data);
    }
    let _ = GatewayErrorResponse::from_json(data).map(|e| e.message().map(str::len));
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    // Fields separated by NUL, so each may hold any other character.
    let mut fields = text.split('\0');
    let mut next = || fields.next().unwrap_or_default();
    let (first, second, third) = (next(), next(), next());
    let _ = GatewayHost::parse(first);
    if let Ok(api) = MerchantTokenRequests::new(first) {
        let base = "/paymentservices/v1/merchantId/";
        if let Ok(request) = api.event(second) {
            check(&request, base, 8);
        }
        for request in [api.unlink(second), api.public_key(second)]
            .into_iter()
            .chain([api.update_metadata(second, third)])
            .flatten()
        {
            check(&request, base, 7);
        }
    }
    if let Ok(request) = PlatformRequests::details(first) {
        check(&request, "/paymentservices/merchant/", 4);
    }
    let domains: Vec<&str> = third.split(',').collect();
    if let Ok(request) = PlatformRequests::unregister(first, &domains, second) {
        check(&request, "/paymentservices/unregisterMerchant", 3);
    }
    if let Ok(merchant) = MerchantRegistration::new(first, second, first, &domains) {
        check(
            &PlatformRequests::register(&merchant),
            "/paymentservices/registerMerchant",
            3,
        );
        if let Ok(merchant) = merchant.with_merchant_url(second) {
            check(
                &PlatformRequests::register(&merchant),
                "/paymentservices/registerMerchant",
                3,
            );
        }
    }
});
