//! `GET /` (the hypermedia root, BEHAVIOR 76), `GET /user` (BEHAVIOR 77), `GET /user/emails`
//! (FLOWS 39), `GET /meta` (FLOWS 40) and the 404 fallback.

use super::{list_response, CurrentUser};
use crate::error::ApiError;
use crate::pagination::page_request;
use crate::respond::json_response;
use crate::views::{meta as meta_view, root as root_view, AuthenticatedUserView, Bases, EmailView};
use axum::extract::RawQuery;
use axum::http::{HeaderName, HeaderValue, StatusCode};
use axum::response::Response;
use axum::Extension;

/// `GET /`.
pub async fn root(Extension(bases): Extension<Bases>) -> Response {
    json_response(StatusCode::OK, &root_view(&bases))
}

/// `GET /user`: the private profile with a password or a token with `user`/`read:user`, the
/// public one otherwise.
pub async fn user(CurrentUser(auth): CurrentUser, Extension(bases): Extension<Bases>) -> Response {
    let scopes = auth.token.as_ref().map(|t| &t.scopes);
    json_response(StatusCode::OK, &AuthenticatedUserView::new(&auth.user, &bases, scopes))
}

/// The scopes `GET /user/emails` accepts, as `X-Accepted-OAuth-Scopes` names them.
const EMAIL_SCOPES: &str = "user, user:email";

/// `GET /user/emails`: the user's address, the only one grantd knows, as GitHub's `email`
/// objects (FLOWS 39); `[]` without one. A password login may read it, a token needs `user` or
/// `user:email`; without either GitHub answers 404, as if the resource did not exist.
pub async fn emails(
    CurrentUser(auth): CurrentUser,
    Extension(bases): Extension<Bases>,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    if let Some(token) = &auth.token {
        if !token.scopes.grants("user:email") {
            return Err(ApiError::NotFound);
        }
    }
    let page = page_request(query.as_deref());
    let all = EmailView::of(&auth.user);
    let start = usize::try_from(page.offset()).unwrap_or(usize::MAX).min(all.len());
    let end = start.saturating_add(page.per_page as usize).min(all.len());
    let mut response = list_response(
        &all[start..end],
        &format!("{}/user/emails", bases.api),
        query.as_deref(),
        page,
        all.len() as u64,
    );
    response.headers_mut().insert(
        HeaderName::from_static("x-accepted-oauth-scopes"),
        HeaderValue::from_static(EMAIL_SCOPES),
    );
    Ok(response)
}

/// `GET /meta`: what this server is, for clients that probe it without credentials (FLOWS 40).
pub async fn meta() -> Response {
    json_response(StatusCode::OK, &meta_view())
}

/// Any path or method this server does not serve (BEHAVIOR 23).
pub async fn not_found() -> ApiError {
    ApiError::NotFound
}
