//! The handlers, one module per resource; each extracts, calls one service function and maps
//! the result to a view. [`call`] runs the handler of an operation of [`crate::urls`].

pub mod applications;
pub mod authorizations;
pub mod credentials;
pub mod grants;
pub mod meta;

use crate::error::ApiError;
use crate::identity::{AppBasic, AuthUser, Identity};
use crate::pagination::link_header;
use crate::respond::json_response;
use crate::state::AppState;
use crate::urls::{route_of, Endpoint};
use axum::extract::{FromRequestParts, Request};
use axum::handler::Handler;
use axum::http::request::Parts;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::Response;
use grantd_core::model::{App, PageRequest};
use serde::Serialize;
use std::future::Future;
use std::pin::Pin;

/// Runs the handler of `endpoint`.
pub fn call(endpoint: Endpoint, req: Request, state: AppState) -> Pin<Box<dyn Future<Output = Response> + Send>> {
    use applications as apps;
    use authorizations as authz;
    use Endpoint as E;
    match endpoint {
        E::Root => meta::root.call(req, state),
        E::User => meta::user.call(req, state),
        E::UserEmails => meta::emails.call(req, state),
        E::Meta => meta::meta.call(req, state),
        E::ListAuthorizations => authz::list.call(req, state),
        E::CreateAuthorization => authz::create.call(req, state),
        E::GetOrCreateAuthorization => authz::get_or_create.call(req, state),
        E::GetOrCreateAuthorizationWithFingerprint => authz::get_or_create_with_fingerprint.call(req, state),
        E::GetAuthorization => authz::get.call(req, state),
        E::UpdateAuthorization => authz::update.call(req, state),
        E::DeleteAuthorization => authz::delete.call(req, state),
        E::ListGrants => grants::list.call(req, state),
        E::GetGrant => grants::get.call(req, state),
        E::DeleteGrant => grants::delete.call(req, state),
        E::CheckToken => apps::check_token.call(req, state),
        E::ResetToken => apps::reset_token.call(req, state),
        E::DeleteToken => apps::delete_token.call(req, state),
        E::DeleteAppGrant => apps::delete_grant.call(req, state),
        E::LegacyCheckToken => apps::legacy_check.call(req, state),
        E::LegacyResetToken => apps::legacy_reset.call(req, state),
        E::LegacyRevokeToken => apps::legacy_revoke.call(req, state),
        E::RevokeAllTokens => apps::revoke_all.call(req, state),
        E::LegacyRevokeGrant => apps::legacy_revoke_grant.call(req, state),
        E::RevokeCredentials => credentials::revoke.call(req, state),
    }
}

/// The user authentication established (taken from the request: one extractor a handler).
pub struct CurrentUser(pub AuthUser);

impl<S: Send + Sync> FromRequestParts<S> for CurrentUser {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        match parts.extensions.remove::<Identity>() {
            Some(Identity::User(user)) => Ok(Self(*user)),
            _ => Err(ApiError::RequiresAuthentication),
        }
    }
}

/// The app authentication established (taken from the request: one extractor a handler).
pub struct CurrentApp(pub App);

impl<S: Send + Sync> FromRequestParts<S> for CurrentApp {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        match parts.extensions.remove::<Identity>() {
            Some(Identity::App(app)) => Ok(Self(*app)),
            _ => Err(ApiError::RequiresAuthentication),
        }
    }
}

/// An app's credentials as sent, for a token check to check with the token.
pub struct AppToCheck(pub AppBasic);

impl<S: Send + Sync> FromRequestParts<S> for AppToCheck {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        match parts.extensions.remove::<Identity>() {
            Some(Identity::AppToCheck(app)) => Ok(Self(*app)),
            _ => Err(ApiError::RequiresAuthentication),
        }
    }
}

/// The path's parameters (the `{…}` segments of its route's template, in order),
/// percent-decoded. A parameter that is not UTF-8 once decoded (`/authorizations/%FF`) is no id,
/// token, client_id or fingerprint: GitHub's JSON 404 (BEHAVIOR 12, 22).
pub struct PathParams<T>(pub T);

impl<S: Send + Sync, T: FromParams> FromRequestParts<S> for PathParams<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let path = parts.uri.path();
        let route = route_of(path).ok_or(ApiError::NotFound)?;
        let mut values = route
            .template
            .split('/')
            .zip(path.split('/'))
            .filter(|(template, _)| template.starts_with('{'))
            .map(|(_, value)| percent_decode(value));
        T::from_params(&mut values).map(Self).ok_or(ApiError::NotFound)
    }
}

/// What [`PathParams`] can hold: one parameter or two.
pub trait FromParams: Sized + Send {
    /// Takes the parameters from `values` (`None` for one that is not UTF-8).
    fn from_params(values: &mut dyn Iterator<Item = Option<String>>) -> Option<Self>;
}

impl FromParams for String {
    fn from_params(values: &mut dyn Iterator<Item = Option<String>>) -> Option<Self> {
        values.next().flatten()
    }
}

impl FromParams for (String, String) {
    fn from_params(values: &mut dyn Iterator<Item = Option<String>>) -> Option<Self> {
        Some((values.next().flatten()?, values.next().flatten()?))
    }
}

/// `%XX` decoded (anything else as it is), as axum decodes a path parameter; `None` if the
/// result is not UTF-8.
fn percent_decode(raw: &str) -> Option<String> {
    if !raw.contains('%') {
        return Some(raw.to_owned());
    }
    let hex = |b: u8| char::from(b).to_digit(16).and_then(|d| u8::try_from(d).ok());
    let bytes = raw.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let decoded = match bytes.get(i..i + 3) {
            Some([b'%', h, l]) => hex(*h).zip(hex(*l)).map(|(h, l)| h << 4 | l),
            _ => None,
        };
        match decoded {
            Some(byte) => {
                out.push(byte);
                i += 3;
            }
            None => {
                out.push(bytes[i]);
                i += 1;
            }
        }
    }
    String::from_utf8(out).ok()
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

#[cfg(test)]
mod tests {
    use super::percent_decode;

    #[test]
    fn parameters_are_percent_decoded_as_axum_decodes_them() {
        assert_eq!(percent_decode("abc").as_deref(), Some("abc"));
        assert_eq!(percent_decode("a%2Fb%20c").as_deref(), Some("a/b c"));
        assert_eq!(percent_decode("%e2%9c%93").as_deref(), Some("✓"));
        assert_eq!(percent_decode("100%").as_deref(), Some("100%"));
        assert_eq!(percent_decode("%zz%4").as_deref(), Some("%zz%4"));
        assert_eq!(percent_decode("%FF"), None);
    }
}
