//! Key import from PEM or DER in every supported format.
#![no_main]

use applepay_crypto::{Pkcs12, PrivateKey};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(key) = PrivateKey::from_pem_or_der(data) {
        let _ = key.public_key_hash();
    }
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = PrivateKey::from_pem(text);
    }
    let _ = PrivateKey::decrypt_pem_or_der(data, "test");
    if let Ok(p12) = Pkcs12::from_der(data, "test") {
        let _ = p12.certificate_for_key();
    }
});
