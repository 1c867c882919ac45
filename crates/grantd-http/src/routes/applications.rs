//! `/applications/{client_id}/…`: an OAuth app checks, resets and revokes its tokens with its
//! own credentials (BEHAVIOR section G), in the current form (token in the body) and the legacy
//! one (token in the path, BEHAVIOR 54).

use super::{no_content, CurrentApp, PathParams};
use crate::body::JsonObject;
use crate::error::ApiError;
use crate::respond::json_response;
use crate::state::AppState;
use crate::views::{AuthorizationView, Bases};
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::Extension;
use grantd_core::service::CheckedToken;

fn access_token(body: &JsonObject) -> Result<String, ApiError> {
    body.string("access_token")?
        .filter(|t| !t.trim().is_empty())
        .ok_or_else(|| ApiError::missing_field("Application", "access_token"))
}

fn checked(checked: &CheckedToken, bases: &Bases) -> Response {
    let view = AuthorizationView::new(
        &checked.authorization,
        bases,
        Some(checked.token.expose()),
        Some(&checked.user),
    );
    json_response(StatusCode::OK, &view)
}

/// `POST /applications/{client_id}/token` (BEHAVIOR 50).
pub async fn check_token(
    State(state): State<AppState>,
    CurrentApp(app): CurrentApp,
    Extension(bases): Extension<Bases>,
    body: JsonObject,
) -> Result<Response, ApiError> {
    let token = access_token(&body)?;
    Ok(checked(&state.services().check_token(&app.0, &token).await?, &bases))
}

/// `PATCH /applications/{client_id}/token` (BEHAVIOR 51).
pub async fn reset_token(
    State(state): State<AppState>,
    CurrentApp(app): CurrentApp,
    Extension(bases): Extension<Bases>,
    body: JsonObject,
) -> Result<Response, ApiError> {
    let token = access_token(&body)?;
    Ok(checked(&state.services().reset_token(&app.0, &token).await?, &bases))
}

/// `DELETE /applications/{client_id}/token` (BEHAVIOR 52).
pub async fn delete_token(
    State(state): State<AppState>,
    CurrentApp(app): CurrentApp,
    body: JsonObject,
) -> Result<Response, ApiError> {
    let token = access_token(&body)?;
    state.services().delete_token(&app.0, &token).await?;
    Ok(no_content())
}

/// `DELETE /applications/{client_id}/grant` (BEHAVIOR 48, 52).
pub async fn delete_grant(
    State(state): State<AppState>,
    CurrentApp(app): CurrentApp,
    body: JsonObject,
) -> Result<Response, ApiError> {
    let token = access_token(&body)?;
    state.services().delete_grant_by_token(&app.0, &token).await?;
    Ok(no_content())
}

/// Legacy `GET /applications/{client_id}/tokens/{access_token}`: check (BEHAVIOR 54).
pub async fn legacy_check(
    State(state): State<AppState>,
    CurrentApp(app): CurrentApp,
    Extension(bases): Extension<Bases>,
    PathParams((_, token)): PathParams<(String, String)>,
) -> Result<Response, ApiError> {
    Ok(checked(&state.services().check_token(&app.0, &token).await?, &bases))
}

/// Legacy `POST /applications/{client_id}/tokens/{access_token}`: reset (BEHAVIOR 54).
pub async fn legacy_reset(
    State(state): State<AppState>,
    CurrentApp(app): CurrentApp,
    Extension(bases): Extension<Bases>,
    PathParams((_, token)): PathParams<(String, String)>,
) -> Result<Response, ApiError> {
    Ok(checked(&state.services().reset_token(&app.0, &token).await?, &bases))
}

/// Legacy `DELETE /applications/{client_id}/tokens/{access_token}`: revoke (BEHAVIOR 54).
pub async fn legacy_revoke(
    State(state): State<AppState>,
    CurrentApp(app): CurrentApp,
    PathParams((_, token)): PathParams<(String, String)>,
) -> Result<Response, ApiError> {
    state.services().delete_token(&app.0, &token).await?;
    Ok(no_content())
}

/// Legacy `DELETE /applications/{client_id}/grants/{access_token}`: revoke the grant (BEHAVIOR 54).
pub async fn legacy_revoke_grant(
    State(state): State<AppState>,
    CurrentApp(app): CurrentApp,
    PathParams((_, token)): PathParams<(String, String)>,
) -> Result<Response, ApiError> {
    state.services().delete_grant_by_token(&app.0, &token).await?;
    Ok(no_content())
}

/// github3.py's `DELETE /applications/{client_id}/tokens`: revoke every token of the app
/// (BEHAVIOR 54; in no description).
pub async fn revoke_all(State(state): State<AppState>, CurrentApp(app): CurrentApp) -> Result<Response, ApiError> {
    state.services().revoke_all_tokens(&app.0).await?;
    Ok(no_content())
}
