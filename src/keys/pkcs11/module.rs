//! A loaded PKCS#11 module: finding the token and the key a URI names, logging in, and
//! generating keys inside the token.

use alloc::vec::Vec;
use core::fmt;

use cryptoki::context::{CInitializeArgs, CInitializeFlags, Function, Pkcs11};
use cryptoki::error::{Error as CkError, RvError};
use cryptoki::mechanism::Mechanism;
use cryptoki::object::{Attribute, ObjectClass, ObjectHandle};
use cryptoki::session::{Session, UserType};
use cryptoki::slot::Slot;
use cryptoki::types::AuthPin;

use super::import;
use super::key::{Pkcs11Key, describe};
use super::session::SessionPool;
use super::uri::{Pkcs11ObjectType, Pkcs11Uri};
use super::{P256_CURVE_DER, fail, pkcs11_error};
use crate::error::{Error, Pkcs11Error};
use crate::keys::private_key::PrivateKey;
use crate::provider::KeyAlgorithm;

/// RSA keys generated in a token have this many bits (Apple's Merchant Identity size).
pub const PKCS11_RSA_KEY_BITS: u64 = 2048;

/// A PKCS#11 module (the HSM vendor's shared library), loaded by the caller and
/// initialised for use from many threads.
///
/// Loading the module is I/O and stays with the caller: this crate never opens a file.
/// Load it with `cryptoki::context::Pkcs11::new(path)` (the [`super::cryptoki`]
/// re-export gives the matching version; a failure converts into
/// [`Pkcs11Error::ModuleLoad`] with `Error::from`) and hand it to [`Pkcs11Module::new`].
/// Clones share the module.
#[derive(Clone)]
pub struct Pkcs11Module {
    context: Pkcs11,
}

impl Pkcs11Module {
    /// Initialises `context` (`C_Initialize` with OS locking, so sessions may run on
    /// several threads). A module already initialised in this process is accepted.
    pub fn new(context: Pkcs11) -> Result<Self, Error> {
        match context.initialize(CInitializeArgs::new(CInitializeFlags::OS_LOCKING_OK)) {
            Ok(()) | Err(CkError::Pkcs11(RvError::CryptokiAlreadyInitialized, _)) => {
                Ok(Self { context })
            }
            Err(e) => Err(fail("C_Initialize", &e)),
        }
    }

    /// Opens the private key `uri` names, logging in to its token with `pin` (or the
    /// URI's `pin-value` when `pin` is `None`; a `pin-source` must be read by the caller
    /// and given as `pin`).
    ///
    /// The key must be a P-256 or an RSA (2048 to 4096 bits) private key; its public half
    /// is read from the token (an RSA key's modulus, a P-256 key's public key object with
    /// the same `CKA_ID`, or else the same label).
    ///
    /// PKCS#11 logins belong to the application, not to a key: once this process is
    /// logged in to a token, later keys on it share that login and the module does not
    /// check their PIN again (`CKR_USER_ALREADY_LOGGED_IN` is accepted). The login lasts
    /// while any key of the token is alive.
    pub fn open_key(&self, uri: &Pkcs11Uri, pin: Option<&str>) -> Result<Pkcs11Key, Error> {
        let slot = self.find_slot(uri)?;
        let login = self.login(slot, uri, pin, false)?;
        let handle = find_private_key(&login, uri)?;
        let pool = SessionPool::new(self.context.clone(), slot, login);
        Pkcs11Key::new(pool, handle)
    }

    /// Generates a key pair inside the token `uri` names, labelled and identified by the
    /// URI's `object` and `id` (at least one is required), and opens it.
    ///
    /// The private key is a token object that is sensitive, never extractable, and
    /// allowed exactly what a merchant key needs: sign (CSRs, TLS) and derive (P-256,
    /// `EC_v1` ECDH) or decrypt (RSA, `RSA_v1` unwrap). A P-256 key is
    /// [`KeyAlgorithm::P256`]; an RSA key has [`PKCS11_RSA_KEY_BITS`] bits. An existing
    /// private key matching the URI is [`Pkcs11Error::ObjectExists`].
    pub fn generate_key(
        &self,
        uri: &Pkcs11Uri,
        pin: Option<&str>,
        algorithm: KeyAlgorithm,
    ) -> Result<Pkcs11Key, Error> {
        let (slot, session, mut names) =
            self.session_for_new_key(uri, pin, "key generation needs object= or id=")?;
        if let Some(id) = uri.id() {
            names.push(Attribute::Id(id.to_vec()));
        }
        let mut public = alloc::vec![Attribute::Token(true), Attribute::Verify(true)];
        let mut private = alloc::vec![
            Attribute::Token(true),
            Attribute::Private(true),
            Attribute::Sensitive(true),
            Attribute::Extractable(false),
            Attribute::Sign(true),
        ];
        public.extend(names.iter().cloned());
        private.extend(names);
        let (mechanism, name) = match algorithm {
            KeyAlgorithm::P256 => {
                public.push(Attribute::EcParams(P256_CURVE_DER.to_vec()));
                private.push(Attribute::Derive(true));
                (Mechanism::EccKeyPairGen, "CKM_EC_KEY_PAIR_GEN (P-256)")
            }
            _ => {
                public.push(Attribute::ModulusBits(PKCS11_RSA_KEY_BITS.into()));
                public.push(Attribute::PublicExponent(alloc::vec![1, 0, 1]));
                public.push(Attribute::Encrypt(true));
                private.push(Attribute::Decrypt(true));
                (Mechanism::RsaPkcsKeyPairGen, "CKM_RSA_PKCS_KEY_PAIR_GEN")
            }
        };
        let (_, handle) = session
            .generate_key_pair(&mechanism, &public, &private)
            .map_err(|e| super::mechanism_error(&e, name, "C_GenerateKeyPair"))?;
        let pool = SessionPool::new(self.context.clone(), slot, session);
        Pkcs11Key::new(pool, handle)
    }

