//! `POST /credentials/revoke` (FLOWS 37): revoke leaked tokens without credentials of one's own;
//! 202 `{}` whatever the strings were, so the answer tells nothing about them.

use crate::body::JsonObject;
use crate::error::ApiError;
use crate::respond::json_response;
use crate::state::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use grantd_core::service::{FieldError, MAX_CREDENTIALS};

/// `POST /credentials/revoke`.
pub async fn revoke(State(state): State<AppState>, body: JsonObject) -> Result<Response, ApiError> {
    let credentials = body
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
