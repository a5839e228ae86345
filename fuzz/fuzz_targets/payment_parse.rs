//! The typed view of decrypted payment data: any bytes give a `Payment` or
//! `Error::PaymentData`, never a panic, and a `Payment` keeps the exact bytes and never
//! shows more than the last four digits of its account number in `Debug`.
#![no_main]

use applepay_crypto::{Error, Payment};
use libfuzzer_sys::fuzz_target;
use zeroize::Zeroizing;

fuzz_target!(|data: &[u8]| {
    match Payment::from_plaintext(Zeroizing::new(data.to_vec())) {
        Ok(payment) => {
            assert_eq!(payment.plaintext(), data);
            let pan = payment.application_primary_account_number();
            assert!(!pan.is_empty() && pan.bytes().all(|b| b.is_ascii_digit()));
            let debug = format!("{payment:?}");
            // Only when the PAN's digits stand nowhere else in the plaintext (an amount can
            // carry the same digits) must `Debug` not show them.
            let occurrences = data.windows(pan.len()).filter(|w| *w == pan.as_bytes()).count();
            if pan.len() > 4 && occurrences == 1 {
                assert!(!debug.contains(pan), "{debug}");
            }
            let _ = (
                payment.expiration_date(),
                payment.currency_code().numeric(),
                payment.transaction_amount(),
                payment.payment_data_type_name(),
                payment.card_art().len(),
                payment.card_metadata().map(|c| c.entries().count()),
                payment.authentication_responses().len(),
            );
        }
        Err(Error::PaymentData(_)) => {}
        Err(other) => panic!("the typed view gave {other:?}"),
    }
});
