//! `applepay platform`: the Web Merchant Registration API, with the platform integrator
//! identity (Apple documents no marker extension for it, so none is required; its key and
//! validity are checked before connecting).

use applepay_crypto::{IdentityRole, MerchantRegistration};
use clap::{Args, Subcommand};

use crate::Failure;
use crate::gateway::{ConnectionArgs, HostArgs, IdentityArgs, api_client};
use crate::merchant_token::print_answer;

/// The platform registration calls.
#[derive(Subcommand)]
pub(crate) enum PlatformCommand {
    /// Register a merchant's web domains (POST registerMerchant).
    Register {
        /// The platform's own identifier of the merchant.
        #[arg(long, value_name = "ID")]
        partner_merchant_id: String,
        /// The merchant's name.
        #[arg(long, value_name = "NAME")]
        partner_merchant_name: String,
        /// The merchant id whose Payment Processing key the payments are encrypted to,
        /// sent as given (Apple hashes it).
        #[arg(long, value_name = "ID")]
        encrypt_to: String,
        /// A domain to register (1 to 99); repeatable.
        #[arg(long = "domain", value_name = "NAME", required = true)]
        domains: Vec<String>,
        /// The merchant's web site.
        #[arg(long, value_name = "URL")]
        merchant_url: Option<String>,
        #[command(flatten)]
        via: Via,
    },
    /// Remove domains from a merchant (POST unregisterMerchant).
    Unregister {
        /// The platform's own identifier of the merchant.
        #[arg(long, value_name = "ID")]
        partner_merchant_id: String,
        /// A domain to remove; repeatable.
        #[arg(long = "domain", value_name = "NAME", required = true)]
        domains: Vec<String>,
        /// Why.
        #[arg(long, value_name = "TEXT")]
        reason: String,
        #[command(flatten)]
        via: Via,
    },
    /// Show what Apple holds for a merchant (GET merchant/{id}).
    Details {
        /// The platform's own identifier of the merchant.
        #[arg(long, value_name = "ID")]
        partner_merchant_id: String,
        #[command(flatten)]
        via: Via,
    },
}

/// How to reach Apple as the platform.
#[derive(Args)]
pub(crate) struct Via {
    #[command(flatten)]
    identity: IdentityArgs,
    #[command(flatten)]
    host: HostArgs,
    #[command(flatten)]
    connection: ConnectionArgs,
}

impl Via {
    fn client(&self) -> Result<applepay_gateway::BlockingGateway, Failure> {
        api_client(
            &self.identity,
            &self.host,
            &self.connection,
            IdentityRole::PlatformIntegrator,
        )
    }
}

pub(crate) fn platform(command: &PlatformCommand) -> Result<(), Failure> {
    let response = match command {
        PlatformCommand::Register {
            partner_merchant_id,
            partner_merchant_name,
            encrypt_to,
            domains,
            merchant_url,
            via,
        } => {
            let domains: Vec<&str> = domains.iter().map(String::as_str).collect();
            let mut merchant = MerchantRegistration::new(
                partner_merchant_id,
                partner_merchant_name,
                encrypt_to,
                &domains,
            )?;
            if let Some(url) = merchant_url {
                merchant = merchant.with_merchant_url(url)?;
            }
            via.client()?.register_merchant(&merchant)
        }
        PlatformCommand::Unregister {
            partner_merchant_id,
            domains,
            reason,
            via,
        } => {
            let domains: Vec<&str> = domains.iter().map(String::as_str).collect();
            via.client()?
                .unregister_merchant(partner_merchant_id, &domains, reason)
        }
        PlatformCommand::Details {
            partner_merchant_id,
            via,
        } => via.client()?.merchant_details(partner_merchant_id),
    };
    print_answer(response)
}
