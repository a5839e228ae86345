//! Generating merchant keys from a caller-provided RNG, and exporting them.
//!
//! Onboarding starts here: a P-256 key for the Payment Processing certificate and an
//! RSA-2048 key for the Merchant Identity certificate. The library never picks its own
//! randomness; the caller passes a `rand_core` [`CryptoRng`] (the CLI uses the operating
//! system's). Exports are zeroized on drop.

use alloc::string::String;
use alloc::vec::Vec;

use der::{Decode, Encode};
use rand_core::CryptoRng;
use zeroize::Zeroizing;

use super::pem::to_pem;
use super::private_key::PrivateKey;
use crate::error::{Error, KeyImportError};
use crate::provider::KeyAlgorithm;
use crate::provider::{Provider, default_provider};

/// Size of generated RSA keys, in bits: what Apple requires for the Merchant Identity
/// certificate.
pub const RSA_KEY_BITS: usize = 2048;

impl PrivateKey {
    /// Generates a P-256 key (for a Payment Processing certificate).
    pub fn generate_p256<R: CryptoRng + ?Sized>(rng: &mut R) -> Result<Self, Error> {
        Self::generate_p256_with(default_provider(), rng)
    }

    /// [`PrivateKey::generate_p256`], loading the key into an explicit crypto back-end.
    ///
    /// The scalar is drawn with RustCrypto's `p256` (rejection sampling from `rng`) and
    /// then handed to `provider`.
    pub fn generate_p256_with<R: CryptoRng + ?Sized>(
        provider: &dyn Provider,
        rng: &mut R,
    ) -> Result<Self, Error> {
        use p256::elliptic_curve::Generate;
        let secret = p256::SecretKey::generate_from_rng(rng);
        let scalar = Zeroizing::new(secret.to_bytes().into());
        Self::from_p256_scalar_with(provider, &scalar)
    }

    /// Generates an RSA-2048 key with public exponent 65537 (for a Merchant Identity
    /// certificate, or `RSA_v1` payment processing).
    ///
    /// Takes tens of milliseconds in an optimised build, and seconds in a debug build.
    pub fn generate_rsa2048<R: CryptoRng + ?Sized>(rng: &mut R) -> Result<Self, Error> {
        Self::generate_rsa2048_with(default_provider(), rng)
    }

    /// [`PrivateKey::generate_rsa2048`], loading the key into an explicit crypto back-end.
    ///
    /// The primes are generated with RustCrypto's `rsa` and the key is then handed to
    /// `provider`.
    pub fn generate_rsa2048_with<R: CryptoRng + ?Sized>(
        provider: &dyn Provider,
        rng: &mut R,
    ) -> Result<Self, Error> {
        use rsa::pkcs1::EncodeRsaPrivateKey;
        let invalid = || Error::KeyImport(KeyImportError::InvalidKey);
        let key = rsa::PrivateKey::new(rng, RSA_KEY_BITS).map_err(|_| invalid())?;
        let pkcs1 = key.to_pkcs1_der().map_err(|_| invalid())?;
        Self::from_der_with(provider, pkcs1.as_bytes())
    }

    /// The key as unencrypted PKCS#8 `PrivateKeyInfo` DER.
    #[must_use]
    pub fn to_pkcs8_der(&self) -> Zeroizing<Vec<u8>> {
        self.pkcs8.clone()
    }

    /// The key as unencrypted PKCS#8 PEM (`-----BEGIN PRIVATE KEY-----`), LF line endings.
    pub fn to_pkcs8_pem(&self) -> Result<Zeroizing<String>, Error> {
        to_pem("PRIVATE KEY", &self.pkcs8)
    }

    /// A P-256 key as SEC1 `ECPrivateKey` DER (with the curve and public key, as
    /// `openssl ec` writes it). An RSA key is [`Error::InvalidParameter`].
    pub fn to_sec1_der(&self) -> Result<Zeroizing<Vec<u8>>, Error> {
        const NOT_P256: Error = Error::InvalidParameter("SEC1 export needs a P-256 key");
        if self.algorithm() != KeyAlgorithm::P256 {
            return Err(NOT_P256);
        }
        let info = pkcs8::PrivateKeyInfoRef::from_der(&self.pkcs8).map_err(|_| NOT_P256)?;
        let mut ec =
            sec1::EcPrivateKey::from_der(info.private_key.as_bytes()).map_err(|_| NOT_P256)?;
        ec.parameters = Some(sec1::EcParameters::NamedCurve(
            crate::keys::private_key::SECP256R1,
        ));
        let der = ec.to_der().map_err(|_| NOT_P256)?;
        Ok(Zeroizing::new(der))
    }

