//! One error type whose `IntoResponse` writes GitHub's error bodies (BEHAVIOR section D):
//! `message` and `documentation_url`, `errors` for 422, the `X-GitHub-OTP` header when a
//! two-factor code is needed. Internal errors are logged with their cause and answered with a
//! bare `Server Error`.

use crate::respond::json_response;
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use grantd_core::service::{BoxError, FieldError, ServiceError};
use serde::Serialize;
use std::error::Error;
use std::sync::Arc;

const DOCS: &str = "https://docs.github.com/enterprise-server@3.19/rest";
const AUTHORIZATIONS_DOCS: &str =
    "https://docs.github.com/enterprise-server@3.19/rest/oauth-authorizations/oauth-authorizations";
const APPS_DOCS: &str = "https://docs.github.com/enterprise-server@3.19/rest/apps/oauth-applications";
/// GitHub Desktop matches this message exactly (BEHAVIOR 7).
const TOKEN_NOT_ALLOWED: &str = "This API can only be accessed with username and password Basic Auth";
const TOKEN_NOT_ALLOWED_DOCS: &str = "https://developer.github.com/v3/oauth_authorizations/#oauth-authorizations-api";

/// Every failure a client can see.
#[derive(Debug)]
pub enum ApiError {
    /// 400: the body is not JSON.
    ProblemsParsingJson,
    /// 400: the body is JSON but not an object.
    BodyNotObject,
    /// 400: an `X-GitHub-Api-Version` this server does not serve.
    UnsupportedApiVersion(String),
    /// 401: no credentials.
    RequiresAuthentication,
    /// 401: wrong credentials.
    BadCredentials,
    /// 401 + `X-GitHub-OTP: required; app`.
    OtpRequired,
    /// 403: locked out.
    LockedOut,
    /// 403: a token where a password is required.
    TokenNotAllowed,
    /// 403: credentials on an endpoint that must be called without (FLOWS 37).
    MustNotAuthenticate,
    /// 403: rate limit exceeded, with GitHub's message.
    RateLimited(String),
    /// 404.
    NotFound,
    /// 413: the body is larger than allowed.
    PayloadTooLarge,
    /// 422 with field errors.
    Validation(Vec<FieldError>),
    /// 422: wrong OAuth app credentials in a body.
    InvalidClient,
    /// 422: a request the server refuses to carry out, with the reason
    /// ([`ServiceError::Rejected`]; only admin operations refuse so today, none over HTTP).
    Rejected(String),
    /// 503: the request took too long (BEHAVIOR 30).
    Timeout,
    /// 500: the cause (with its own causes) is logged, never shown.
    Internal(BoxError),
}

impl From<ServiceError> for ApiError {
    fn from(e: ServiceError) -> Self {
        match e {
            ServiceError::BadCredentials => Self::BadCredentials,
            ServiceError::OtpRequired => Self::OtpRequired,
            ServiceError::LockedOut => Self::LockedOut,
            ServiceError::TokenNotAllowed => Self::TokenNotAllowed,
            ServiceError::NotFound => Self::NotFound,
            ServiceError::Validation(errors) => Self::Validation(errors),
            ServiceError::InvalidClient => Self::InvalidClient,
            ServiceError::Busy => Self::Timeout,
            ServiceError::Rejected(reason) => Self::Rejected(reason),
            ServiceError::Internal(cause) => Self::Internal(cause),
        }
    }
}

impl ApiError {
    /// A 500 for a broken invariant, described by `message`.
    pub fn internal(message: impl Into<String>) -> Self {
        Self::Internal(message.into().into())
    }

    /// A 500 for `source`, which failed while doing `what`.
    pub fn failed(what: &'static str, source: impl Into<BoxError>) -> Self {
        Self::Internal(Box::new(Failed {
            what,
            source: source.into(),
        }))
    }

    /// One invalid field of a request body.
    pub fn invalid_field(field: &'static str, message: impl Into<String>) -> Self {
        Self::Validation(vec![FieldError::authorization(field, "invalid").with_message(message)])
    }

    /// One missing field of a request body.
    pub fn missing_field(resource: &'static str, field: &'static str) -> Self {
        Self::Validation(vec![FieldError {
            resource,
            field,
            code: "missing_field",
            message: None,
        }])
    }

    /// The status code.
    pub fn status(&self) -> StatusCode {
        match self {
            Self::ProblemsParsingJson | Self::BodyNotObject | Self::UnsupportedApiVersion(_) => StatusCode::BAD_REQUEST,
            Self::RequiresAuthentication | Self::BadCredentials | Self::OtpRequired => StatusCode::UNAUTHORIZED,
            Self::LockedOut | Self::TokenNotAllowed | Self::MustNotAuthenticate | Self::RateLimited(_) => {
                StatusCode::FORBIDDEN
            }
            Self::NotFound => StatusCode::NOT_FOUND,
            Self::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            Self::Validation(_) | Self::InvalidClient | Self::Rejected(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Self::Timeout => StatusCode::SERVICE_UNAVAILABLE,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

#[derive(Serialize)]
struct ErrorBody<'a> {
    message: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    errors: Option<Vec<ErrorItem<'a>>>,
    documentation_url: &'a str,
}

#[derive(Serialize)]
struct ErrorItem<'a> {
    resource: &'a str,
    field: &'a str,
    code: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    message: Option<&'a str>,
}

/// Something that failed while doing `what` (a cause with its context).
#[derive(Debug)]
struct Failed {
    what: &'static str,
    source: BoxError,
}

impl std::fmt::Display for Failed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.what)
    }
}

