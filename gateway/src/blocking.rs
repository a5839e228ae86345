//! The blocking facade: the same calls for code without an async runtime (the `applepay`
//! CLI, scripts, thread-per-request servers).

use applepay_crypto::{
    MerchantRegistration, MerchantSession, MerchantSessionRequest, ValidationUrl,
};

use crate::calls::ApiResponse;
use crate::client::{Gateway, GatewayBuilder};
use crate::error::GatewayError;

/// A [`Gateway`] with its own single-threaded tokio runtime, each call blocking until it
/// ends or its deadline passes. Connections are pooled across calls as in the async
/// client. Do not use it inside an async runtime (it would block that runtime's thread):
/// use [`Gateway`] there.
#[derive(Debug)]
pub struct BlockingGateway {
    runtime: tokio::runtime::Runtime,
    gateway: Gateway,
}

impl BlockingGateway {
    /// Builds the client as [`GatewayBuilder::build`] does.
    pub fn new(builder: GatewayBuilder) -> Result<Self, GatewayError> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(GatewayError::Runtime)?;
        let gateway = runtime.block_on(builder.build())?;
        Ok(Self { runtime, gateway })
    }

    /// The async client underneath.
    #[must_use]
    pub fn gateway(&self) -> &Gateway {
        &self.gateway
    }

    /// [`Gateway::create_session`].
    pub fn create_session(
        &self,
        url: &ValidationUrl,
        request: &MerchantSessionRequest,
    ) -> Result<MerchantSession, GatewayError> {
        self.runtime
            .block_on(self.gateway.create_session(url, request))
    }

    /// [`Gateway::merchant_token_event`].
    pub fn merchant_token_event(
        &self,
        merchant_id: &str,
        event_id: &str,
    ) -> Result<ApiResponse, GatewayError> {
        self.runtime
            .block_on(self.gateway.merchant_token_event(merchant_id, event_id))
    }

    /// [`Gateway::unlink_merchant_token`].
    pub fn unlink_merchant_token(
        &self,
        merchant_id: &str,
        token_id: &str,
    ) -> Result<ApiResponse, GatewayError> {
        self.runtime
            .block_on(self.gateway.unlink_merchant_token(merchant_id, token_id))
    }

    /// [`Gateway::update_merchant_token_metadata`].
    pub fn update_merchant_token_metadata(
        &self,
        merchant_id: &str,
        token_id: &str,
        notification_url: &str,
    ) -> Result<ApiResponse, GatewayError> {
        self.runtime
            .block_on(self.gateway.update_merchant_token_metadata(
                merchant_id,
                token_id,
                notification_url,
            ))
    }

    /// [`Gateway::merchant_token_public_key`].
    pub fn merchant_token_public_key(
        &self,
        merchant_id: &str,
        token_id: &str,
    ) -> Result<ApiResponse, GatewayError> {
        self.runtime.block_on(
            self.gateway
                .merchant_token_public_key(merchant_id, token_id),
        )
    }

    /// [`Gateway::register_merchant`].
    pub fn register_merchant(
        &self,
        merchant: &MerchantRegistration,
    ) -> Result<ApiResponse, GatewayError> {
        self.runtime
            .block_on(self.gateway.register_merchant(merchant))
    }

    /// [`Gateway::unregister_merchant`].
    pub fn unregister_merchant(
        &self,
        partner_merchant_id: &str,
        domain_names: &[&str],
        reason: &str,
    ) -> Result<ApiResponse, GatewayError> {
        self.runtime.block_on(self.gateway.unregister_merchant(
            partner_merchant_id,
            domain_names,
            reason,
        ))
    }

    /// [`Gateway::merchant_details`].
    pub fn merchant_details(&self, partner_merchant_id: &str) -> Result<ApiResponse, GatewayError> {
        self.runtime
            .block_on(self.gateway.merchant_details(partner_merchant_id))
    }
}
