//! `import`: an existing key file into a PKCS#11 token.

use std::path::PathBuf;

use clap::Args;

use crate::Failure;
use crate::keys::PasswordArgs;

#[derive(Args)]
pub(crate) struct ImportArgs {
    /// The private key to import: PEM or DER (SEC1, PKCS#8, PKCS#1), encrypted PKCS#8, or
    /// .p12. A file, not a pkcs11: URI.
    #[arg(long, value_name = "FILE")]
    pub(crate) key: PathBuf,
    #[command(flatten)]
    pub(crate) passwords: PasswordArgs,
    /// The PKCS#11 token to put the key in, as a `pkcs11:` URI with `object=` (the label)
    /// and optionally `id=` (default: the public key hash's 32 bytes), plus
    /// `module-path=` and `pin-source=` or `pin-value=`. The key becomes a sensitive,
    /// non-extractable private key object with its public key object beside it; the same
    /// URI then works wherever a key is taken.
    #[arg(long, value_name = "URI")]
    pub(crate) pkcs11: String,
}

/// Imports the key and prints its public key hash.
#[cfg(feature = "pkcs11")]
pub(crate) fn import(args: &ImportArgs) -> Result<(), Failure> {
    use crate::io::write_stdout;
    use crate::keys::{AnyKey, load_key, pkcs11_uri};

    if pkcs11_uri(&args.key).is_some() {
        return Err(Failure::Usage(
            "--key takes a key file: a key already in a token stays there".into(),
        ));
    }
    let AnyKey::File(key) = load_key(&args.key, &args.passwords)?.key else {
        return Err(Failure::Usage("--key takes a key file".into()));
    };
    let imported = crate::pkcs11::import_key(&args.pkcs11, &key)?;
    write_stdout(format!("{}\n", imported.public_key_hash()).as_bytes())
}

#[cfg(not(feature = "pkcs11"))]
pub(crate) fn import(_: &ImportArgs) -> Result<(), Failure> {
    Err(Failure::Usage(
        "import needs applepay built with --features pkcs11".into(),
    ))
}
