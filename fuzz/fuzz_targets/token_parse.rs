//! Token JSON parsing: any bytes must give a token or an error, never a panic.
#![no_main]

use applepay_crypto::PaymentToken;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(token) = PaymentToken::from_json(data) {
        // Every accessor must be safe on whatever parsed.
        let _ = (token.version(), token.public_key_hash(), token.data().len());
        let _ = (
            token.ephemeral_public_key(),
            token.wrapped_key(),
            token.application_data(),
        );
    }
});
