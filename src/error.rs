//! The crate's one error type.

use alloc::string::String;
use core::fmt;
use core::time::Duration;

use crate::public_key_hash::PublicKeyHash;
use crate::time::UnixTime;

/// Everything that can go wrong in this crate.
///
/// Each variant says what happened and what the caller should do about it. `Display` is
/// lower-case, has no trailing period, and never contains secret material or says which
/// byte of a MAC or signature was wrong. [`Error::kind`] gives a stable machine-readable
/// name for each variant (the CLI prints it).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Error {
    /// The input is larger than the documented limit for its kind; it was refused before
    /// any parsing. The payload names the limit in bytes.
    ///
    /// A real Apple Pay token is a few kilobytes. Reject the request.
    InputTooLarge {
        /// The limit that was exceeded, in bytes.
        limit: usize,
    },

    /// The input is not well-formed: bad JSON, a missing or mistyped field, bad base64 or
    /// hex, a structure that does not parse. The payload names the field or structure.
    ///
    /// The token did not come from Apple in this form; reject it. Nothing about it can be
    /// trusted.
    Malformed(&'static str),

    /// The token's `version` is not one this crate handles (`EC_v1`, `RSA_v1`). The payload
    /// is the version string as found (truncated to 32 characters).
    ///
    /// Reject the token, or route it to code that handles that version.
    UnsupportedVersion(String),

    /// No key in the keyring has the public key hash the token was encrypted for. The
    /// payload is that hash (`header.publicKeyHash`).
    ///
    /// The token was made for a Payment Processing certificate whose key you did not load:
    /// another merchant's, or a certificate rotated in or out. Load the matching key.
    NoMatchingKey {
        /// The hash from the token's header.
        wanted: PublicKeyHash,
    },

    /// The merchant identity paired with a key does not agree with the key or with what
    /// the caller expected (for example a certificate whose public key is not the key's,
    /// or a certificate with no merchant id extension).
    ///
    /// Fix the key/certificate configuration.
    MerchantIdMismatch,

    /// Authenticated decryption failed: the key (or merchant identity) is not the one the
    /// token was made for, the ciphertext was altered, or (`RSA_v1`) the `wrappedKey` did
    /// not unwrap to a 16-byte key — bad OAEP padding, wrong length, another key.
    ///
    /// Reject the token. Deliberately says nothing about which: distinguishable unwrap
    /// failures are what padding-oracle attacks feed on.
    DecryptionFailed,

    /// A key, certificate or key container could not be imported. The payload says why.
    ///
    /// Check the file: format, algorithm (P-256 for payment processing, RSA-2048 for
    /// merchant identity), password.
    KeyImport(KeyImportError),

    /// The token's CMS signature, or its `messageDigest`, does not match the signed data.
    ///
    /// The token was altered or not signed by Apple; reject it.
    SignatureInvalid,

    /// The certificates in the token's signature do not form a valid chain to a trusted
    /// Apple root at the verification time. The payload says which check failed.
    ///
    /// Reject the token. If you replay stored tokens, verify as of their signing time.
    CertificateChain(ChainError),

    /// The token's `signingTime` is older than the allowed maximum age (the `max_age` of
    /// [`crate::PaymentToken::verify`], typically [`crate::DEFAULT_MAX_AGE`]), or lies
    /// further in the future than [`crate::MAX_CLOCK_SKEW`] (merchant token metadata has
    /// no maximum age, only the future limit). Reported only for tokens whose signature
    /// and chain hold. The fields say which side of the window, both times and the window
    /// itself.
    ///
    /// Reject the token: it may be a replay. Check your clock if this happens often (a
    /// token [`SigningTimeProblem::InFuture`] points at the verifier's clock, or at the
    /// `now` passed in).
    #[non_exhaustive]
    SigningTimeOutOfWindow {
        /// Too old, or dated in the future.
        problem: SigningTimeProblem,
        /// The token's signed `signingTime`.
        signing_time: UnixTime,
        /// The time the token was verified at (the `now` given to the verification).
        verification_time: UnixTime,
        /// The maximum age the verification allowed (its `max_age`); `None` where there
        /// is none.
        max_age: Option<Duration>,
        /// How far after `verification_time` a signing time may lie
        /// ([`crate::MAX_CLOCK_SKEW`]).
        max_skew: Duration,
    },

    /// A merchant validation URL is not one of Apple's gateway URLs. The payload says why.
    ///
    /// Never connect to it: it came from the browser and may point anywhere.
    UntrustedValidationUrl(&'static str),

    /// The token decrypted and its authentication tag verified, but the typed view of the
    /// plaintext ([`crate::Payment`]) cannot be built: a field a payment processor cannot
    /// do without is missing or unusable (an account number that is not digits, an
    /// expiration date that is not a real `YYMMDD` date, an amount that is not a whole
    /// number of minor units up to `u64::MAX`, `3DSecure` data without its cryptogram, …).
    /// The payload names the field (`transactionAmount`,
    /// `paymentData.onlinePaymentCryptogram`, `payment data` for the whole).
    ///
    /// Unlike [`Error::Malformed`] this says nothing against the token: the plaintext is
    /// authentic. It is still there — [`crate::Keyring::decrypt_plaintext`] and
    /// [`crate::Plaintext::payment`] keep it when the typed view fails — to store, forward
    /// to a processor that reads it, or inspect.
    ///
    /// The typed view of merchant token metadata ([`crate::TokenMetadata::fields`]) reports
    /// its unusable fields the same way (`mpan`, `expirationDate`, `metadata`).
    PaymentData(&'static str),

    /// A caller-supplied parameter is not acceptable (for example a display name longer
    /// than 64 characters). The payload names the parameter.
    ///
    /// Fix the argument.
    InvalidParameter(&'static str),

    /// A Merchant Identity certificate and key cannot authenticate merchant validation
    /// (feature `rustls`). The payload says why.
    ///
    /// Fix the identity configuration before connecting: Apple's gateway would refuse it.
    MerchantIdentity(IdentityError),

    /// The token verified, but its `transactionId` was already accepted while the token
    /// is still within its window — by this process or, with a shared store, by another
    /// instance (see [`crate::ReplayGuard`]). Reported after verification and before
    /// decryption: the merchant key never saw the copy.
    ///
    /// Reject the token and do not retry it: it is a copy of a payment already taken.
    Replay,

    /// The replay store could not say whether the token's `transactionId` was seen: it is
    /// unreachable or failing, or (the in-memory store) full of ids that have not expired
    /// yet. The payload says which. The token was refused — replay protection fails
    /// closed — and its id was not recorded.
    ///
    /// Retry once the store is back; for [`crate::MemoryReplayGuard`], give it a larger
    /// capacity (its docs say how to size it).
    ReplayStore(&'static str),
}

impl Error {
    /// A stable, snake_case name for the variant, suitable for logs, metrics and the CLI
    /// (`malformed`, `no_matching_key`, …).
    #[must_use]
    pub fn kind(&self) -> &'static str {
        match self {
            Self::InputTooLarge { .. } | Self::Malformed(_) => "malformed",
            Self::UnsupportedVersion(_) => "unsupported_version",
            Self::NoMatchingKey { .. } => "no_matching_key",
            Self::MerchantIdMismatch => "merchant_id_mismatch",
            Self::DecryptionFailed => "decryption_failed",
            Self::KeyImport(_) => "key_import",
            Self::SignatureInvalid => "signature",
            Self::CertificateChain(_) => "certificate_chain",
            Self::SigningTimeOutOfWindow { .. } => "signing_time",
            Self::UntrustedValidationUrl(_) => "untrusted_validation_url",
            Self::InvalidParameter(_) => "invalid_parameter",
            Self::MerchantIdentity(_) => "identity",
            Self::PaymentData(_) => "payment_data",
            Self::Replay => "replay",
            Self::ReplayStore(_) => "replay_store",
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::InputTooLarge { limit } => write!(f, "input larger than {limit} bytes"),
            Self::Malformed(what) => write!(f, "malformed {what}"),
            Self::UnsupportedVersion(v) => write!(f, "unsupported token version {v:?}"),
            Self::NoMatchingKey { wanted } => {
                write!(f, "no key for the token's public key hash {wanted}")
            }
            Self::MerchantIdMismatch => f.write_str("merchant identity does not match the key"),
            Self::DecryptionFailed => f.write_str("decryption failed"),
            Self::KeyImport(e) => write!(f, "key import failed: {e}"),
            Self::SignatureInvalid => f.write_str("token signature is invalid"),
            Self::CertificateChain(e) => write!(f, "certificate chain rejected: {e}"),
            Self::SigningTimeOutOfWindow {
                problem,
                signing_time,
                verification_time,
                max_age,
                max_skew,
            } => {
                let latest = verification_time.saturating_add_secs(max_skew.as_secs());
                write!(
                    f,
                    "token signing time {signing_time} is {problem}: verified at \
                     {verification_time}, the window accepts signing times "
                )?;
                match max_age {
                    Some(age) => write!(
                        f,
                        "from {} to {latest} (max age {}s, clock skew {}s)",
                        verification_time.saturating_sub_secs(age.as_secs()),
                        age.as_secs(),
                        max_skew.as_secs()
                    ),
                    None => write!(
                        f,
                        "up to {latest} (no max age, clock skew {}s)",
                        max_skew.as_secs()
                    ),
                }
            }
            Self::UntrustedValidationUrl(why) => write!(f, "untrusted validation url: {why}"),
            Self::InvalidParameter(what) => write!(f, "invalid parameter: {what}"),
            Self::MerchantIdentity(e) => write!(f, "unusable merchant identity: {e}"),
            Self::PaymentData(what) => write!(f, "unusable payment data field {what}"),
            Self::Replay => f.write_str("transaction id already accepted: the token is a replay"),
            Self::ReplayStore(why) => write!(f, "replay store unavailable: {why}"),
        }
    }
}

impl core::error::Error for Error {}

/// Which side of the accepted window a token's signing time lies on
/// ([`Error::SigningTimeOutOfWindow`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum SigningTimeProblem {
    /// Signed longer ago than the maximum age allows: a stale token, perhaps a replay.
    TooOld,
    /// Signed later than the verification time plus the allowed clock skew: check the
    /// verifier's clock (or the time passed in).
    InFuture,
}

impl fmt::Display for SigningTimeProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::TooOld => "too old",
            Self::InFuture => "in the future",
        })
    }
}

