//! `pkcs11:` URIs wherever a key is taken (feature `pkcs11`): the I/O the library leaves
//! to its caller — loading the module a URI names, reading a `pin-source` file.

use std::sync::{Mutex, PoisonError};

use applepay_crypto::pkcs11::{Pkcs11Key, Pkcs11Module, Pkcs11Uri, cryptoki};
use applepay_crypto::{Error, KeyAlgorithm, KeyImportError, Pkcs11Error, PrivateKey};
use zeroize::Zeroizing;

use crate::Failure;

/// Modules loaded so far, by path: each is loaded and initialised once per process, and
/// its keys share it.
static MODULES: Mutex<Vec<(String, Pkcs11Module)>> = Mutex::new(Vec::new());

fn key_import(e: Pkcs11Error) -> Failure {
    Failure::from(Error::KeyImport(KeyImportError::Pkcs11(e)))
}

/// The module `uri` names by `module-path`, loaded once.
fn module(uri: &Pkcs11Uri) -> Result<Pkcs11Module, Failure> {
    let path = uri
        .module_path()
        .ok_or_else(|| key_import(Pkcs11Error::NoModule))?;
    let mut modules = MODULES.lock().unwrap_or_else(PoisonError::into_inner);
    if let Some((_, module)) = modules.iter().find(|(p, _)| p == path) {
        return Ok(module.clone());
    }
    let loaded = cryptoki::context::Pkcs11::new(path).map_err(Error::from)?;
    let module = Pkcs11Module::new(loaded)?;
    modules.push((path.to_owned(), module.clone()));
    Ok(module)
}

/// The PIN from `pin-source` (a `file:` URI or a path; one trailing newline dropped).
/// Without one the library uses `pin-value`, if any.
fn pin(uri: &Pkcs11Uri) -> Result<Option<Zeroizing<String>>, Failure> {
    let Some(source) = uri.pin_source() else {
        return Ok(None);
    };
    let path = source
        .strip_prefix("file://")
        .or_else(|| source.strip_prefix("file:"))
        .unwrap_or(source);
    let text = std::fs::read_to_string(path)
        .map(Zeroizing::new)
        .map_err(|_| key_import(Pkcs11Error::PinSourceUnreadable))?;
    let line = text.strip_suffix('\n').unwrap_or(&text);
    let line = line.strip_suffix('\r').unwrap_or(line);
    Ok(Some(Zeroizing::new(line.to_owned())))
}

/// Opens the key a `pkcs11:` URI names.
pub(crate) fn open_key(text: &str) -> Result<Pkcs11Key, Failure> {
    let uri = Pkcs11Uri::parse(text)?;
    let module = module(&uri)?;
    let pin = pin(&uri)?;
    Ok(module.open_key(&uri, pin.as_ref().map(|p| p.as_str()))?)
}

/// Generates a key pair inside the token a `pkcs11:` URI names.
pub(crate) fn generate_key(text: &str, algorithm: KeyAlgorithm) -> Result<Pkcs11Key, Failure> {
    let uri = Pkcs11Uri::parse(text)?;
    let module = module(&uri)?;
    let pin = pin(&uri)?;
    Ok(module.generate_key(&uri, pin.as_ref().map(|p| p.as_str()), algorithm)?)
}

/// Imports `key` into the token a `pkcs11:` URI names.
pub(crate) fn import_key(text: &str, key: &PrivateKey) -> Result<Pkcs11Key, Failure> {
    let uri = Pkcs11Uri::parse(text)?;
    let module = module(&uri)?;
    let pin = pin(&uri)?;
    Ok(module.import_key(&uri, pin.as_ref().map(|p| p.as_str()), key)?)
}
