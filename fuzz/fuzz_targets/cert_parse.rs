//! Merchant certificate parsing (PEM chains and DER).
#![no_main]

use applepay_crypto::MerchantCertificate;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(cert) = MerchantCertificate::from_pem_or_der(data) {
        let _ = (cert.merchant_id_hash(), cert.public_key_hash());
    }
});
