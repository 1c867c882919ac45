//! `POST /credentials/revoke` (FLOWS 37): revoke leaked tokens without credentials of one's own;
//! 202 `{}` whatever the strings were, so the answer tells nothing about them. Calls are limited
//! per client address on their own (GitHub: 60 an hour), whether or not the API's rate limits
//! are on; over it, 422, as GitHub documents for "the endpoint has been spammed".

use crate::body::JsonObject;
use crate::client_ip::ClientIp;
use crate::error::ApiError;
use crate::middleware::rate_limit::RateKey;
use crate::respond::json_response;
use crate::state::AppState;
use axum::extract::State;
use axum::http::{Extensions, StatusCode};
use axum::response::Response;
use grantd_core::service::{FieldError, MAX_CREDENTIALS};

/// `POST /credentials/revoke`.
pub async fn revoke(
    State(state): State<AppState>,
    extensions: Extensions,
    body: Result<JsonObject, ApiError>,
) -> Result<Response, ApiError> {
    let now = state.services().clock().now().unix_timestamp();
    let key = RateKey::Ip(ClientIp::of(&extensions));
    if let Some(over) = state.revoke_limiter().hit(key, now).filter(|r| r.exceeded()) {
        return Err(ApiError::Rejected(format!(
            "The endpoint has been spammed: at most {} calls an hour from one address.",
            over.limit
        )));
    }
    let credentials = body?
        .string_list_of_at_most("credentials", MAX_CREDENTIALS)?
        .ok_or_else(|| ApiError::missing_field("Credentials", "credentials"))?;
    if credentials.is_empty() {
        return Err(ApiError::Validation(vec![FieldError {
            resource: "Credentials",
            field: "credentials",
            code: "invalid",
            message: Some("credentials must list at least one credential".to_owned()),
        }]));
    }
    state.services().revoke_credentials(&credentials).await?;
    Ok(json_response(StatusCode::ACCEPTED, &serde_json::json!({})))
}