    /// Imports `key` into the token `uri` names, labelled and identified by the URI's
    /// `object` and `id` (at least one is required), and opens it.
    ///
    /// Two token objects are made: the private key, sensitive, never extractable and
    /// allowed exactly what [`Pkcs11Module::generate_key`] allows (sign, and derive for a
    /// P-256 key or decrypt for an RSA key), and its public key object (`CKA_EC_POINT`, or
    /// modulus and exponent) under the same label and id. Without `id=` the id is the
    /// 32 bytes of the key's public key hash (SHA-256 of its DER `SubjectPublicKeyInfo`).
    /// The key is then opened as [`Pkcs11Module::open_key`] opens it, which checks that the
    /// public key object belongs to the private key; the returned key's
    /// [`Pkcs11Key::public_key_hash`] equals `key`'s.
    ///
    /// An existing private key matching the URI is [`Pkcs11Error::ObjectExists`]; when
    /// the public key object cannot be made, the private key object is removed again.
    pub fn import_key(
        &self,
        uri: &Pkcs11Uri,
        pin: Option<&str>,
        key: &PrivateKey,
    ) -> Result<Pkcs11Key, Error> {
        let (slot, session, mut names) =
            self.session_for_new_key(uri, pin, "key import needs object= or id=")?;
        names.push(Attribute::Id(
            uri.id()
                .map_or_else(|| import::default_id(key), <[u8]>::to_vec),
        ));
        let objects = import::key_objects(key, &names)?;
        let private = session
            .create_object(&objects.private)
            .map_err(|e| fail("C_CreateObject", &e))?;
        let created = session
            .create_object(&objects.public)
            .map_err(|e| fail("C_CreateObject", &e))
            .and_then(|public| {
                // Opening checks the pair; a token that stored something else is undone.
                describe(&session, private).inspect_err(|_| {
                    let _ = session.destroy_object(public);
                })
            });
        if let Err(e) = created {
            let _ = session.destroy_object(private);
            return Err(e);
        }
        let pool = SessionPool::new(self.context.clone(), slot, session);
        Pkcs11Key::new(pool, private)
    }

    /// What making a key in a token starts with: `uri` names the new key (`object=` or
    /// `id=`, else [`Pkcs11Error::InvalidUri`] saying `missing_name`), no private key
    /// matches it yet ([`Pkcs11Error::ObjectExists`]), and a read-write session is logged
    /// in. Returns the slot, the session and the label attribute, if any.
    fn session_for_new_key(
        &self,
        uri: &Pkcs11Uri,
        pin: Option<&str>,
        missing_name: &'static str,
    ) -> Result<(Slot, Session, Vec<Attribute>), Error> {
        if uri.object().is_none() && uri.id().is_none() {
            return Err(pkcs11_error(Pkcs11Error::InvalidUri(missing_name)));
        }
        let slot = self.find_slot(uri)?;
        let session = self.login(slot, uri, pin, true)?;
        if !matching_objects(&session, uri, ObjectClass::PRIVATE_KEY)?.is_empty() {
            return Err(pkcs11_error(Pkcs11Error::ObjectExists));
        }
        let label = uri
            .object()
            .map(|label| Attribute::Label(label.as_bytes().to_vec()));
        Ok((slot, session, label.into_iter().collect()))
    }

    /// The one slot whose token matches every token and slot attribute of `uri`.
    fn find_slot(&self, uri: &Pkcs11Uri) -> Result<Slot, Error> {
        if !self.library_matches(uri)? {
            return Err(pkcs11_error(Pkcs11Error::TokenNotFound));
        }
        let slots = self
            .context
            .get_slots_with_token()
            .map_err(|e| fail("C_GetSlotList", &e))?;
        let mut found = None;
        for slot in slots {
            if !self.slot_matches(slot, uri)? {
                continue;
            }
            if found.replace(slot).is_some() {
                return Err(pkcs11_error(Pkcs11Error::AmbiguousToken));
            }
        }
        found.ok_or(pkcs11_error(Pkcs11Error::TokenNotFound))
    }

