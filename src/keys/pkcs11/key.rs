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
use crate::provider::{
    KeyAlgorithm, MerchantKey, Provider, SharedSecret, SignatureAlgorithm, SigningScheme,
};
use crate::public_key_hash::PublicKeyHash;

const RSA_ENCRYPTION: der::asn1::ObjectIdentifier =
    der::asn1::ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.1");

/// Length of an uncompressed P-256 point.
const P256_POINT_LEN: usize = 65;
/// Length of a P-256 ECDSA signature as PKCS#11 returns it (`r ‖ s`).
const P256_RAW_SIGNATURE_LEN: usize = 64;

/// What the token allows the key to do (its `CKA_DERIVE`, `CKA_SIGN`, `CKA_DECRYPT`).
#[derive(Clone, Copy, Debug)]
pub(super) struct Usage {
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

    /// Reads the key's description from the token again, checking anew that its public
    /// key belongs to it (what opening the key does; the PKCS#11 bench times it).
    #[cfg(feature = "test-util")]
    pub(crate) fn check_public_key(&self) -> Result<(), Error> {
        let (_, _, spki) = self.pool.with(|session| describe(session, self.handle))?;
        if spki == self.spki {
            Ok(())
        } else {
            Err(pkcs11_error(Pkcs11Error::PublicKeyMismatch))
        }
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
            let z = session
                .derive_key(
                    &Mechanism::Ecdh1Derive(params),
                    self.handle,
                    &secret_template(),
                )
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

/// The template of an ECDH secret: a session object that is sensitive and never
/// extractable, so `Z` stays in the token.
fn secret_template() -> [Attribute; 6] {
    [
        Attribute::Class(ObjectClass::SECRET_KEY),
        Attribute::KeyType(KeyType::GENERIC_SECRET),
        Attribute::Token(false),
        Attribute::Sensitive(true),
        Attribute::Extractable(false),
        Attribute::ValueLen(32.into()),
    ]
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
pub(super) fn describe(
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
        Some(KeyType::EC) => Ok((
            KeyAlgorithm::P256,
            usage,
            p256_spki(session, handle, usage)?,
        )),
        Some(KeyType::RSA) => Ok((KeyAlgorithm::Rsa, usage, rsa_spki(session, handle)?)),
        _ => Err(pkcs11_error(Pkcs11Error::WrongKeyType)),
    }
}

/// The public key of the P-256 private key `handle`, checked to belong to it.
///
/// Candidates: `CKA_PUBLIC_KEY_INFO` when the token offers it (PKCS#11 3.0), then the
/// `CKA_EC_POINT` of each public key object with the same `CKA_ID` (or, without an id,
/// the same label). The first candidate [`PairCheck`] accepts is the key's public half;
/// none is [`Pkcs11Error::PublicKeyMismatch`], no candidate at all
/// [`Pkcs11Error::NoPublicKey`].
fn p256_spki(session: &Session, handle: ObjectHandle, usage: Usage) -> Result<Vec<u8>, Error> {
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
    let mut candidates = Vec::new();
    if let Ok(public) = p256::PublicKey::from_public_key_der(&info) {
        candidates.push(public);
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
                    candidates.push(key);
                }
            }
        }
    }
    if candidates.is_empty() {
        return Err(pkcs11_error(Pkcs11Error::NoPublicKey));
    }
    let check = PairCheck::run(session, handle, usage)?;
    for candidate in candidates {
        let spki = candidate
            .to_public_key_der()
            .map(|d| d.into_vec())
            .map_err(|_| pkcs11_error(Pkcs11Error::NoPublicKey))?;
        if check.accepts(&candidate, &spki) {
            return Ok(spki);
        }
    }
    Err(pkcs11_error(Pkcs11Error::PublicKeyMismatch))
}

/// The message the token signs to show which public key is its own.
const PAIR_CHECK_MESSAGE: &[u8] =
    b"applepay-crypto: does this public key belong to this private key?";

/// `other_info` of the ECDH pairing check's in-token hash, apart from any Apple KDF input.
const PAIR_CHECK_INFO: &[u8] = b"applepay-crypto: public key check";

