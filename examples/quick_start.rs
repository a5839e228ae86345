//! The README's quick start, compiled and run by `tests/quick_start.rs` so it cannot rot:
//! verify and decrypt one Apple Pay token with the files in the current directory.
//!
//! ```sh
//! cd test-vectors/gala-current && cargo run --example quick_start -- --stored
//! ```

use applepay_crypto::{
    DEFAULT_MAX_AGE, Keyring, MerchantCertificate, PaymentToken, PrivateKey, UnixTime, Verifier,
};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    // Once, at start-up: every merchant key with its Payment Processing certificate, and a
    // verifier trusting Apple Root CA - G3.
    let mut keyring = Keyring::new();
    keyring.add_with_certificate(
        PrivateKey::from_pem_or_der(&std::fs::read("merchant_key.pem")?)?,
        &MerchantCertificate::from_pem_or_der(&std::fs::read("merchant_cert.pem")?)?,
    )?;
    let verifier = Verifier::new();

    // Per payment: parse, verify (Apple's signature and certificate chain, and a signing
    // time at most five minutes before now), then decrypt.
    let token = PaymentToken::from_json(&std::fs::read("token.json")?)?;
    let verified = if std::env::args().any(|arg| arg == "--stored") {
        // A token kept from the past (such as the 2021 one in test-vectors/gala-current),
        // checked as of its own signing time: never for accepting a payment.
        token.verify_at_signing_time(&verifier)?
    } else {
        token.verify(&verifier, UnixTime::now(), DEFAULT_MAX_AGE)?
    };
    let payment = keyring.decrypt(&verified)?;
    println!(
        "{} minor units of currency {}, card ending {}",
        payment.transaction_amount(),
        payment.currency_code().as_str(),
        payment.pan_last_four()
    );
    Ok(())
}
