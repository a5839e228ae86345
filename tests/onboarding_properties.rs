//! Laws of onboarding, checked on arbitrary inputs:
//!
//! - whatever `ValidationUrl::parse` accepts is `https` on a host of Apple's published
//!   list, any host outside `apple.com` is refused, whatever surrounds it, and so is any
//!   host shaped like a gateway pod that is not on the list;
//! - the allowlist is case-insensitive and ignores an explicit `:443`;
//! - a generated key survives every export and import with the same public key hash,
//!   and its CSR carries that hash;
//! - a merchant session passes through byte for byte;
//! - no input makes the hash sniffing, CSR or certificate parsers panic.

use applepay_crypto::{
    APPLE_PAY_GATEWAY_HOSTS, Csr, CsrSubject, MerchantCertificate, MerchantSession, PrivateKey,
    PublicKeyHash, ValidationUrl,
};
use proptest::prelude::*;
use rand::SeedableRng;

fn gateway() -> impl Strategy<Value = String> {
    proptest::sample::select(APPLE_PAY_GATEWAY_HOSTS.to_vec()).prop_map(str::to_owned)
}

fn random_case(text: &str, mask: u64) -> String {
    text.chars()
        .enumerate()
        .map(|(i, c)| {
            if mask >> (i % 64) & 1 == 1 {
                c.to_ascii_uppercase()
            } else {
                c
            }
        })
        .collect()
}

proptest! {
    #[test]
    fn accepted_urls_are_https_on_apple_gateways(url in "[ -~]{0,80}") {
        if let Ok(checked) = ValidationUrl::parse(&url) {
            prop_assert!(checked.as_str().starts_with("https://"));
            prop_assert!(checked.host().ends_with(".apple.com"));
            prop_assert!(APPLE_PAY_GATEWAY_HOSTS.contains(&checked.host()));
        }
    }

    #[test]
    fn pod_shaped_hosts_off_the_list_are_refused(
        cn in "(cn-)?",
        region in "[a-z]{2}",
        pod in 0u8..=99,
        dr in "(-dr)?",
    ) {
        let host = format!("{cn}apple-pay-gateway-{region}-pod{pod}{dr}.apple.com");
        let url = format!("https://{host}/paymentservices/paymentSession");
        prop_assert_eq!(
            ValidationUrl::parse(&url).is_ok(),
            APPLE_PAY_GATEWAY_HOSTS.contains(&host.as_str()),
            "{}", url
        );
    }

    #[test]
    fn foreign_hosts_are_refused_whatever_surrounds_them(
        host in "[a-z0-9.-]{1,30}\\.(com|example|net|co)",
        prefix in "(https://)?([a-z]{0,5}@)?",
        suffix in "(:443)?(/[a-z]{0,10})?",
    ) {
        prop_assume!(!host.ends_with(".apple.com"));
        let url = format!("{prefix}{host}{suffix}");
        prop_assert!(ValidationUrl::parse(&url).is_err(), "{url}");
        let lookalike = format!("https://apple-pay-gateway.apple.com.{host}/");
        prop_assert!(ValidationUrl::parse(&lookalike).is_err(), "{lookalike}");
    }

    #[test]
    fn gateways_pass_in_any_case_with_or_without_443(
        host in gateway(),
        mask in any::<u64>(),
        port in proptest::bool::ANY,
        path in "(/[a-zA-Z]{1,12}){0,3}",
    ) {
        let port = if port { ":443" } else { "" };
        let url = format!("{}://{}{port}{path}", random_case("https", mask), random_case(&host, mask.rotate_left(7)));
        let checked = ValidationUrl::parse(&url);
        prop_assert!(checked.is_ok(), "{url}: {checked:?}");
        let checked = checked.unwrap();
        prop_assert_eq!(checked.host(), host.as_str());
        let other_port = format!("https://{host}:{}/", 1u32 + u32::from(mask as u16 % 442));
        prop_assert!(ValidationUrl::parse(&other_port).is_err());
        let trailing_dot = format!("https://{host}./");
        prop_assert!(ValidationUrl::parse(&trailing_dot).is_err());
    }

    #[test]
    fn merchant_sessions_pass_through_unchanged(
        fields in proptest::collection::btree_map("[a-zA-Z]{1,12}", "[ -~]{0,20}", 0..6),
        spaces in "[ \n\t]{0,3}",
    ) {
        let json = format!("{spaces}{}{spaces}", serde_json::to_string(&fields).unwrap());
        let session = MerchantSession::from_json(json.as_bytes()).unwrap();
        prop_assert_eq!(session.as_bytes(), json.as_bytes());
    }

    #[test]
    fn parsers_never_panic(input in proptest::collection::vec(any::<u8>(), 0..600)) {
        let _ = PublicKeyHash::from_pem_or_der(&input);
        let _ = Csr::from_pem_or_der(&input);
        let _ = MerchantCertificate::chain_from_pem_or_der(&input);
        let _ = PrivateKey::from_pem_or_der(&input);
    }
}

proptest! {
    // Key generation costs a few milliseconds (P-256) per case in a debug build.
    #![proptest_config(ProptestConfig::with_cases(16))]

    #[test]
    fn p256_keys_survive_every_export(seed in any::<u64>()) {
        let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
        let key = PrivateKey::generate_p256(&mut rng).unwrap();
        let hash = key.public_key_hash();
        let exports = [
            key.to_pkcs8_der().to_vec(),
            key.to_pkcs8_pem().unwrap().as_bytes().to_vec(),
            key.to_sec1_der().unwrap().to_vec(),
            key.to_sec1_pem().unwrap().as_bytes().to_vec(),
            key.to_public_key_pem().unwrap().into_bytes(),
        ];
        for export in &exports {
            prop_assert_eq!(PublicKeyHash::from_pem_or_der(export).unwrap(), hash);
        }
        let csr = Csr::create(&key, &CsrSubject::new().common_name("law"), &mut rng).unwrap();
        prop_assert_eq!(PublicKeyHash::from_pem_or_der(csr.to_der()).unwrap(), hash);
    }
}
