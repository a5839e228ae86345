//! The calls: a merchant session, the Merchant Token Management API and the Web Merchant
//! Registration API. Each builds its request with the core (every parameter checked
//! before a connection), makes one exchange and checks the answer's shape.

use applepay_crypto::{
    ApiAnswer, ApiRequest, MAX_API_ANSWER_LEN, MAX_MERCHANT_SESSION_LEN, MerchantRegistration,
    MerchantSession, MerchantSessionRequest, MerchantTokenRequests, Method, PlatformRequests,
    ValidationUrl,
};
use uuid::Uuid;

use crate::client::{Answer, Gateway};
use crate::error::GatewayError;

/// A successful (2xx) answer to an API call: its status and, unless Apple sent an empty
/// body (`unlink`'s 204, `publicKey`'s 202), one JSON object, byte for byte.
///
/// Every API call reads at most [`MAX_API_ANSWER_LEN`] (64 KiB) of answer: a longer 2xx
/// answer is [`GatewayError::MalformedAnswer`], refused without reading past the cap.
#[derive(Clone, Debug)]
#[must_use]
pub struct ApiResponse {
    status: u16,
    answer: Option<ApiAnswer>,
    request_id: Uuid,
}

impl ApiResponse {
    /// The HTTP status (2xx).
    #[must_use]
    pub fn status(&self) -> u16 {
        self.status
    }

    /// `true` for `202 Accepted`: Apple has the request but no result yet (a merchant
    /// token's public key that is not ready); ask again later.
    #[must_use]
    pub fn is_pending(&self) -> bool {
        self.status == 202
    }

    /// The answer, if Apple sent a body.
    #[must_use]
    pub fn answer(&self) -> Option<&ApiAnswer> {
        self.answer.as_ref()
    }

    /// The body exactly as Apple sent it (empty when it sent none).
    #[must_use]
    pub fn body(&self) -> &[u8] {
        self.answer.as_ref().map_or(&[], ApiAnswer::as_bytes)
    }

    /// The `x-request-id` the request carried.
    #[must_use]
    pub fn request_id(&self) -> Uuid {
        self.request_id
    }
}

impl Gateway {
    /// Creates a merchant session: POSTs `request` to the browser's validation URL (its
    /// host is one of Apple's, or it would not be a [`ValidationUrl`]) and returns Apple's
    /// answer, a JSON object of at most [`MAX_MERCHANT_SESSION_LEN`] bytes, to hand to the
    /// browser unchanged.
    pub async fn create_session(
        &self,
        url: &ValidationUrl,
        request: &MerchantSessionRequest,
    ) -> Result<MerchantSession, GatewayError> {
        self.require_merchant_identity()?;
        let answer = self
            .exchange(
                reqwest::Method::POST,
                url.as_str(),
                Some(&request.to_json()),
                MAX_MERCHANT_SESSION_LEN,
            )
            .await?;
        MerchantSession::from_json(&answer.body).map_err(|e| GatewayError::MalformedAnswer {
            message: format!("not a merchant session: {e}"),
            request_id: answer.request_id,
        })
    }

    /// `GET …/merchantToken/event/{eventId}`: the event a notification announced, which
    /// is authentic only as this answer (the notification itself is not authenticated).
    pub async fn merchant_token_event(
        &self,
        merchant_id: &str,
        event_id: &str,
    ) -> Result<ApiResponse, GatewayError> {
        self.require_merchant_identity()?;
        let request = MerchantTokenRequests::new(merchant_id)?.event(event_id)?;
        self.call(&request).await
    }

    /// `POST …/merchantToken/unlink`: ends a merchant token (Apple answers 204).
    pub async fn unlink_merchant_token(
        &self,
        merchant_id: &str,
        token_id: &str,
    ) -> Result<ApiResponse, GatewayError> {
        self.require_merchant_identity()?;
        let request = MerchantTokenRequests::new(merchant_id)?.unlink(token_id)?;
        self.call(&request).await
    }

    /// `POST …/merchantToken/updateMerchantMetadata`: where the token's notifications go.
    pub async fn update_merchant_token_metadata(
        &self,
        merchant_id: &str,
        token_id: &str,
        notification_url: &str,
    ) -> Result<ApiResponse, GatewayError> {
        self.require_merchant_identity()?;
        let request =
            MerchantTokenRequests::new(merchant_id)?.update_metadata(token_id, notification_url)?;
        self.call(&request).await
    }

    /// `POST …/merchantToken/publicKey`: the token's public key; a
    /// [pending](ApiResponse::is_pending) answer (202) means not ready yet.
    pub async fn merchant_token_public_key(
        &self,
        merchant_id: &str,
        token_id: &str,
    ) -> Result<ApiResponse, GatewayError> {
        self.require_merchant_identity()?;
        let request = MerchantTokenRequests::new(merchant_id)?.public_key(token_id)?;
        self.call(&request).await
    }

    /// `POST registerMerchant`, with the platform integrator identity (or a Merchant
    /// Identity).
    pub async fn register_merchant(
        &self,
        merchant: &MerchantRegistration,
    ) -> Result<ApiResponse, GatewayError> {
        self.call(&PlatformRequests::register(merchant)).await
    }

    /// `POST unregisterMerchant`: removes domains from a platform's merchant.
    pub async fn unregister_merchant(
        &self,
        partner_merchant_id: &str,
        domain_names: &[&str],
        reason: &str,
    ) -> Result<ApiResponse, GatewayError> {
        let request = PlatformRequests::unregister(partner_merchant_id, domain_names, reason)?;
        self.call(&request).await
    }

    /// `GET merchant/{partnerInternalMerchantIdentifier}`: what Apple holds for a
    /// platform's merchant.
    pub async fn merchant_details(
        &self,
        partner_merchant_id: &str,
    ) -> Result<ApiResponse, GatewayError> {
        self.call(&PlatformRequests::details(partner_merchant_id)?)
            .await
    }

    /// One API request on this gateway's host; the answer capped at
    /// [`MAX_API_ANSWER_LEN`] and, if not empty, a JSON object.
    async fn call(&self, request: &ApiRequest) -> Result<ApiResponse, GatewayError> {
        let method = match request.method() {
            Method::Get => reqwest::Method::GET,
            Method::Post => reqwest::Method::POST,
        };
        let Answer {
            status,
            body,
            request_id,
        } = self
            .exchange(
                method,
                &request.url(self.host()),
                request.body(),
                MAX_API_ANSWER_LEN,
            )
            .await?;
        let answer = if body.is_empty() {
            None
        } else {
            Some(
                ApiAnswer::from_json(&body).map_err(|e| GatewayError::MalformedAnswer {
                    message: format!("the answer is {e}"),
                    request_id,
                })?,
            )
        };
        Ok(ApiResponse {
            status,
            answer,
            request_id,
        })
    }
}
