//! A merchant key held in a PKCS#11 token: every private-key operation runs in the token.

use alloc::vec::Vec;

use cryptoki::mechanism::elliptic_curve::{EcKdf, Ecdh1DeriveParams};
use cryptoki::mechanism::rsa::{PkcsMgfType, PkcsOaepParams, PkcsOaepSource, PkcsPssParams};
use cryptoki::mechanism::{Mechanism, MechanismType};
use cryptoki::object::{Attribute, AttributeType, KeyType, ObjectClass, ObjectHandle};
use cryptoki::session::Session;
use der::{Decode, Encode};
use rand_core::CryptoRng;
use zeroize::Zeroizing;

use super::session::SessionPool;
use super::{P256_CURVE_DER, fail, is_decrypt_init_refusal, mechanism_error, pkcs11_error};
use crate::error::{Error, KeyImportError, Pkcs11Error};
use crate::provider::merchant_key::KDF_COUNTER;
use crate::provider::{KeyAlgorithm, MerchantKey, Provider, SharedSecret, SigningScheme};
use crate::public_key_hash::PublicKeyHash;

const RSA_ENCRYPTION: der::asn1::ObjectIdentifier =
    der::asn1::ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.1");

/// Length of an uncompressed P-256 point.
const P256_POINT_LEN: usize = 65;
/// Length of a P-256 ECDSA signature as PKCS#11 returns it (`r ‖ s`).
const P256_RAW_SIGNATURE_LEN: usize = 64;

/// What the token allows the key to do (its `CKA_DERIVE`, `CKA_SIGN`, `CKA_DECRYPT`).
#[derive(Clone, Copy, Debug)]
struct Usage {
    derive: bool,
    sign: bool,
    decrypt: bool,
}

/// A merchant private key inside a PKCS#11 token (an HSM, or SoftHSM2 for testing).
///
/// The private key never leaves the token, and neither does an `EC_v1` token's ECDH
/// secret `Z`: [`MerchantKey::ecdh_p256_concat_kdf_sha256`] derives `Z` into a sensitive,
/// non-extractable session object (`CKM_ECDH1_DERIVE`) and hashes it with `C_DigestKey`,
/// so only Apple's derived AES key comes out. [`MerchantKey::ecdh_p256`], which would
/// return `Z`, therefore fails with [`Pkcs11Error::SecretStaysInToken`].
///
/// Signing (CSRs, TLS client authentication) uses `CKM_ECDSA` for P-256 keys and
/// `CKM_SHA256_RSA_PKCS_PSS` (TLS 1.3) or `CKM_SHA256_RSA_PKCS` for RSA keys; `RSA_v1` unwrapping uses `CKM_RSA_PKCS_OAEP` with
/// SHA-256 and MGF1-SHA-256. A module that lacks a mechanism gives
/// [`Pkcs11Error::MechanismUnsupported`] naming it.
///
/// One key can be shared by many threads: each operation borrows a session of its own
/// from a pool (PKCS#11 sessions must not be used by two threads at once), and the login
/// is held by a session kept open for the key's lifetime.
pub struct Pkcs11Key {
    pool: SessionPool,
    handle: ObjectHandle,
    algorithm: KeyAlgorithm,
    usage: Usage,
    spki: Vec<u8>,
}

impl Pkcs11Key {
    pub(super) fn new(pool: SessionPool, handle: ObjectHandle) -> Result<Self, Error> {
        let (algorithm, usage, spki) = pool.with(|session| describe(session, handle))?;
        Ok(Self {
            pool,
            handle,
            algorithm,
            usage,
            spki,
        })
    }

    /// The key's algorithm.
    #[must_use]
    pub fn algorithm(&self) -> KeyAlgorithm {
        self.algorithm
    }

    /// The hash of this key's public half, as tokens carry it in `header.publicKeyHash`.
    #[must_use]
    pub fn public_key_hash(&self) -> PublicKeyHash {
        PublicKeyHash::of_spki_der(&self.spki)
    }

    fn require(
        &self,
        algorithm: KeyAlgorithm,
        allowed: bool,
        attribute: &'static str,
    ) -> Result<(), Error> {
        // A token of the other version addressed to this key: the same opaque failure as
        // an in-memory key of that type gives.
        if self.algorithm != algorithm {
            return Err(Error::DecryptionFailed);
        }
        if !allowed {
            return Err(pkcs11_error(Pkcs11Error::UsageNotAllowed(attribute)));
        }
        Ok(())
    }

    /// Signs with `mechanism`, mapping a refusal of the mechanism to an error naming it.
    fn sign_with(
        &self,
        mechanism: &Mechanism<'_>,
        name: &'static str,
        data: &[u8],
    ) -> Result<Vec<u8>, Error> {
        self.pool.with(|session| {
            session
                .sign(mechanism, self.handle, data)
                .map_err(|e| mechanism_error(&e, name, "C_Sign"))
        })
    }
}

