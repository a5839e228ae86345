//! Merchant validation commands: `validation-url`.

use applepay_crypto::ValidationUrl;
use clap::Args;

use crate::Failure;
use crate::io::write_stdout;

#[derive(Args)]
pub(crate) struct ValidationUrlArgs {
    /// The validationURL the browser sent.
    pub(crate) url: String,
}

pub(crate) fn validation_url(args: &ValidationUrlArgs) -> Result<(), Failure> {
    ValidationUrl::parse(&args.url)?;
    write_stdout(b"ok\n")
}