/// Why a certificate and key cannot serve as the Merchant Identity.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum IdentityError {
    /// The certificate lacks the Merchant Identity marker (`1.2.840.113635.100.6.46`):
    /// it is another certificate, such as the Payment Processing one.
    NotMerchantIdentity,
    /// The certificate does not certify the key's public key.
    KeyMismatch,
    /// The certificate expired before the time given: renew it in Apple's developer
    /// account. The fields give its validity period and that time.
    #[non_exhaustive]
    Expired {
        /// The start of the certificate's validity period (`notBefore`).
        not_before: UnixTime,
        /// The end of the certificate's validity period (`notAfter`).
        not_after: UnixTime,
        /// The time it was checked at.
        time: UnixTime,
    },
    /// The certificate is not valid yet at the time given (check the clock). The fields
    /// give its validity period and that time.
    #[non_exhaustive]
    NotYetValid {
        /// The start of the certificate's validity period (`notBefore`).
        not_before: UnixTime,
        /// The end of the certificate's validity period (`notAfter`).
        not_after: UnixTime,
        /// The time it was checked at.
        time: UnixTime,
    },
    /// The key lists no signature scheme ([`crate::MerchantKey::signing_schemes`]), so it
    /// cannot sign a TLS handshake.
    KeyCannotSign,
}

