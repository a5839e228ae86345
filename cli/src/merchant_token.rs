//! `applepay merchant-token`: the Merchant Token Management API, with the Merchant
//! Identity.
//!
//! Each command prints Apple's body byte for byte (nothing for an empty 2xx) and exits 0;
//! `public-key` answered 202 (not ready) prints nothing and exits 75.

use applepay_crypto::IdentityRole;
use applepay_gateway::{ApiResponse, BlockingGateway, GatewayError};
use clap::{Args, Subcommand};

use crate::Failure;
use crate::gateway::{ApiArgs, gateway_failure};
use crate::io::write_stdout;

/// The merchant-token API calls.
#[derive(Subcommand)]
pub(crate) enum MerchantTokenApi {
    /// Fetch the event a life-cycle notification announced (GET event/{eventId}): the
    /// notification is not authenticated, this answer is.
    Event {
        #[command(flatten)]
        target: Target,
        /// The event id from the notification's path.
        #[arg(long, value_name = "ID")]
        event_id: String,
    },
    /// End a merchant token (POST unlink).
    Unlink {
        #[command(flatten)]
        target: Target,
        /// The merchant token identifier.
        #[arg(long, value_name = "ID")]
        token_id: String,
    },
    /// Set where the token's notifications go (POST updateMerchantMetadata).
    UpdateMetadata {
        #[command(flatten)]
        target: Target,
        /// The merchant token identifier.
        #[arg(long, value_name = "ID")]
        token_id: String,
        /// The new tokenNotificationURL (https).
        #[arg(long, value_name = "URL")]
        notification_url: String,
    },
    /// Fetch the token's public key (POST publicKey); exit 75 when Apple answers 202
    /// (not ready yet: try again later).
    PublicKey {
        #[command(flatten)]
        target: Target,
        /// The merchant token identifier.
        #[arg(long, value_name = "ID")]
        token_id: String,
    },
}

/// The merchant, and how to reach Apple as it.
#[derive(Args)]
pub(crate) struct Target {
    /// The merchant identifier the tokens belong to.
    #[arg(long, value_name = "ID")]
    merchant_id: String,
    #[command(flatten)]
    api: ApiArgs,
}

impl Target {
    fn client(&self) -> Result<BlockingGateway, Failure> {
        self.api.client(IdentityRole::MerchantIdentity)
    }
}

pub(crate) fn merchant_token_api(command: &MerchantTokenApi) -> Result<(), Failure> {
    let response = match command {
        MerchantTokenApi::Event { target, event_id } => target
            .client()?
            .merchant_token_event(&target.merchant_id, event_id),
        MerchantTokenApi::Unlink { target, token_id } => target
            .client()?
            .unlink_merchant_token(&target.merchant_id, token_id),
        MerchantTokenApi::UpdateMetadata {
            target,
            token_id,
            notification_url,
        } => target.client()?.update_merchant_token_metadata(
            &target.merchant_id,
            token_id,
            notification_url,
        ),
        MerchantTokenApi::PublicKey { target, token_id } => {
            let response = target
                .client()?
                .merchant_token_public_key(&target.merchant_id, token_id)
                .map_err(|e| gateway_failure(e, "malformed_answer"))?;
            if response.is_pending() {
                return Err(Failure::TryLater);
            }
            Ok(response)
        }
    };
    print_answer(response)
}

/// Apple's body byte for byte on stdout (nothing for an empty answer).
pub(crate) fn print_answer(response: Result<ApiResponse, GatewayError>) -> Result<(), Failure> {
    let response = response.map_err(|e| gateway_failure(e, "malformed_answer"))?;
    write_stdout(response.body())
}
