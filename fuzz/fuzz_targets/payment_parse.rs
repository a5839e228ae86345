//! The typed view of decrypted payment data: any bytes give a `Payment` or
//! `Error::PaymentData`, never a panic, and a `Payment` keeps the exact bytes and its
//! `Debug` shows only the last four digits of the account number beside the fields that
//! are not secret.
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
            // `Debug` is the masked PAN and the fields that are not secret, nothing else.
            // Those fields may carry the PAN's digits (an amount, or a merchant token
            // identifier whose escapes spell them out), so compare the whole rendering
            // rather than search it for digits.
            let last_four = payment.pan_last_four();
            assert!(pan.ends_with(last_four) && last_four.len() == pan.len().min(4));
            let expected = format!(
                "Payment {{ pan: \"…{}\", expiration_date: {:?}, currency_code: {:?}, \
                 transaction_amount: {:?}, payment_data_type: {:?}, eci_indicator: {:?}, \
                 merchant_token_identifier: {:?}, authentication_responses: {:?}, .. }}",
                last_four,
                payment.expiration_date(),
                payment.currency_code(),
                payment.transaction_amount(),
                payment.payment_data_type_name(),
                payment.eci_indicator(),
                payment.merchant_token_identifier(),
                payment.authentication_responses(),
            );
            assert_eq!(format!("{payment:?}"), expected);
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