impl Error for Failed {
    fn source(&self) -> Option<&(dyn Error + 'static)> {
        Some(&*self.source)
    }
}

/// Why an answer is a 500, carried in the response's extensions to the request log, which logs
/// it at `error` with the request's id, method and route. It displays as the whole chain of
/// causes, `outer: inner: innermost`; a cause whose text already ends with its source's (a
/// `{0}` in its message) is not repeated.
#[derive(Debug, Clone)]
pub struct InternalCause(pub Arc<dyn Error + Send + Sync>);

impl std::fmt::Display for InternalCause {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut text = self.0.to_string();
        let mut next = self.0.source();
        while let Some(cause) = next {
            let inner = cause.to_string();
            if !text.ends_with(&inner) {
                text.push_str(": ");
                text.push_str(&inner);
            }
            next = cause.source();
        }
        f.write_str(&text)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status();
        let version_message;
        let (message, documentation_url) = match &self {
            Self::ProblemsParsingJson => ("Problems parsing JSON", DOCS),
            Self::BodyNotObject => ("Body should be a JSON object", DOCS),
            Self::UnsupportedApiVersion(v) => {
                version_message = format!("Unsupported 'X-GitHub-Api-Version' header value: {v}. Supported versions: 2022-11-28, 2026-03-10.");
                (version_message.as_str(), "https://docs.github.com/rest/about-the-rest-api/api-versions")
            }
            Self::RequiresAuthentication => ("Requires authentication", DOCS),
            Self::BadCredentials => ("Bad credentials", DOCS),
            Self::OtpRequired => (
                "Must specify two-factor authentication OTP code.",
                "https://docs.github.com/enterprise-server@3.19/rest/overview/other-authentication-methods#working-with-two-factor-authentication",
            ),
            Self::LockedOut => ("Maximum number of login attempts exceeded. Please try again later.", DOCS),
            Self::TokenNotAllowed => (TOKEN_NOT_ALLOWED, TOKEN_NOT_ALLOWED_DOCS),
            Self::MustNotAuthenticate => (
                "This endpoint must be called without authentication.",
                "https://docs.github.com/rest/credentials/revoke#revoke-a-list-of-credentials",
            ),
            Self::RateLimited(message) => (
                message.as_str(),
                "https://docs.github.com/enterprise-server@3.19/rest/overview/resources-in-the-rest-api#rate-limiting",
            ),
            Self::NotFound => ("Not Found", DOCS),
            Self::PayloadTooLarge => ("Payload too large", DOCS),
            Self::Validation(_) => ("Validation Failed", AUTHORIZATIONS_DOCS),
            Self::InvalidClient => ("Invalid OAuth application client_id or secret.", APPS_DOCS),
            Self::Rejected(reason) => (reason.as_str(), DOCS),
            Self::Timeout => ("Server Error", DOCS),
            // The cause goes to the request log (`crate::middleware::request_log`), never to the client.
            Self::Internal(_) => ("Server Error", DOCS),
        };
        let errors = match &self {
            Self::Validation(items) => Some(
                items
                    .iter()
                    .map(|e| ErrorItem {
                        resource: e.resource,
                        field: e.field,
                        code: e.code,
                        message: e.message.as_deref(),
                    })
                    .collect(),
            ),
            _ => None,
        };
        let mut response = json_response(
            status,
            &ErrorBody {
                message,
                errors,
                documentation_url,
            },
        );
        if matches!(self, Self::OtpRequired) {
            // BEHAVIOR 15-16: lower-case method name.
            response
                .headers_mut()
                .insert("x-github-otp", HeaderValue::from_static("required; app"));
        }
        if let Self::Internal(cause) = self {
            response.extensions_mut().insert(InternalCause(Arc::from(cause)));
        }
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use grantd_core::store::StoreError;

    fn logged_cause(error: ApiError) -> String {
        let response = error.into_response();
        assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
        response
            .extensions()
            .get::<InternalCause>()
            .expect("a cause")
            .to_string()
    }

    #[test]
    fn a_store_failure_reaches_the_log_with_its_whole_chain_once() {
        let disk = std::io::Error::other("disk I/O error");
        let from_store = ApiError::from(ServiceError::from(StoreError::backend(disk)));
        assert_eq!(logged_cause(from_store), "database error: disk I/O error");
        let inner = ApiError::failed("outer", "inner");
        let ApiError::Internal(inner) = inner else {
            panic!("a 500")
        };
        let nested = ApiError::failed("cannot buffer a response", inner);
        assert_eq!(logged_cause(nested), "cannot buffer a response: outer: inner");
    }

    #[test]
    fn a_refusal_is_a_client_error_not_a_server_error() {
        let refused = ApiError::from(ServiceError::Rejected("the login \"x\" is taken".into()));
        assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    }
}