impl fmt::Display for IdentityError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::NotMerchantIdentity => {
                "not a merchant identity certificate (no marker 1.2.840.113635.100.6.46)"
            }
            Self::KeyMismatch => "the certificate does not match the key",
            Self::Expired {
                not_before,
                not_after,
                time,
            } => {
                return write!(
                    f,
                    "the identity certificate has expired at {time} \
                     (valid from {not_before} to {not_after})"
                );
            }
            Self::NotYetValid {
                not_before,
                not_after,
                time,
            } => {
                return write!(
                    f,
                    "the identity certificate is not valid yet at {time} \
                     (valid from {not_before} to {not_after})"
                );
            }
            Self::KeyCannotSign => "the key cannot sign tls handshakes",
        })
    }
}

/// Why a key, certificate or key container could not be imported.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum KeyImportError {
    /// No PEM block or DER structure of a supported kind was found.
    UnrecognizedFormat,
    /// The key is of an algorithm or curve this crate does not use here.
    UnsupportedAlgorithm,
    /// The key's encoding is damaged or its value is out of range.
    InvalidKey,
    /// The container is encrypted and the password is wrong (or missing).
    WrongPassword,
    /// The container is encrypted with a scheme this crate does not support.
    UnsupportedEncryption,
    /// A certificate could not be parsed.
    InvalidCertificate,
    /// The container holds no private key.
    NoPrivateKey,
    /// A password-based key derivation in the file costs more than the limits allow
    /// ([`crate::MAX_PBKDF2_ITERATIONS`], [`crate::MAX_SCRYPT_WORK`],
    /// [`crate::MAX_KDF_WORK`], …); refused before any derivation runs. Re-export the
    /// key with ordinary parameters (OpenSSL's defaults are far below the limits), or
    /// treat the file as hostile.
    WorkFactorTooHigh,
    /// The PKCS#12 file holds more bags than `MAX_PKCS12_BAGS` (feature `pkcs12`).
    /// Export only the key and its certificate chain.
    TooManyBags,
    /// A key in a PKCS#11 token (an HSM) could not be found or used; the payload says
    /// why (feature `pkcs11`).
    Pkcs11(Pkcs11Error),
    /// No private key was found where one was expected; the payload says what the input
    /// holds instead (a certificate, a CSR, a `.p12`, nothing recognisable, …). Give the
    /// key file — a `.p12` through [`crate::Pkcs12`].
    NotAKey(InputContent),
    /// No certificate was found where one was expected; the payload says what the input
    /// holds instead (a private key, a CSR, a `.p12`, nothing recognisable, …). Give the
    /// certificate file; [`KeyImportError::InvalidCertificate`] is a certificate that
    /// does not parse.
    NotACertificate(InputContent),
}

