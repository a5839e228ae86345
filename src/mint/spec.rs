//! What a minted token should look like: its plaintext, signing time, encoding, signer and
//! the deliberate fault, if any.

use alloc::vec;
use alloc::vec::Vec;

use crate::time::UnixTime;
use crate::token::model::Version;

/// How the CMS `SignedData` is encoded.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Encoding {
    /// BER with indefinite lengths on the outer layers, as Apple sends it.
    #[default]
    BerIndefinite,
    /// DER throughout.
    Der,
    /// BER with definite lengths in more octets than DER uses, where RFC 5652 allows BER:
    /// the outer constructed elements down to the certificate set with four length
    /// octets (`84 00 00 xx xx`), the signer infos' set with two (`82 xx xx`), the
    /// primitive elements among them with one (`81 xx`). Signed attributes and
    /// certificates stay DER.
    BerLongLengths,
}

/// The certificate set of the CMS signature.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum Certificates {
    /// Leaf, then intermediate, as Apple sends them.
    #[default]
    LeafFirst,
    /// Intermediate, then leaf.
    IntermediateFirst,
    /// A decoy first, with the intermediate's name and extensions, signed by the root, but
    /// another key; then leaf and intermediate. Only a path built over the whole set
    /// verifies.
    DecoyIntermediateFirst,
}

/// A deliberate defect in a minted token, and the error verification must report.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Fault {
    /// The leaf carries another OID instead of the Apple Pay leaf marker
    /// (`certificate_chain`).
    WrongLeafOid,
    /// The intermediate lacks its marker extension (`certificate_chain`).
    MissingIntermediateOid,
    /// The leaf expired the day before the signing time (`certificate_chain`).
    ExpiredLeaf,
    /// The intermediate is signed by a root the verifier does not trust, under the same
    /// name (`certificate_chain`).
    UntrustedRoot,
    /// The `messageDigest` attribute is not the digest of the content; the signature over
    /// the attributes is valid (`signature`).
    BadMessageDigest,
    /// One bit of `data` is flipped after signing (`signature`).
    TamperedData,
    /// One bit of the CMS signature value is flipped (`signature`).
    TamperedSignature,
    /// `RSA_v1`: one bit of `wrappedKey` is flipped after signing (`signature`; without
    /// verification, `decryption_failed`).
    TamperedWrappedKey,
    /// `RSA_v1`: the key is wrapped with a non-empty OAEP label, validly signed
    /// (`decryption_failed`).
    WrongOaepLabel,
    /// `RSA_v1`: the key is wrapped with OAEP over SHA-384 (and MGF1-SHA-384) instead of
    /// SHA-256, validly signed (`decryption_failed`).
    WrongOaepHash,
    /// `RSA_v1`: the wrapped key is 32 bytes and `data` is AES-256-GCM under it, validly
    /// signed (`decryption_failed`: `RSA_v1` keys are 16 bytes).
    WrongWrappedKeyLength,
    /// `RSA_v1`: the key is wrapped for another RSA key than the one `publicKeyHash` names,
    /// validly signed (`decryption_failed`).
    WrappedForOtherKey,
    /// The `SignerInfo` (and its algorithm protection attribute) names the other signature
    /// algorithm than the leaf's key makes: sha256WithRSAEncryption for an ECDSA
    /// signature, ecdsa-with-SHA256 for an RSA one (`signature`).
    MismatchedSignatureAlgorithm,
    /// The certificate set is tagged primitive `[0]` (`80`), which BER does not allow for
    /// a `SET OF` (`malformed`).
    PrimitiveCertificatesTag,
    /// The signed attributes are tagged primitive `[0]` (`80`) (`malformed`).
    PrimitiveSignedAttrsTag,
    /// The signed attributes are sent, and signed, in reverse DER order: not DER, which
    /// RFC 5652 §5.3 requires of them (`malformed`).
    UnsortedSignedAttrs,
    /// `EC_v1`: the ephemeral key is sent, and signed, as a compressed point (a 59-byte
    /// `SubjectPublicKeyInfo`), which Apple never sends (`malformed`).
    CompressedEphemeralKey,
    /// `RSA_v1`: the wrapped key is sent, and signed, with a leading zero byte: one byte
    /// longer than the modulus (`malformed`, before any RSA operation).
    WrappedKeyLongerThanModulus,
    /// Merchant token metadata ([`TestPki::mint_metadata`](super::TestPki::mint_metadata))
    /// signed with the payment token's rule, the transaction id and application data
    /// appended to the signed content (`signature`).
    PaymentTokenRule,
}

/// Which key signs the token's CMS signature: the leaf certificate's.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Signer {
    /// A P-256 leaf, ecdsa-with-SHA256 (what Apple uses).
    #[default]
    Ecdsa,
    /// An RSA-2048 leaf, sha256WithRSAEncryption (needs [`TestPki::with_rsa`](super::TestPki::with_rsa)).
    Rsa,
}

/// A plausible `3DSecure` payment data plaintext (test card 4111 1111 1111 1111, USD
/// 10.00), compact JSON as a device produces it.
pub const SAMPLE_PLAINTEXT: &str = concat!(
    r#"{"applicationPrimaryAccountNumber":"4111111111111111","applicationExpirationDate":"301231","#,
    r#""currencyCode":"840","transactionAmount":1000,"deviceManufacturerIdentifier":"040010030273","#,
    r#""paymentDataType":"3DSecure","paymentData":{"onlinePaymentCryptogram":"AAAAAAAAAAAAAAAAAAAAAAAAAAA=","eciIndicator":"5"}}"#
);

/// What to put in a minted token.
#[derive(Clone, Debug)]
pub struct TokenSpec {
    /// The payment data JSON the device would encrypt.
    pub plaintext: Vec<u8>,
    /// The `signingTime` attribute.
    pub signing_time: UnixTime,
    /// `header.transactionId` (raw bytes; written as hex).
    pub transaction_id: Vec<u8>,
    /// `header.applicationData` (raw bytes; written as hex), if any.
    pub application_data: Option<Vec<u8>>,
    /// Encoding of the CMS signature.
    pub encoding: Encoding,
    /// A deliberate defect, if any.
    pub fault: Option<Fault>,
    /// Seed of the ephemeral key, or of the `RSA_v1` symmetric key and OAEP padding
    /// (distinct seeds give distinct tokens).
    pub ephemeral_seed: Vec<u8>,
    /// `EC_v1` (the merchant's P-256 key) or `RSA_v1` (its RSA key; needs
    /// [`TestPki::with_rsa`](super::TestPki::with_rsa)).
    pub version: Version,
    /// The key that signs.
    pub signer: Signer,
    /// The certificate set.
    pub certificates: Certificates,
}

impl TokenSpec {
    /// A faultless BER token with a fixed transaction id and no application data.
    #[must_use]
    pub fn new(plaintext: Vec<u8>, signing_time: UnixTime) -> Self {
        Self {
            plaintext,
            signing_time,
            transaction_id: vec![0x5a; 32],
            application_data: None,
            encoding: Encoding::BerIndefinite,
            fault: None,
            ephemeral_seed: b"ephemeral".to_vec(),
            version: Version::EcV1,
            signer: Signer::Ecdsa,
            certificates: Certificates::LeafFirst,
        }
    }
}