impl core::fmt::Debug for Pkcs11Key {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Pkcs11Key")
            .field("algorithm", &self.algorithm)
            .field("public_key_hash", &self.public_key_hash())
            .finish_non_exhaustive()
    }
}

impl MerchantKey for Pkcs11Key {
    fn public_key_spki(&self) -> &[u8] {
        &self.spki
    }

    fn ecdh_p256(&self, ephemeral_spki: &[u8]) -> Result<SharedSecret, Error> {
        let _ = ephemeral_spki;
        Err(pkcs11_error(Pkcs11Error::SecretStaysInToken))
    }

    fn ecdh_p256_concat_kdf_sha256(
        &self,
        ephemeral_spki: &[u8],
        other_info: &[u8],
        provider: &dyn Provider,
    ) -> Result<Zeroizing<[u8; 32]>, Error> {
        let _ = provider;
        self.require(KeyAlgorithm::P256, self.usage.derive, "CKA_DERIVE")?;
        let point = ephemeral_point(ephemeral_spki)?;
        self.pool.with(|session| {
            let params = Ecdh1DeriveParams::new(EcKdf::null(), &point[..]);
            let template = [
                Attribute::Class(ObjectClass::SECRET_KEY),
                Attribute::KeyType(KeyType::GENERIC_SECRET),
                Attribute::Token(false),
                Attribute::Sensitive(true),
                Attribute::Extractable(false),
                Attribute::ValueLen(32.into()),
            ];
            let z = session
                .derive_key(&Mechanism::Ecdh1Derive(params), self.handle, &template)
                .map_err(|e| mechanism_error(&e, "CKM_ECDH1_DERIVE", "C_DeriveKey"))?;
            let digest = kdf_in_token(session, z, other_info);
            // The secret is a session object and would go with the session; destroy it now
            // so pooled sessions do not accumulate them.
            let destroyed = session.destroy_object(z);
            let digest = digest?;
            destroyed.map_err(|e| fail("C_DestroyObject", &e))?;
            let mut key = Zeroizing::new([0u8; 32]);
            if digest.len() != key.len() {
                return Err(pkcs11_error(Pkcs11Error::MechanismUnsupported(
                    "CKM_SHA256",
                )));
            }
            key.copy_from_slice(&digest);
            Ok(key)
        })
    }

    fn rsa_oaep_sha256_decrypt(&self, wrapped_key: &[u8]) -> Result<Zeroizing<Vec<u8>>, Error> {
        self.require(KeyAlgorithm::Rsa, self.usage.decrypt, "CKA_DECRYPT")?;
        let params = PkcsOaepParams::new(
            MechanismType::SHA256,
            PkcsMgfType::MGF1_SHA256,
            PkcsOaepSource::empty(),
        );
        self.pool.with(|session| {
            match session.decrypt(&Mechanism::RsaPkcsOaep(params), self.handle, wrapped_key) {
                Ok(plain) => Ok(Zeroizing::new(plain)),
                // Refused before the ciphertext was looked at: the module cannot do this.
                Err(e) if is_decrypt_init_refusal(&e) => {
                    Err(pkcs11_error(Pkcs11Error::MechanismUnsupported(OAEP_SHA256)))
                }
                // Anything about the ciphertext itself is one opaque failure.
                Err(_) => Err(Error::DecryptionFailed),
            }
        })
    }

    fn sign(&self, rng: &mut dyn CryptoRng, message: &[u8]) -> Result<Vec<u8>, Error> {
        let scheme = match self.algorithm {
            KeyAlgorithm::P256 => SigningScheme::EcdsaP256Sha256,
            _ => SigningScheme::RsaPkcs1Sha256,
        };
        self.sign_with_scheme(scheme, rng, message)
    }

    fn signing_schemes(&self) -> &[SigningScheme] {
        match self.algorithm {
            KeyAlgorithm::P256 => &[SigningScheme::EcdsaP256Sha256],
            _ => &[SigningScheme::RsaPssSha256, SigningScheme::RsaPkcs1Sha256],
        }
    }

