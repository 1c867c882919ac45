//! The routes, one module per resource; each handler extracts, calls one service function and
//! maps the result to a view.

pub mod applications;
pub mod authorizations;
pub mod grants;
pub mod meta;

use crate::auth::{AuthApp, AuthUser, Identity};
use crate::error::ApiError;
use crate::pagination::link_header;
use crate::respond::json_response;
use axum::extract::{FromRequestParts, Path};
use axum::http::request::Parts;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::Response;
use grantd_core::model::PageRequest;
use serde::de::DeserializeOwned;
use serde::Serialize;

/// The user the gate authenticated.
pub struct CurrentUser(pub AuthUser);

impl<S: Send + Sync> FromRequestParts<S> for CurrentUser {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        match parts.extensions.get::<Identity>() {
            Some(Identity::User(user)) => Ok(Self(AuthUser::clone(user))),
            _ => Err(ApiError::RequiresAuthentication),
        }
    }
}

/// The app the gate authenticated.
pub struct CurrentApp(pub AuthApp);

impl<S: Send + Sync> FromRequestParts<S> for CurrentApp {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        match parts.extensions.get::<Identity>() {
            Some(Identity::App(app)) => Ok(Self(app.clone())),
            _ => Err(ApiError::RequiresAuthentication),
        }
    }
}

/// The path's parameters, percent-decoded. axum's own `Path` answers a parameter that is not UTF-8
/// once decoded (`/authorizations/%FF`) with a plain-text 400; no id, token, client_id or
/// fingerprint can be such a string, so this is GitHub's JSON 404 instead (BEHAVIOR 12, 22).
pub struct PathParams<T>(pub T);

impl<S, T> FromRequestParts<S> for PathParams<T>
where
    S: Send + Sync,
    T: DeserializeOwned + Send,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match Path::<T>::from_request_parts(parts, state).await {
            Ok(Path(value)) => Ok(Self(value)),
            Err(_) => Err(ApiError::NotFound),
        }
    }
}

/// A numeric id from the path; anything else is 404 (the resource cannot exist).
pub fn parse_id(raw: &str) -> Result<i64, ApiError> {
    raw.parse::<i64>().ok().filter(|id| *id > 0).ok_or(ApiError::NotFound)
}

/// A 200 list answer with the `Link` header.
pub fn list_response<T: Serialize>(
    items: &[T],
    url_base: &str,
    query: Option<&str>,
    page: PageRequest,
    total: u64,
) -> Response {
    let mut response = json_response(StatusCode::OK, items);
    if let Some(link) = link_header(url_base, query, page, total) {
        if let Ok(v) = HeaderValue::from_str(&link) {
            response.headers_mut().insert(header::LINK, v);
        }
    }
    response
}

/// A 201 answer with `Location` (BEHAVIOR 38), or a 200 with `Location` for get-or-create's
/// existing authorization.
pub fn with_location(mut response: Response, location: &str) -> Response {
    if let Ok(v) = HeaderValue::from_str(location) {
        response.headers_mut().insert(header::LOCATION, v);
    }
    response
}

/// 204 No Content.
pub fn no_content() -> Response {
    let mut response = Response::new(axum::body::Body::empty());
    *response.status_mut() = StatusCode::NO_CONTENT;
    response
}
