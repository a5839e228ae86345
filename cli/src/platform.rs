//! `applepay platform`: the Web Merchant Registration API, with the platform integrator
//! identity (Apple documents no marker extension for it, so none is required; its key and
//! validity are checked before connecting).

use applepay_crypto::{IdentityRole, MerchantRegistration};
use clap::Subcommand;

use crate::Failure;
use crate::gateway::ApiArgs;
use crate::merchant_token::print_answer;

/// The platform calls authenticate as the platform integrator.
const PLATFORM: IdentityRole = IdentityRole::PlatformIntegrator;

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
        via: ApiArgs,
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
        via: ApiArgs,
    },
    /// Show what Apple holds for a merchant (GET merchant/{id}).
    Details {
        /// The platform's own identifier of the merchant.
        #[arg(long, value_name = "ID")]
        partner_merchant_id: String,
        #[command(flatten)]
        via: ApiArgs,
    },
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
            via.client(PLATFORM)?.register_merchant(&merchant)
        }
        PlatformCommand::Unregister {
            partner_merchant_id,
            domains,
            reason,
            via,
        } => {
            let domains: Vec<&str> = domains.iter().map(String::as_str).collect();
            via.client(PLATFORM)?
                .unregister_merchant(partner_merchant_id, &domains, reason)
        }
        PlatformCommand::Details {
            partner_merchant_id,
            via,
        } => via
            .client(IdentityRole::PlatformIntegrator)?
            .merchant_details(partner_merchant_id),
    };
    print_answer(response)
}