    /// Signs in the token: `CKM_ECDSA` over the SHA-256 digest (the token's `r ‖ s` made
    /// DER), `CKM_SHA256_RSA_PKCS`, or `CKM_SHA256_RSA_PKCS_PSS` with MGF1-SHA-256 and a
    /// 32-byte salt (the token draws the salt; `rng` is unused).
    fn sign_with_scheme(
        &self,
        scheme: SigningScheme,
        rng: &mut dyn CryptoRng,
        message: &[u8],
    ) -> Result<Vec<u8>, Error> {
        let _ = rng;
        if !self.signing_schemes().contains(&scheme) {
            return Err(Error::KeyImport(KeyImportError::UnsupportedAlgorithm));
        }
        if !self.usage.sign {
            return Err(pkcs11_error(Pkcs11Error::UsageNotAllowed("CKA_SIGN")));
        }
        match scheme {
            SigningScheme::EcdsaP256Sha256 => {
                let digest = crate::provider::default_provider().sha256(&[message]);
                let raw = self.sign_with(&Mechanism::Ecdsa, "CKM_ECDSA", &digest)?;
                ecdsa_raw_to_der(&raw)
            }
            SigningScheme::RsaPssSha256 => {
                let params = PkcsPssParams {
                    hash_alg: MechanismType::SHA256,
                    mgf: PkcsMgfType::MGF1_SHA256,
                    s_len: PSS_SALT_LEN.into(),
                };
                self.sign_with(
                    &Mechanism::Sha256RsaPkcsPss(params),
                    "CKM_SHA256_RSA_PKCS_PSS",
                    message,
                )
            }
            _ => self.sign_with(&Mechanism::Sha256RsaPkcs, "CKM_SHA256_RSA_PKCS", message),
        }
    }
}

/// The RSA-PSS salt length TLS 1.3's `rsa_pss_rsae_sha256` uses: the hash length.
const PSS_SALT_LEN: u64 = 32;

const OAEP_SHA256: &str = "CKM_RSA_PKCS_OAEP with SHA-256 and MGF1-SHA-256";

/// `SHA-256(00000001 ‖ Z ‖ other_info)` with `Z` the secret object `z`, inside the token.
fn kdf_in_token(
    session: &Session,
    z: ObjectHandle,
    other_info: &[u8],
) -> Result<Zeroizing<Vec<u8>>, Error> {
    session
        .digest_init(&Mechanism::Sha256)
        .map_err(|e| mechanism_error(&e, "CKM_SHA256", "C_DigestInit"))?;
    session
        .digest_update(&KDF_COUNTER)
        .and_then(|()| session.digest_key(z))
        .and_then(|()| session.digest_update(other_info))
        .and_then(|()| session.digest_final())
        .map(Zeroizing::new)
        .map_err(|e| mechanism_error(&e, "C_DigestKey on the derived secret", "C_DigestKey"))
}

/// The 65-byte uncompressed point of the token's ephemeral P-256 key, checked to be on the
/// curve (the same check, and the same error, as the in-memory key's).
fn ephemeral_point(ephemeral_spki: &[u8]) -> Result<[u8; P256_POINT_LEN], Error> {
    use p256::elliptic_curve::sec1::ToSec1Point;
    use spki::DecodePublicKey;
    let peer = p256::PublicKey::from_public_key_der(ephemeral_spki)
        .map_err(|_| Error::Malformed("header.ephemeralPublicKey"))?;
    let encoded = peer.to_sec1_point(false);
    let mut point = [0u8; P256_POINT_LEN];
    if encoded.as_bytes().len() != P256_POINT_LEN {
        return Err(Error::Malformed("header.ephemeralPublicKey"));
    }
    point.copy_from_slice(encoded.as_bytes());
    Ok(point)
}

/// PKCS#11 ECDSA signatures are `r ‖ s`; X.509 and TLS want a DER `ECDSA-Sig-Value`.
fn ecdsa_raw_to_der(raw: &[u8]) -> Result<Vec<u8>, Error> {
    if raw.len() != P256_RAW_SIGNATURE_LEN {
        return Err(pkcs11_error(Pkcs11Error::MechanismUnsupported("CKM_ECDSA")));
    }
    let signature = p256::ecdsa::Signature::from_slice(raw)
        .map_err(|_| pkcs11_error(Pkcs11Error::MechanismUnsupported("CKM_ECDSA")))?;
    Ok(signature.to_der().as_bytes().to_vec())
}

/// Reads what the token says about the private key `handle`: its algorithm, what it may
/// be used for, and its public half as a DER `SubjectPublicKeyInfo`.
fn describe(
    session: &Session,
    handle: ObjectHandle,
) -> Result<(KeyAlgorithm, Usage, Vec<u8>), Error> {
    let attributes = session
        .get_attributes(
            handle,
            &[
                AttributeType::KeyType,
                AttributeType::Sign,
                AttributeType::Derive,
                AttributeType::Decrypt,
            ],
        )
        .map_err(|e| fail("C_GetAttributeValue", &e))?;
    let mut key_type = None;
    let mut usage = Usage {
        derive: false,
        sign: false,
        decrypt: false,
    };
    for attribute in attributes {
        match attribute {
            Attribute::KeyType(t) => key_type = Some(t),
            Attribute::Sign(v) => usage.sign = v,
            Attribute::Derive(v) => usage.derive = v,
            Attribute::Decrypt(v) => usage.decrypt = v,
            _ => {}
        }
    }
    match key_type {
        Some(KeyType::EC) => Ok((KeyAlgorithm::P256, usage, p256_spki(session, handle)?)),
        Some(KeyType::RSA) => Ok((KeyAlgorithm::Rsa, usage, rsa_spki(session, handle)?)),
        _ => Err(pkcs11_error(Pkcs11Error::WrongKeyType)),
    }
}

