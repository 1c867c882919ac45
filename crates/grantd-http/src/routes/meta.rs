//! `GET /` (the hypermedia root, BEHAVIOR 76), `GET /user` (BEHAVIOR 77) and the 404 fallback.

use super::CurrentUser;
use crate::error::ApiError;
use crate::respond::json_response;
use crate::views::{root as root_view, AuthenticatedUserView, Bases};
use axum::http::StatusCode;
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

/// Any path or method this server does not serve (BEHAVIOR 23).
pub async fn not_found() -> ApiError {
    ApiError::NotFound
}
