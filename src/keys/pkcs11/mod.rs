//! Merchant keys inside a PKCS#11 token (an HSM; SoftHSM2 for testing), feature `pkcs11`.
//!
//! ```text
//! caller:  cryptoki::context::Pkcs11::new(module path)   loading a shared library is I/O,
//!          read the PIN (pin-source file)                  so it stays with the caller
//! crate:   Pkcs11Uri::parse → Pkcs11Module::new → open_key / generate_key / import_key
//!          → Pkcs11Key
//! ```
//!
//! A [`Pkcs11Key`] is a [`crate::MerchantKey`]: put it in a [`crate::Keyring`] to decrypt
//! tokens, or sign a [`crate::Csr`] with it. Neither the private key nor an `EC_v1`
//! token's ECDH secret ever leaves the token.
//!
//! ```no_run
//! use applepay_crypto::pkcs11::{Pkcs11Module, Pkcs11Uri, cryptoki};
//! # fn main() -> Result<(), applepay_crypto::Error> {
//! let uri = Pkcs11Uri::parse("pkcs11:token=merchant;object=payment-processing")?;
//! // The caller's I/O: load the vendor's module.
//! let loaded = cryptoki::context::Pkcs11::new("/usr/lib/softhsm/libsofthsm2.so")
//!     .map_err(applepay_crypto::Error::from)?;
//! let module = Pkcs11Module::new(loaded)?;
//! let key = module.open_key(&uri, Some("1234"))?;
//! println!("{}", key.public_key_hash());
//! # Ok(())
//! # }
//! ```

mod import;
mod key;
mod module;
mod session;
mod uri;

pub use cryptoki;
pub use key::Pkcs11Key;
pub use module::{PKCS11_RSA_KEY_BITS, Pkcs11Module};
pub use uri::{MAX_PKCS11_URI_LEN, Pkcs11ObjectType, Pkcs11Uri};

use cryptoki::context::Function;
use cryptoki::error::{Error as CkError, RvError};

use crate::error::{Error, KeyImportError, Pkcs11Error};

/// DER of the P-256 curve OID (`CKA_EC_PARAMS` of a P-256 key).
const P256_CURVE_DER: [u8; 10] = [0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07];

fn pkcs11_error(e: Pkcs11Error) -> Error {
    Error::KeyImport(KeyImportError::Pkcs11(e))
}

/// Maps a failed call of `function` to the error naming its cause.
fn fail(function: &'static str, e: &CkError) -> Error {
    pkcs11_error(match e {
        CkError::LibraryLoading(_) | CkError::MissingSymbol(_) => Pkcs11Error::ModuleLoad,
        CkError::Pkcs11(rv, _) => match rv {
            RvError::PinIncorrect | RvError::PinInvalid | RvError::PinLenRange => {
                Pkcs11Error::WrongPin
            }
            RvError::PinLocked => Pkcs11Error::PinLocked,
            RvError::KeyFunctionNotPermitted => Pkcs11Error::UsageNotAllowed(function),
            RvError::KeyTypeInconsistent => Pkcs11Error::WrongKeyType,
            _ => Pkcs11Error::Module {
                function,
                code: rv_name(*rv),
            },
        },
        _ => Pkcs11Error::Module {
            function,
            code: "error in the pkcs11 binding",
        },
    })
}

/// Like [`fail`], but a module that refuses `mechanism` (it is not implemented, or not
/// with these parameters) is [`Pkcs11Error::MechanismUnsupported`] naming it.
fn mechanism_error(e: &CkError, mechanism: &'static str, function: &'static str) -> Error {
    match e {
        CkError::Pkcs11(
            RvError::MechanismInvalid | RvError::MechanismParamInvalid | RvError::ArgumentsBad,
            _,
        )
        | CkError::NotSupported => pkcs11_error(Pkcs11Error::MechanismUnsupported(mechanism)),
        _ => fail(function, e),
    }
}

/// Whether `e` is a refusal by `C_DecryptInit` (before the ciphertext was looked at) of
/// the mechanism or its parameters.
fn is_decrypt_init_refusal(e: &CkError) -> bool {
    matches!(
        e,
        CkError::Pkcs11(
            RvError::MechanismInvalid | RvError::MechanismParamInvalid | RvError::ArgumentsBad,
            Function::DecryptInit,
        )
    )
}