impl fmt::Display for KeyImportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::UnrecognizedFormat => "unrecognized key format",
            Self::UnsupportedAlgorithm => "unsupported key algorithm",
            Self::InvalidKey => "invalid key encoding",
            Self::WrongPassword => "wrong password",
            Self::UnsupportedEncryption => "unsupported encryption scheme",
            Self::InvalidCertificate => "invalid certificate",
            Self::NoPrivateKey => "no private key found",
            Self::WorkFactorTooHigh => "key derivation work factor over the limit",
            Self::TooManyBags => "too many bags in the pkcs#12 file",
            Self::Pkcs11(e) => return write!(f, "pkcs11: {e}"),
            Self::NotAKey(found) => return write!(f, "{found} where a key was expected"),
            Self::NotACertificate(found) => {
                return write!(f, "{found} where a certificate was expected");
            }
        })
    }
}

/// What a key or certificate input holds, as far as can be told without a password
/// ([`InputContent::of`]): what [`KeyImportError::NotAKey`] and
/// [`KeyImportError::NotACertificate`] found instead.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum InputContent {
    /// An X.509 certificate (PEM `CERTIFICATE`, or DER).
    Certificate,
    /// An unencrypted private key (PEM `PRIVATE KEY`, `EC PRIVATE KEY`, `RSA PRIVATE
    /// KEY`, or DER PKCS#8, SEC1, PKCS#1).
    PrivateKey,
    /// An encrypted PKCS#8 private key (PEM `ENCRYPTED PRIVATE KEY`, or DER).
    EncryptedPrivateKey,
    /// A public key (PEM `PUBLIC KEY`, `RSA PUBLIC KEY`, or a DER
    /// `SubjectPublicKeyInfo`).
    PublicKey,
    /// A certificate signing request (PEM `CERTIFICATE REQUEST`, or DER PKCS#10).
    CertificateRequest,
    /// A PKCS#12 bundle (`.p12`, `.pfx`).
    Pkcs12,
    /// PEM text with blocks of another kind only (`EC PARAMETERS`, `PKCS7`, …).
    OtherPem,
    /// Nothing recognisable: not PEM, and not one of the DER structures above.
    Unrecognized,
}

impl fmt::Display for InputContent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Certificate => "a certificate",
            Self::PrivateKey => "a private key",
            Self::EncryptedPrivateKey => "an encrypted private key",
            Self::PublicKey => "a public key",
            Self::CertificateRequest => "a certificate signing request (csr)",
            Self::Pkcs12 => "a .p12 (pkcs#12) bundle",
            Self::OtherPem => "pem blocks of another kind",
            Self::Unrecognized => "nothing recognisable",
        })
    }
}