    /// A P-256 key as SEC1 PEM (`-----BEGIN EC PRIVATE KEY-----`). An RSA key is
    /// [`Error::InvalidParameter`].
    pub fn to_sec1_pem(&self) -> Result<Zeroizing<String>, Error> {
        to_pem("EC PRIVATE KEY", &self.to_sec1_der()?)
    }

    /// The DER `SubjectPublicKeyInfo` of the public half.
    #[must_use]
    pub fn public_key_spki_der(&self) -> &[u8] {
        crate::provider::MerchantKey::public_key_spki(self)
    }

    /// The public half as PEM (`-----BEGIN PUBLIC KEY-----`), as `openssl pkey -pubout`
    /// writes it.
    pub fn to_public_key_pem(&self) -> Result<String, Error> {
        let pem = to_pem("PUBLIC KEY", self.public_key_spki_der())?;
        Ok(String::from(pem.as_str()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::provider::MerchantKey;
    use alloc::format;
    use rand::SeedableRng;

    fn rng() -> rand::rngs::StdRng {
        rand::rngs::StdRng::seed_from_u64(5)
    }

    #[test]
    fn p256_round_trips_through_every_export() {
        let key = PrivateKey::generate_p256(&mut rng()).unwrap();
        assert_eq!(key.algorithm(), KeyAlgorithm::P256);
        let hash = key.public_key_hash();
        let exports: [Vec<u8>; 4] = [
            key.to_pkcs8_der().to_vec(),
            key.to_pkcs8_pem().unwrap().as_bytes().to_vec(),
            key.to_sec1_der().unwrap().to_vec(),
            key.to_sec1_pem().unwrap().as_bytes().to_vec(),
        ];
        for export in &exports {
            let again = PrivateKey::from_pem_or_der(export).unwrap();
            assert_eq!(again.public_key_hash(), hash);
            assert_eq!(again.to_pkcs8_der(), key.to_pkcs8_der());
        }
        assert!(
            key.to_pkcs8_pem()
                .unwrap()
                .starts_with("-----BEGIN PRIVATE KEY-----\n")
        );
        assert!(
            key.to_sec1_pem()
                .unwrap()
                .starts_with("-----BEGIN EC PRIVATE KEY-----\n")
        );
    }

    #[test]
    fn different_rng_state_gives_different_keys() {
        let mut rng = rng();
        let a = PrivateKey::generate_p256(&mut rng).unwrap();
        let b = PrivateKey::generate_p256(&mut rng).unwrap();
        assert_ne!(a.public_key_hash(), b.public_key_hash());
    }

    #[test]
    fn rsa2048_generates_exports_and_reimports() {
        let key = PrivateKey::generate_rsa2048(&mut rng()).unwrap();
        assert_eq!(key.algorithm(), KeyAlgorithm::Rsa);
        let pem = key.to_pkcs8_pem().unwrap();
        let again = PrivateKey::from_pem(&pem).unwrap();
        assert_eq!(again.public_key_hash(), key.public_key_hash());
        assert!(matches!(key.to_sec1_der(), Err(Error::InvalidParameter(_))));
        // 2048-bit modulus: the SPKI is 294 bytes.
        assert_eq!(key.public_key_spki().len(), 294);
        let debug = format!("{key:?}");
        assert!(debug.contains("Rsa") && !debug.contains("MII"), "{debug}");
    }

    #[test]
    fn public_key_pem_is_spki() {
        let key = PrivateKey::generate_p256(&mut rng()).unwrap();
        let pem = key.to_public_key_pem().unwrap();
        assert!(pem.starts_with("-----BEGIN PUBLIC KEY-----\n"));
        assert_eq!(
            crate::PublicKeyHash::from_pem_or_der(pem.as_bytes()).unwrap(),
            key.public_key_hash()
        );
    }
}