impl From<CkError> for Error {
    /// A failure of the `cryptoki` binding, typically from loading the module
    /// (`cryptoki::context::Pkcs11::new`), which is then [`Pkcs11Error::ModuleLoad`].
    fn from(e: CkError) -> Self {
        fail("pkcs11", &e)
    }
}

/// The `CKR_` name of the return values a merchant key can meet.
fn rv_name(rv: RvError) -> &'static str {
    match rv {
        RvError::GeneralError => "CKR_GENERAL_ERROR",
        RvError::HostMemory => "CKR_HOST_MEMORY",
        RvError::FunctionFailed => "CKR_FUNCTION_FAILED",
        RvError::ArgumentsBad => "CKR_ARGUMENTS_BAD",
        RvError::DeviceError => "CKR_DEVICE_ERROR",
        RvError::DeviceMemory => "CKR_DEVICE_MEMORY",
        RvError::DeviceRemoved => "CKR_DEVICE_REMOVED",
        RvError::FunctionNotSupported => "CKR_FUNCTION_NOT_SUPPORTED",
        RvError::KeyHandleInvalid => "CKR_KEY_HANDLE_INVALID",
        RvError::KeySizeRange => "CKR_KEY_SIZE_RANGE",
        RvError::MechanismInvalid => "CKR_MECHANISM_INVALID",
        RvError::MechanismParamInvalid => "CKR_MECHANISM_PARAM_INVALID",
        RvError::ObjectHandleInvalid => "CKR_OBJECT_HANDLE_INVALID",
        RvError::OperationActive => "CKR_OPERATION_ACTIVE",
        RvError::PinExpired => "CKR_PIN_EXPIRED",
        RvError::SessionCount => "CKR_SESSION_COUNT",
        RvError::SessionHandleInvalid => "CKR_SESSION_HANDLE_INVALID",
        RvError::SessionReadOnly => "CKR_SESSION_READ_ONLY",
        RvError::TemplateIncomplete => "CKR_TEMPLATE_INCOMPLETE",
        RvError::TemplateInconsistent => "CKR_TEMPLATE_INCONSISTENT",
        RvError::AttributeValueInvalid => "CKR_ATTRIBUTE_VALUE_INVALID",
        RvError::AttributeReadOnly => "CKR_ATTRIBUTE_READ_ONLY",
        RvError::TokenNotPresent => "CKR_TOKEN_NOT_PRESENT",
        RvError::TokenNotRecognized => "CKR_TOKEN_NOT_RECOGNIZED",
        RvError::TokenWriteProtected => "CKR_TOKEN_WRITE_PROTECTED",
        RvError::UserNotLoggedIn => "CKR_USER_NOT_LOGGED_IN",
        RvError::UserPinNotInitialized => "CKR_USER_PIN_NOT_INITIALIZED",
        RvError::UserTypeInvalid => "CKR_USER_TYPE_INVALID",
        RvError::CryptokiNotInitialized => "CKR_CRYPTOKI_NOT_INITIALIZED",
        _ => "another CKR_ error",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cause(rv: RvError, function: Function) -> Error {
        fail("C_Login", &CkError::Pkcs11(rv, function))
    }

    /// The causes SoftHSM2 cannot produce (it never locks a PIN) map as the others do.
    #[test]
    fn return_values_name_their_cause() {
        let p = |e| Error::KeyImport(KeyImportError::Pkcs11(e));
        assert_eq!(
            cause(RvError::PinLocked, Function::Login),
            p(Pkcs11Error::PinLocked)
        );
        assert_eq!(
            cause(RvError::PinIncorrect, Function::Login),
            p(Pkcs11Error::WrongPin)
        );
        assert_eq!(
            cause(RvError::DeviceRemoved, Function::Login),
            p(Pkcs11Error::Module {
                function: "C_Login",
                code: "CKR_DEVICE_REMOVED"
            })
        );
        assert_eq!(
            mechanism_error(
                &CkError::Pkcs11(RvError::MechanismInvalid, Function::SignInit),
                "CKM_ECDSA",
                "C_Sign"
            ),
            p(Pkcs11Error::MechanismUnsupported("CKM_ECDSA"))
        );
        assert!(is_decrypt_init_refusal(&CkError::Pkcs11(
            RvError::ArgumentsBad,
            Function::DecryptInit
        )));
        assert!(!is_decrypt_init_refusal(&CkError::Pkcs11(
            RvError::ArgumentsBad,
            Function::Decrypt
        )));
        let text = p(Pkcs11Error::PinLocked).to_string();
        assert!(text.contains("locked"), "{text}");
    }
}
