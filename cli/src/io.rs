//! File and stream I/O: bounded reads of inputs, stdout, and secret files written 0600.
//!
//! Secrets pass through no buffer that is freed or kept without being zeroized: key files
//! are read into a zeroizing buffer sized up front, and standard output is written
//! through a duplicate of its descriptor, not through `std::io::Stdout`, whose buffer
//! lives for the whole process and would keep the tail of the last plaintext or key.

use std::io::{Read, Write};
use std::path::Path;

use zeroize::{Zeroize, Zeroizing};

use crate::Failure;

/// Largest file the CLI reads (tokens, keys and certificates are all far smaller).
const MAX_FILE_LEN: u64 = 1024 * 1024;

/// Creates `path` (mode 0600 on Unix; never overwriting) and writes `bytes` to it.
pub(crate) fn write_secret_file(path: &Path, bytes: &[u8]) -> Result<(), Failure> {
    write_new_file(path, bytes, true)
}

/// Creates `path` (never overwriting; mode 0600 on Unix if `secret`, else as the umask
/// says) and writes `bytes` to it.
pub(crate) fn write_new_file(path: &Path, bytes: &[u8], secret: bool) -> Result<(), Failure> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    if secret {
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    }
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

/// Reads a secret file (a private key, or a file that may be one) into a zeroizing buffer
/// allocated once, at its size from the metadata (capped by [`MAX_FILE_LEN`]): nothing is
/// copied through a growing buffer whose old blocks would be freed with the key in them.
pub(crate) fn read_secret_file(path: &Path) -> Result<Zeroizing<Vec<u8>>, Failure> {
    let cannot = |e: std::io::Error| Failure::Usage(format!("cannot read {}: {e}", path.display()));
    let too_large = || Failure::Usage(format!("{} is larger than 1 MiB", path.display()));
    let mut file = std::fs::File::open(path).map_err(cannot)?;
    let metadata = file.metadata().map_err(cannot)?;
    // A pipe or device has no length: give it the whole limit.
    let expected = if metadata.is_file() {
        metadata.len().min(MAX_FILE_LEN + 1)
    } else {
        MAX_FILE_LEN
    };
    // One byte more than expected, to see a file that grew while being read.
    let capacity = usize::try_from(expected + 1).map_err(|_| too_large())?;
    let mut buf = Zeroizing::new(vec![0u8; capacity]);
    let mut filled = 0;
    while let Some(rest) = buf.get_mut(filled..).filter(|rest| !rest.is_empty()) {
        match file.read(rest) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(cannot(e)),
        }
    }
    if filled as u64 > MAX_FILE_LEN {
        return Err(too_large());
    }
    if filled == capacity {
        return Err(Failure::Usage(format!(
            "{} changed while being read",
            path.display()
        )));
    }
    // Shrinks the length only: the block stays allocated and is zeroized on drop.
    buf.truncate(filled);
    Ok(buf)
}

/// Standard output as an unbuffered file: a duplicate of its descriptor, so what is
/// written goes to the kernel without a copy in `std::io::Stdout`'s buffer.
pub(crate) fn raw_stdout() -> std::io::Result<std::fs::File> {
    #[cfg(unix)]
    {
        use std::os::fd::AsFd;
        Ok(std::io::stdout().as_fd().try_clone_to_owned()?.into())
    }
    #[cfg(windows)]
    {
        use std::os::windows::io::AsHandle;
        Ok(std::io::stdout().as_handle().try_clone_to_owned()?.into())
    }
    #[cfg(not(any(unix, windows)))]
    {
        Err(std::io::Error::other(
            "no unbuffered stdout on this platform",
        ))
    }
}

fn cannot_write(e: std::io::Error) -> Failure {
    Failure::Usage(format!("cannot write stdout: {e}"))
}

/// Writes `bytes` to standard output, unbuffered (see [`raw_stdout`]).
pub(crate) fn write_stdout(bytes: &[u8]) -> Result<(), Failure> {
    raw_stdout()
        .and_then(|mut out| out.write_all(bytes))
        .map_err(cannot_write)
}

/// A buffered standard output whose buffer is allocated once and zeroized after every
/// flush, for output made of plaintexts (`decrypt --batch`).
pub(crate) struct SecretStdout {
    out: std::fs::File,
    buf: Zeroizing<Vec<u8>>,
}

impl SecretStdout {
    /// Buffer size: enough to group many output lines into one write.
    const CAPACITY: usize = 64 * 1024;

    pub(crate) fn new() -> Result<Self, Failure> {
        Ok(Self {
            out: raw_stdout().map_err(cannot_write)?,
            buf: Zeroizing::new(Vec::with_capacity(Self::CAPACITY)),
        })
    }

    /// Appends `bytes`, flushing first if they do not fit; what is larger than the
    /// buffer is written directly. The buffer never grows.
    pub(crate) fn write(&mut self, bytes: &[u8]) -> Result<(), Failure> {
        if self.buf.len().saturating_add(bytes.len()) > Self::CAPACITY {
            self.flush()?;
        }
        if bytes.len() > Self::CAPACITY {
            return self.out.write_all(bytes).map_err(cannot_write);
        }
        self.buf.extend_from_slice(bytes);
        Ok(())
    }

    /// Writes the buffer out and zeroizes it (its capacity is kept).
    pub(crate) fn flush(&mut self) -> Result<(), Failure> {
        let written = self.out.write_all(&self.buf);
        self.buf.zeroize();
        written.map_err(cannot_write)
    }
}
