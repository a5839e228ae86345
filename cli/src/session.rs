//! `applepay session`: merchant validation over mutual TLS.
//!
//! The order is the contract: the validation URL is checked, then the identity (marker,
//! key, validity) is loaded — both before any connection — then `applepay-gateway` makes
//! one POST within `--timeout`, and Apple's answer is printed byte for byte.

use applepay_crypto::{Error, IdentityRole, Initiative, MerchantSessionRequest, ValidationUrl};
use applepay_gateway::Gateway;
use clap::{Args, ValueEnum};

use crate::Failure;
use crate::gateway::{ConnectionArgs, IdentityArgs, client, fail, gateway_failure, load_identity};
use crate::io::write_stdout;

#[derive(Args)]
pub(crate) struct SessionArgs {
    /// The validationURL the browser sent; anything but Apple's gateways is refused
    /// before any connection.
    #[arg(long, value_name = "URL")]
    validation_url: String,
    #[command(flatten)]
    identity: IdentityArgs,
    /// The merchant identifier (default: the identity certificate's UID).
    #[arg(long, value_name = "ID")]
    merchant_id: Option<String>,
    /// The site's domain name (initiativeContext).
    #[arg(long, value_name = "NAME")]
    domain: String,
    /// The name shown on the payment sheet (1 to 64 characters).
    #[arg(long, value_name = "NAME")]
    display_name: String,
    /// Where the payment starts.
    #[arg(long, value_enum, default_value = "web")]
    initiative: InitiativeArg,
    #[command(flatten)]
    connection: ConnectionArgs,
}

#[derive(Clone, Copy, ValueEnum)]
enum InitiativeArg {
    #[value(name = "web")]
    Web,
    #[value(name = "messaging")]
    Messaging,
    #[value(name = "in_app")]
    InApp,
}

pub(crate) fn session(args: &SessionArgs) -> Result<(), Failure> {
    let url = ValidationUrl::parse(&args.validation_url).map_err(|e| match e {
        Error::UntrustedValidationUrl(why) => fail("untrusted_validation_url", why),
        other => fail("untrusted_validation_url", other.to_string()),
    })?;
    let identity = load_identity(&args.identity, IdentityRole::MerchantIdentity)?;
    let merchant_id = match (&args.merchant_id, identity.merchant_id()) {
        (Some(id), _) => id.clone(),
        (None, Some(id)) => id.to_owned(),
        (None, None) => {
            return Err(fail(
                "identity",
                "the certificate has no UID (merchant id): pass --merchant-id",
            ));
        }
    };
    let initiative = match args.initiative {
        InitiativeArg::Web => Initiative::Web,
        InitiativeArg::Messaging => Initiative::Messaging,
        InitiativeArg::InApp => Initiative::InApp,
    };
    let request =
        MerchantSessionRequest::new(&merchant_id, &args.display_name, initiative, &args.domain)?;
    let gateway = client(Gateway::builder(identity), &args.connection)?;
    let session = gateway
        .create_session(&url, &request)
        .map_err(|e| gateway_failure(e, "malformed_session"))?;
    write_stdout(session.as_bytes())
}
