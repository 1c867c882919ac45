//! `/applications/{client_id}/…`: an OAuth app checks, resets and revokes its tokens with its
//! own credentials (BEHAVIOR section G), in the current form (token in the body) and the legacy
//! one (token in the path, BEHAVIOR 54).
//!
//! A token check is the one operation whose app credentials its handler checks: together with
//! the token, in one store read ([`grantd_core::service::Services::check_token`]); it leaves what
//! it established for the rate limit ([`CheckedBy`]).

use super::{no_content, AppToCheck, CurrentApp, PathParams};
use crate::body::JsonObject;
use crate::error::ApiError;
use crate::identity::CheckedBy;
use crate::respond::token_json_response;
use crate::state::AppState;
use crate::views::{AuthorizationView, Bases};
use axum::extract::State;
use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse as _, Response};
use axum::Extension;
use grantd_core::service::{CheckedToken, TokenCheck};

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
    token_json_response(StatusCode::OK, &view)
}

/// The client id in the path as sent (not decoded), as authentication compares it for every
/// other app route.
fn path_client_id(uri: &Uri) -> &str {
    uri.path().split('/').nth(2).unwrap_or("")
}

/// A token check's answer. Bad credentials or another app's come first, then what was wrong with
/// the request (`request`), then the check's own answer.
fn check_answer(check: TokenCheck, request: Result<(), ApiError>, bases: &Bases) -> Response {
    let mut response = match (check.app, check.result, request) {
        (None, Err(e), _) => ApiError::from(e).into_response(),
        (Some(_), _, Err(e)) => e.into_response(),
        (_, Ok(found), _) => checked(&found, bases),
        (_, Err(e), _) => ApiError::from(e).into_response(),
    };
    response.extensions_mut().insert(CheckedBy(check.app));
    response
}

/// `POST /applications/{client_id}/token` (BEHAVIOR 50).
pub async fn check_token(
    State(state): State<AppState>,
    AppToCheck(creds): AppToCheck,
    Extension(bases): Extension<Bases>,
    uri: Uri,
    body: Result<JsonObject, ApiError>,
) -> Response {
    let token = body.and_then(|body| access_token(&body));
    let check = state
        .services()
        .check_token(
            path_client_id(&uri),
            &creds.client_id,
            &creds.secret,
            token.as_deref().ok(),
        )
        .await;
    check_answer(check, token.map(drop), &bases)
}

/// `PATCH /applications/{client_id}/token` (BEHAVIOR 51).
pub async fn reset_token(
    State(state): State<AppState>,
    CurrentApp(app): CurrentApp,
    Extension(bases): Extension<Bases>,
    body: JsonObject,
) -> Result<Response, ApiError> {
    let token = access_token(&body)?;
    Ok(checked(&state.services().reset_token(&app, &token).await?, &bases))
}

/// `DELETE /applications/{client_id}/token` (BEHAVIOR 52).
pub async fn delete_token(
    State(state): State<AppState>,
    CurrentApp(app): CurrentApp,
    body: JsonObject,
) -> Result<Response, ApiError> {
    let token = access_token(&body)?;
    state.services().delete_token(&app, &token).await?;
    Ok(no_content())
}

/// `DELETE /applications/{client_id}/grant` (BEHAVIOR 48, 52).
pub async fn delete_grant(
    State(state): State<AppState>,
    CurrentApp(app): CurrentApp,
    body: JsonObject,
) -> Result<Response, ApiError> {
    let token = access_token(&body)?;
    state.services().delete_grant_by_token(&app, &token).await?;
    Ok(no_content())
}

/// Legacy `GET /applications/{client_id}/tokens/{access_token}`: check (BEHAVIOR 54).
pub async fn legacy_check(
    State(state): State<AppState>,
    AppToCheck(creds): AppToCheck,
    Extension(bases): Extension<Bases>,
    uri: Uri,
    params: Result<PathParams<(String, String)>, ApiError>,
) -> Response {
    let token = params.map(|PathParams((_, token))| token);
    let check = state
        .services()
        .check_token(
            path_client_id(&uri),
            &creds.client_id,
            &creds.secret,
            token.as_deref().ok(),
        )
        .await;
    check_answer(check, token.map(drop), &bases)
}

/// Legacy `POST /applications/{client_id}/tokens/{access_token}`: reset (BEHAVIOR 54).
pub async fn legacy_reset(
    State(state): State<AppState>,
    CurrentApp(app): CurrentApp,
    Extension(bases): Extension<Bases>,
    PathParams((_, token)): PathParams<(String, String)>,
) -> Result<Response, ApiError> {
    Ok(checked(&state.services().reset_token(&app, &token).await?, &bases))
}

/// Legacy `DELETE /applications/{client_id}/tokens/{access_token}`: revoke (BEHAVIOR 54).
pub async fn legacy_revoke(
    State(state): State<AppState>,
    CurrentApp(app): CurrentApp,
    PathParams((_, token)): PathParams<(String, String)>,
) -> Result<Response, ApiError> {
    state.services().delete_token(&app, &token).await?;
    Ok(no_content())
}

/// Legacy `DELETE /applications/{client_id}/grants/{access_token}`: revoke the grant (BEHAVIOR 54).
pub async fn legacy_revoke_grant(
    State(state): State<AppState>,
    CurrentApp(app): CurrentApp,
    PathParams((_, token)): PathParams<(String, String)>,
) -> Result<Response, ApiError> {
    state.services().delete_grant_by_token(&app, &token).await?;
    Ok(no_content())
}

/// github3.py's `DELETE /applications/{client_id}/tokens`: revoke every token of the app
/// (BEHAVIOR 54; in no description).
pub async fn revoke_all(State(state): State<AppState>, CurrentApp(app): CurrentApp) -> Result<Response, ApiError> {
    state.services().revoke_all_tokens(&app).await?;
    Ok(no_content())
}