/// The public key of the P-256 private key `handle`: `CKA_PUBLIC_KEY_INFO` when the token
/// offers it (PKCS#11 3.0), else `CKA_EC_POINT` of the public key object with the same
/// `CKA_ID` (or, without an id, the same label).
fn p256_spki(session: &Session, handle: ObjectHandle) -> Result<Vec<u8>, Error> {
    use spki::{DecodePublicKey, EncodePublicKey};
    let attributes = session
        .get_attributes(
            handle,
            &[
                AttributeType::EcParams,
                AttributeType::Id,
                AttributeType::Label,
                AttributeType::PublicKeyInfo,
            ],
        )
        .map_err(|e| fail("C_GetAttributeValue", &e))?;
    let (mut curve, mut id, mut label, mut info) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for attribute in attributes {
        match attribute {
            Attribute::EcParams(v) => curve = v,
            Attribute::Id(v) => id = v,
            Attribute::Label(v) => label = v,
            Attribute::PublicKeyInfo(v) => info = v,
            _ => {}
        }
    }
    if curve != P256_CURVE_DER {
        return Err(pkcs11_error(Pkcs11Error::WrongKeyType));
    }
    if !info.is_empty() {
        let public = p256::PublicKey::from_public_key_der(&info)
            .map_err(|_| pkcs11_error(Pkcs11Error::NoPublicKey))?;
        return public
            .to_public_key_der()
            .map(|d| d.into_vec())
            .map_err(|_| pkcs11_error(Pkcs11Error::NoPublicKey));
    }
    let name = if id.is_empty() {
        Attribute::Label(label)
    } else {
        Attribute::Id(id)
    };
    let publics = session
        .find_objects(&[Attribute::Class(ObjectClass::PUBLIC_KEY), name])
        .map_err(|e| fail("C_FindObjects", &e))?;
    for public in publics {
        let point = session
            .get_attributes(public, &[AttributeType::EcPoint])
            .map_err(|e| fail("C_GetAttributeValue", &e))?;
        for attribute in point {
            if let Attribute::EcPoint(encoded) = attribute {
                // CKA_EC_POINT is a DER OCTET STRING around the point; some modules give
                // the bare point.
                let bare = der::asn1::OctetString::from_der(&encoded)
                    .map(|o| o.into_bytes().into_vec())
                    .unwrap_or(encoded);
                if let Ok(key) = p256::PublicKey::from_sec1_bytes(&bare) {
                    return key
                        .to_public_key_der()
                        .map(|d| d.into_vec())
                        .map_err(|_| pkcs11_error(Pkcs11Error::NoPublicKey));
                }
            }
        }
    }
    Err(pkcs11_error(Pkcs11Error::NoPublicKey))
}

/// The public key of the RSA private key `handle`, from its modulus and public exponent
/// (attributes every RSA private key object carries). 2048 to 4096 bits.
fn rsa_spki(session: &Session, handle: ObjectHandle) -> Result<Vec<u8>, Error> {
    let attributes = session
        .get_attributes(
            handle,
            &[AttributeType::Modulus, AttributeType::PublicExponent],
        )
        .map_err(|e| fail("C_GetAttributeValue", &e))?;
    let (mut modulus, mut exponent) = (Vec::new(), Vec::new());
    for attribute in attributes {
        match attribute {
            Attribute::Modulus(v) => modulus = v,
            Attribute::PublicExponent(v) => exponent = v,
            _ => {}
        }
    }
    let significant = modulus
        .iter()
        .position(|&b| b != 0)
        .map_or(0, |i| modulus.len() - i);
    if !(256..=512).contains(&significant) {
        return Err(pkcs11_error(Pkcs11Error::WrongKeyType));
    }
    let no_key = || pkcs11_error(Pkcs11Error::NoPublicKey);
    let public = rsa::pkcs1::RsaPublicKey {
        modulus: der::asn1::UintRef::new(&modulus).map_err(|_| no_key())?,
        public_exponent: der::asn1::UintRef::new(&exponent).map_err(|_| no_key())?,
    };
    let pkcs1 = public.to_der().map_err(|_| no_key())?;
    let spki = spki::SubjectPublicKeyInfoRef {
        algorithm: spki::AlgorithmIdentifierRef {
            oid: RSA_ENCRYPTION,
            parameters: Some(der::asn1::AnyRef::NULL),
        },
        subject_public_key: der::asn1::BitStringRef::from_bytes(&pkcs1).map_err(|_| no_key())?,
    };
    spki.to_der().map_err(|_| no_key())
}