/// Why a key in a PKCS#11 token (an HSM) could not be found or used (feature `pkcs11`).
///
/// Each variant names one cause an operator can fix; module return values outside this
/// set are [`Pkcs11Error::Module`], naming the function and its `CKR_` code.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Pkcs11Error {
    /// The `pkcs11:` URI does not parse (RFC 7512); the payload says why.
    InvalidUri(&'static str),
    /// The URI names no module: add `module-path=/path/to/the/vendor/module.so`.
    NoModule,
    /// The module could not be loaded: no such file, or not a PKCS#11 module.
    ModuleLoad,
    /// No token matches the URI's token and slot attributes (`token=` is the label).
    TokenNotFound,
    /// Several tokens match the URI: name one with `token=` or `serial=`.
    AmbiguousToken,
    /// The token requires a login and no PIN was given: add `pin-source=` or
    /// `pin-value=`.
    PinRequired,
    /// The token refused the PIN (`CKR_PIN_INCORRECT`).
    WrongPin,
    /// The token's user PIN is locked after too many wrong attempts (`CKR_PIN_LOCKED`,
    /// or the token reports `CKF_USER_PIN_LOCKED`): the security officer must unlock it.
    PinLocked,
    /// The `pin-source` could not be read.
    PinSourceUnreadable,
    /// No private key in the token matches the URI's `object=` (label) and `id=`.
    ObjectNotFound,
    /// Several private keys match the URI: name one with `object=` or `id=`.
    AmbiguousObject,
    /// Key generation: a private key matching the URI already exists in the token.
    ObjectExists,
    /// The object is not a P-256 or RSA (2048 to 4096 bits) private key, or not the kind
    /// of key this operation needs (an RSA key for an `EC_v1` token, say).
    WrongKeyType,
    /// The token holds no public key for the P-256 private key (no public key object with
    /// its `CKA_ID`), so its public key hash cannot be known.
    NoPublicKey,
    /// No public key the token holds for the P-256 private key (its `CKA_PUBLIC_KEY_INFO`,
    /// or a public key object with the same `CKA_ID`, else label) belongs to it: a signature
    /// the token made with the private key does not verify with any of them (or, for a
    /// key allowed only to derive, its ECDH with the curve's generator gives another
    /// x-coordinate). A stale public key object from another key carries the name: delete
    /// it, or import the key again with `applepay import`.
    PublicKeyMismatch,
    /// The token forbids this use of the key: the payload names the attribute that is
    /// false (`CKA_DERIVE` for `EC_v1` decryption, `CKA_DECRYPT` for `RSA_v1`,
    /// `CKA_SIGN` for CSRs and TLS). Set it with the vendor's tool, or generate the key
    /// with it.
    UsageNotAllowed(&'static str),
    /// The module does not implement a mechanism this operation needs, or not with the
    /// parameters Apple Pay requires; the payload names it (e.g. SoftHSM2 2.6 lacks
    /// `CKM_RSA_PKCS_OAEP` with SHA-256).
    MechanismUnsupported(&'static str),
    /// [`crate::MerchantKey::ecdh_p256`] was asked for the raw ECDH secret of a key in a
    /// token: it never leaves the token. Token decryption does not need it.
    SecretStaysInToken,
    /// A module call failed for another reason.
    Module {
        /// The PKCS#11 function, e.g. `C_DeriveKey`.
        function: &'static str,
        /// Its return value, e.g. `CKR_DEVICE_ERROR`.
        code: &'static str,
    },
}

impl fmt::Display for Pkcs11Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::InvalidUri(why) => write!(f, "invalid pkcs11 uri: {why}"),
            Self::NoModule => {
                f.write_str("the pkcs11 uri names no module: add ?module-path=/path/to/module.so")
            }
            Self::ModuleLoad => f.write_str(
                "the pkcs11 module could not be loaded (no such file, or not a pkcs11 module)",
            ),
            Self::TokenNotFound => f.write_str("no pkcs11 token matches the uri"),
            Self::AmbiguousToken => {
                f.write_str("several pkcs11 tokens match the uri: add token= or serial=")
            }
            Self::PinRequired => {
                f.write_str("the token needs a pin: add pin-source= or pin-value= to the uri")
            }
            Self::WrongPin => f.write_str("wrong pin for the token (CKR_PIN_INCORRECT)"),
            Self::PinLocked => f.write_str("the token's user pin is locked (CKR_PIN_LOCKED)"),
            Self::PinSourceUnreadable => f.write_str("the pin-source file could not be read"),
            Self::ObjectNotFound => f.write_str("no private key in the token matches the uri"),
            Self::AmbiguousObject => {
                f.write_str("several private keys match the uri: add object= or id=")
            }
            Self::ObjectExists => {
                f.write_str("a private key matching the uri already exists in the token")
            }
            Self::WrongKeyType => f.write_str(
                "the object is not a p-256 or rsa private key of the kind this operation needs",
            ),
            Self::NoPublicKey => {
                f.write_str("the token holds no public key for the private key (same CKA_ID)")
            }
            Self::PublicKeyMismatch => f.write_str(
                "no public key in the token belongs to the private key (same CKA_ID or label, another key)",
            ),
            Self::UsageNotAllowed(attribute) => {
                write!(
                    f,
                    "the token forbids this use of the key ({attribute} is false)"
                )
            }
            Self::MechanismUnsupported(mechanism) => {
                write!(f, "the pkcs11 module does not support {mechanism}")
            }
            Self::SecretStaysInToken => {
                f.write_str("the ecdh secret of a key in a pkcs11 token stays in the token")
            }
            Self::Module { function, code } => write!(f, "{function} failed: {code}"),
        }
    }
}