    fn library_matches(&self, uri: &Pkcs11Uri) -> Result<bool, Error> {
        if uri.library_manufacturer().is_none()
            && uri.library_description().is_none()
            && uri.library_version().is_none()
        {
            return Ok(true);
        }
        let info = self
            .context
            .get_library_info()
            .map_err(|e| fail("C_GetInfo", &e))?;
        let version = info.library_version();
        let version_matches = uri.library_version().is_none_or(|v| {
            let (major, minor) = v.split_once('.').unwrap_or((v, "0"));
            major.parse::<u8>().ok() == Some(version.major())
                && minor.parse::<u8>().ok() == Some(version.minor())
        });
        Ok(is_match(uri.library_manufacturer(), info.manufacturer_id())
            && is_match(uri.library_description(), info.library_description())
            && version_matches)
    }

    fn slot_matches(&self, slot: Slot, uri: &Pkcs11Uri) -> Result<bool, Error> {
        if uri.slot_id().is_some_and(|id| id != slot.id()) {
            return Ok(false);
        }
        if uri.slot_description().is_some() || uri.slot_manufacturer().is_some() {
            let info = self
                .context
                .get_slot_info(slot)
                .map_err(|e| fail("C_GetSlotInfo", &e))?;
            if !is_match(uri.slot_description(), info.slot_description())
                || !is_match(uri.slot_manufacturer(), info.manufacturer_id())
            {
                return Ok(false);
            }
        }
        let info = self
            .context
            .get_token_info(slot)
            .map_err(|e| fail("C_GetTokenInfo", &e))?;
        Ok(is_match(uri.token(), info.label())
            && is_match(uri.manufacturer(), info.manufacturer_id())
            && is_match(uri.serial(), info.serial_number())
            && is_match(uri.model(), info.model()))
    }

    /// Opens a session on `slot` and logs the user in when the token needs it.
    fn login(
        &self,
        slot: Slot,
        uri: &Pkcs11Uri,
        pin: Option<&str>,
        read_write: bool,
    ) -> Result<Session, Error> {
        let info = self
            .context
            .get_token_info(slot)
            .map_err(|e| fail("C_GetTokenInfo", &e))?;
        let session = if read_write {
            self.context.open_rw_session(slot)
        } else {
            self.context.open_ro_session(slot)
        }
        .map_err(|e| fail("C_OpenSession", &e))?;
        let pin = pin.or(uri.pin_value());
        if !info.login_required() && pin.is_none() {
            return Ok(session);
        }
        if info.user_pin_locked() {
            return Err(pkcs11_error(Pkcs11Error::PinLocked));
        }
        let pin = pin.ok_or(pkcs11_error(Pkcs11Error::PinRequired))?;
        let pin = AuthPin::new(pin.into());
        match session.login(UserType::User, Some(&pin)) {
            // Another key of this process already logged in to the token.
            Ok(()) | Err(CkError::Pkcs11(RvError::UserAlreadyLoggedIn, Function::Login)) => {
                Ok(session)
            }
            Err(e) => Err(fail("C_Login", &e)),
        }
    }
}

impl fmt::Debug for Pkcs11Module {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Pkcs11Module").finish_non_exhaustive()
    }
}

/// RFC 7512 §2.3: an attribute absent from the URI matches anything.
fn is_match(wanted: Option<&str>, actual: &str) -> bool {
    wanted.is_none_or(|w| w == actual)
}

/// The handles of objects of `class` whose label and id match `uri`.
fn matching_objects(
    session: &Session,
    uri: &Pkcs11Uri,
    class: ObjectClass,
) -> Result<Vec<ObjectHandle>, Error> {
    let mut template = alloc::vec![Attribute::Class(class)];
    if let Some(label) = uri.object() {
        template.push(Attribute::Label(label.as_bytes().to_vec()));
    }
    if let Some(id) = uri.id() {
        template.push(Attribute::Id(id.to_vec()));
    }
    session
        .find_objects(&template)
        .map_err(|e| fail("C_FindObjects", &e))
}

/// The one private key `uri` names.
fn find_private_key(session: &Session, uri: &Pkcs11Uri) -> Result<ObjectHandle, Error> {
    if uri
        .object_type()
        .is_some_and(|t| t != Pkcs11ObjectType::PrivateKey)
    {
        return Err(pkcs11_error(Pkcs11Error::WrongKeyType));
    }
    let keys = matching_objects(session, uri, ObjectClass::PRIVATE_KEY)?;
    match keys.as_slice() {
        [key] => Ok(*key),
        [] => {
            // Something by that name that is not a private key is the wrong kind of object.
            let any = [
                ObjectClass::SECRET_KEY,
                ObjectClass::PUBLIC_KEY,
                ObjectClass::CERTIFICATE,
            ]
            .into_iter()
            .map(|class| matching_objects(session, uri, class))
            .collect::<Result<Vec<_>, _>>()?;
            if (uri.object().is_some() || uri.id().is_some()) && any.iter().any(|v| !v.is_empty()) {
                Err(pkcs11_error(Pkcs11Error::WrongKeyType))
            } else {
                Err(pkcs11_error(Pkcs11Error::ObjectNotFound))
            }
        }
        _ => Err(pkcs11_error(Pkcs11Error::AmbiguousObject)),
    }
}