/// The uncompressed generator of P-256: ECDH of a private key `d` with it gives the
/// x-coordinate of `d·G`, the public key.
const P256_GENERATOR: [u8; P256_POINT_LEN] = [
    0x04, 0x6b, 0x17, 0xd1, 0xf2, 0xe1, 0x2c, 0x42, 0x47, 0xf8, 0xbc, 0xe6, 0xe5, 0x63, 0xa4, 0x40,
    0xf2, 0x77, 0x03, 0x7d, 0x81, 0x2d, 0xeb, 0x33, 0xa0, 0xf4, 0xa1, 0x39, 0x45, 0xd8, 0x98, 0xc2,
    0x96, 0x4f, 0xe3, 0x42, 0xe2, 0xfe, 0x1a, 0x7f, 0x9b, 0x8e, 0xe7, 0xeb, 0x4a, 0x7c, 0x0f, 0x9e,
    0x16, 0x2b, 0xce, 0x33, 0x57, 0x6b, 0x31, 0x5e, 0xce, 0xcb, 0xb6, 0x40, 0x68, 0x37, 0xbf, 0x51,
    0xf5,
];

/// What one in-token operation with the private key shows about its public key: the
/// check a candidate public key must pass to be taken as the key's own.
///
/// - A key allowed to sign signs [`PAIR_CHECK_MESSAGE`] (`CKM_ECDSA`); a candidate is the
///   key's own when the signature verifies with it. Exact.
/// - A key allowed only to derive does ECDH with the generator `G` (`CKM_ECDH1_DERIVE`
///   into a sensitive session object, hashed in the token with `C_DigestKey`, as
///   decryption does): the secret is the x-coordinate of `d·G`, so a candidate is the
///   key's own when its x-coordinate hashes the same. No ECDH can tell `Q` from `-Q`
///   (they give the same secret with every peer key), so this is exact up to the sign
///   of y — which is all such a key can be used for. The hashed secret is public (it is
///   the public key's x-coordinate), so the check reveals nothing.
/// - A key allowed neither cannot be checked, and cannot be used either:
///   [`Pkcs11Error::UsageNotAllowed`] naming `CKA_SIGN`.
enum PairCheck {
    Signed(Vec<u8>),
    DerivedX(Zeroizing<Vec<u8>>),
}

impl PairCheck {
    fn run(session: &Session, handle: ObjectHandle, usage: Usage) -> Result<Self, Error> {
        if usage.sign {
            let digest = crate::provider::default_provider().sha256(&[PAIR_CHECK_MESSAGE]);
            let raw = session
                .sign(&Mechanism::Ecdsa, handle, &digest)
                .map_err(|e| mechanism_error(&e, "CKM_ECDSA", "C_Sign"))?;
            return Ok(Self::Signed(ecdsa_raw_to_der(&raw)?));
        }
        if !usage.derive {
            return Err(pkcs11_error(Pkcs11Error::UsageNotAllowed("CKA_SIGN")));
        }
        let params = Ecdh1DeriveParams::new(EcKdf::null(), &P256_GENERATOR[..]);
        let z = session
            .derive_key(&Mechanism::Ecdh1Derive(params), handle, &secret_template())
            .map_err(|e| mechanism_error(&e, "CKM_ECDH1_DERIVE", "C_DeriveKey"))?;
        let digest = kdf_in_token(session, z, PAIR_CHECK_INFO);
        let destroyed = session.destroy_object(z);
        let digest = digest?;
        destroyed.map_err(|e| fail("C_DestroyObject", &e))?;
        Ok(Self::DerivedX(digest))
    }

    /// Whether `candidate` (whose DER `SubjectPublicKeyInfo` is `spki`) passes.
    fn accepts(&self, candidate: &p256::PublicKey, spki: &[u8]) -> bool {
        use p256::elliptic_curve::sec1::ToSec1Point;
        let provider = crate::provider::default_provider();
        match self {
            Self::Signed(signature) => provider
                .verify_signature(
                    SignatureAlgorithm::EcdsaP256Sha256,
                    spki,
                    PAIR_CHECK_MESSAGE,
                    signature,
                )
                .is_ok(),
            Self::DerivedX(in_token) => {
                let point = candidate.to_sec1_point(false);
                let x = point.x().map(|x| x.as_slice()).unwrap_or_default();
                let expected = provider.sha256(&[&KDF_COUNTER, x, PAIR_CHECK_INFO]);
                in_token.as_slice() == expected.as_slice()
            }
        }
    }
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