/// Which check of the token's certificate chain failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ChainError {
    /// The signature holds no certificates, more than allowed, or they do not parse.
    BadCertificates,
    /// The signer certificate lacks Apple's leaf marker extension `1.2.840.113635.100.6.29`.
    MissingLeafMarker,
    /// No other certificate in the signature names the leaf's issuer as its subject.
    MissingIntermediate,
    /// The intermediate lacks Apple's marker extension `1.2.840.113635.100.6.2.14`.
    MissingIntermediateMarker,
    /// The intermediate is not issued by (signed by) any trust anchor.
    UntrustedRoot,
    /// The leaf is not signed by the intermediate.
    BadLeafSignature,
    /// A certificate is not valid at the verification time: it expired, or is not valid
    /// yet. The fields name the certificate, its validity period and that time. A stored
    /// token checked long after it was made fails so: verify it as of its signing time.
    #[non_exhaustive]
    Expired {
        /// Which certificate of the chain.
        certificate: ChainCertificate,
        /// The start of its validity period (`notBefore`).
        not_before: UnixTime,
        /// The end of its validity period (`notAfter`).
        not_after: UnixTime,
        /// The verification time it was checked at.
        time: UnixTime,
    },
    /// Key usage, extended key usage or basic constraints forbid this use.
    Usage,
    /// A certificate uses a signature algorithm or key type this crate does not accept.
    UnsupportedAlgorithm,
    /// The signer identified by the SignerInfo is not the leaf certificate.
    SignerNotFound,
}

impl fmt::Display for ChainError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::BadCertificates => "missing or unreadable certificates",
            Self::MissingLeafMarker => "leaf certificate lacks the apple pay marker extension",
            Self::MissingIntermediate => "no intermediate certificate issued the leaf",
            Self::MissingIntermediateMarker => {
                "intermediate certificate lacks the apple pay marker extension"
            }
            Self::UntrustedRoot => "intermediate is not issued by a trusted root",
            Self::BadLeafSignature => "leaf is not signed by the intermediate",
            Self::Expired {
                certificate,
                not_before,
                not_after,
                time,
            } => {
                let state = if time < not_before {
                    "is not valid yet"
                } else {
                    "has expired"
                };
                return write!(
                    f,
                    "{certificate} certificate {state} at the verification time {time} \
                     (valid from {not_before} to {not_after})"
                );
            }
            Self::Usage => "certificate usage constraints violated",
            Self::UnsupportedAlgorithm => "unsupported certificate algorithm",
            Self::SignerNotFound => "signer certificate not found",
        })
    }
}

/// A certificate of the token's chain ([`ChainError::Expired`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ChainCertificate {
    /// Apple's signing (leaf) certificate, the one that signed the token.
    Leaf,
    /// Apple's intermediate CA certificate, which issued the leaf.
    Intermediate,
}

impl fmt::Display for ChainCertificate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Leaf => "leaf",
            Self::Intermediate => "intermediate",
        })
    }
}
