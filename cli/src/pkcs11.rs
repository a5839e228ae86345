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

/// Largest `pin-source` file read: PINs are short, and a file of a few lines is surely
/// not one (the PIN is its first line).
const MAX_PIN_FILE_LEN: usize = 4096;

/// A `pin-source` that cannot be used: kind `key_import`, exit 1. The message never names
/// the file: it is in the URI's query, which is not printed.
fn pin_source_error(why: &str) -> Failure {
    Failure::Kind(
        "key_import",
        format!("{}: {why}", Pkcs11Error::PinSourceUnreadable),
    )
}

/// The PIN from `pin-source` (a `file:` URI or a path): the first line, without its line
/// ending. Without one the library uses `pin-value`, if any.
///
/// The file must be a regular file of at most [`MAX_PIN_FILE_LEN`] bytes: a FIFO would
/// block for ever and a device (`/dev/zero`) never ends, so both are refused before a
/// byte is read. It is opened without blocking (a FIFO swapped in after the check does
/// not hang the open) and checked again once open, then read into one zeroizing buffer.
fn pin(uri: &Pkcs11Uri) -> Result<Option<Zeroizing<String>>, Failure> {
    use std::io::Read;

    let Some(source) = uri.pin_source() else {
        return Ok(None);
    };
    let path = source
        .strip_prefix("file://")
        .or_else(|| source.strip_prefix("file:"))
        .unwrap_or(source);
    let regular = |metadata: std::io::Result<std::fs::Metadata>| match metadata {
        Ok(m) if m.is_file() => Ok(()),
        Ok(_) => Err(pin_source_error(
            "not a regular file (a FIFO, device or directory is refused)",
        )),
        Err(e) => Err(pin_source_error(&e.to_string())),
    };
    regular(std::fs::metadata(path))?;
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::custom_flags(&mut options, libc::O_NONBLOCK);
    let file = options
        .open(path)
        .map_err(|e| pin_source_error(&e.to_string()))?;
    regular(file.metadata())?;
    // One byte more than allowed, to see a file that is too large.
    let mut buf = Zeroizing::new(vec![0u8; MAX_PIN_FILE_LEN + 1]);
    let mut filled = 0;
    let mut reader = file.take(MAX_PIN_FILE_LEN as u64 + 1);
    while let Some(rest) = buf.get_mut(filled..).filter(|rest| !rest.is_empty()) {
        match reader.read(rest) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(pin_source_error(&e.to_string())),
        }
    }
    if filled > MAX_PIN_FILE_LEN {
        return Err(pin_source_error(&format!(
            "larger than {MAX_PIN_FILE_LEN} bytes"
        )));
    }
    let text = buf.get(..filled).unwrap_or_default();
    let line = text.split(|&b| b == b'\n').next().unwrap_or_default();
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    let pin = std::str::from_utf8(line).map_err(|_| pin_source_error("not UTF-8"))?;
    Ok(Some(Zeroizing::new(pin.to_owned())))
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
