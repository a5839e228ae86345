//! File and stream I/O: bounded reads of inputs, stdout, and secret files written 0600.

use std::io::{Read, Write};
use std::path::Path;

use zeroize::Zeroizing;

use crate::Failure;

/// Largest file the CLI reads (tokens, keys and certificates are all far smaller).
const MAX_FILE_LEN: u64 = 1024 * 1024;

/// Creates `path` (mode 0600 on Unix; never overwriting) and writes `bytes` to it.
pub(crate) fn write_secret_file(path: &Path, bytes: &[u8]) -> Result<(), Failure> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let cannot =
        |e: std::io::Error| Failure::Usage(format!("cannot write {}: {e}", path.display()));
    let mut file = options.open(path).map_err(cannot)?;
    file.write_all(bytes)
        .and_then(|()| file.sync_all())
        .map_err(cannot)
}

/// Reads a file, or stdin for `-`, refusing anything over [`MAX_FILE_LEN`].
pub(crate) fn read_input(path: &Path) -> Result<Vec<u8>, Failure> {
    if path == Path::new("-") {
        let mut buf = Vec::new();
        std::io::stdin()
            .take(MAX_FILE_LEN + 1)
            .read_to_end(&mut buf)
            .map_err(|e| Failure::Usage(format!("cannot read stdin: {e}")))?;
        if buf.len() as u64 > MAX_FILE_LEN {
            return Err(Failure::Usage("stdin is larger than 1 MiB".into()));
        }
        return Ok(buf);
    }
    read_file(path)
}

pub(crate) fn read_file(path: &Path) -> Result<Vec<u8>, Failure> {
    let cannot = |e: std::io::Error| Failure::Usage(format!("cannot read {}: {e}", path.display()));
    let file = std::fs::File::open(path).map_err(cannot)?;
    let mut buf = Vec::new();
    file.take(MAX_FILE_LEN + 1)
        .read_to_end(&mut buf)
        .map_err(cannot)?;
    if buf.len() as u64 > MAX_FILE_LEN {
        return Err(Failure::Usage(format!(
            "{} is larger than 1 MiB",
            path.display()
        )));
    }
    Ok(buf)
}

/// Reads a file holding a secret (a private key, a password) into zeroizing memory,
/// sized from the file's length before reading: a buffer grown by reallocation would
/// leave copies of the secret in freed memory. Refuses anything over [`MAX_FILE_LEN`].
pub(crate) fn read_secret_file(path: &Path) -> Result<Zeroizing<Vec<u8>>, Failure> {
    let cannot = |e: std::io::Error| Failure::Usage(format!("cannot read {}: {e}", path.display()));
    let too_large = || Failure::Usage(format!("{} is larger than 1 MiB", path.display()));
    let file = std::fs::File::open(path).map_err(cannot)?;
    let len = file.metadata().map_err(cannot)?.len();
    if len > MAX_FILE_LEN {
        return Err(too_large());
    }
    // One spare byte: `read_to_end` then sees the end of the file without growing.
    let capacity = usize::try_from(len)
        .map_err(|_| too_large())?
        .saturating_add(1);
    let mut buf = Zeroizing::new(Vec::with_capacity(capacity));
    file.take(MAX_FILE_LEN + 1)
        .read_to_end(&mut buf)
        .map_err(cannot)?;
    if buf.len() as u64 > MAX_FILE_LEN {
        return Err(too_large());
    }
    Ok(buf)
}

pub(crate) fn write_stdout(bytes: &[u8]) -> Result<(), Failure> {
    let mut out = std::io::stdout().lock();
    out.write_all(bytes)
        .and_then(|()| out.flush())
        .map_err(|e| Failure::Usage(format!("cannot write stdout: {e}")))
}
