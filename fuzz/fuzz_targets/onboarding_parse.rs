//! Onboarding parsers: public key hash sniffing, CSRs, certificate chains, the
//! validation URL allowlist and Apple's merchant session.
#![no_main]

use applepay_crypto::{
    Csr, MerchantCertificate, MerchantSession, PublicKeyHash, UnixTime, ValidationUrl,
};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = PublicKeyHash::from_pem_or_der(data);
    if let Ok(csr) = Csr::from_pem_or_der(data) {
        let _ = (csr.public_key_hash(), csr.subject());
    }
    if let Ok(chain) = MerchantCertificate::chain_from_pem_or_der(data) {
        for cert in &chain {
            let _ = (cert.kind(), cert.merchant_id(), cert.subject());
            let _ = cert.status(UnixTime::since_unix_epoch(1_700_000_000));
        }
    }
    if let Ok(session) = MerchantSession::from_json(data) {
        assert_eq!(session.as_bytes(), data);
    }
    if let Ok(text) = std::str::from_utf8(data) {
        if let Ok(url) = ValidationUrl::parse(text) {
            // Whatever got through is https on an apple.com host, with no userinfo or port.
            assert!(url.as_str().starts_with("https://"));
            assert!(url.host().ends_with(".apple.com"));
            assert!(!url.host().contains(['@', ':']));
        }
    }
});
