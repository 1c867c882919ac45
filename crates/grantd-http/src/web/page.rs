//! Rendering a page: a template with the headers every page carries. Pages forbid everything
//! they do not need: no script at all, styles and images from this server only, forms posting to
//! this server only (the consent page adds its app's redirect origin, since a browser applies
//! `form-action` to the redirect that follows a post), never framed, no referrer (pages carry
//! codes and return URLs), never cached.

use askama::Template;
use axum::http::header::{
    CACHE_CONTROL, CONTENT_SECURITY_POLICY, CONTENT_TYPE, REFERRER_POLICY, X_CONTENT_TYPE_OPTIONS, X_FRAME_OPTIONS,
};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

/// The policy of a page whose forms post to this server only.
pub const CSP: &str =
    "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/// Adds the headers every page answer carries (redirects included), with `csp`.
pub fn secure(headers: &mut HeaderMap, csp: &str) {
    if let Ok(value) = HeaderValue::from_str(csp) {
        headers.insert(CONTENT_SECURITY_POLICY, value);
    }
    headers.insert(X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
}

/// `template` as an HTML answer with `status` and the page headers; a template that cannot be
/// rendered is a 500 (it never happens with templates checked at build time, but is not a panic).
pub fn render(status: StatusCode, template: &impl Template) -> Response {
    render_with_csp(status, template, CSP)
}

/// [`render`] with a policy of its own (the consent page's).
pub fn render_with_csp(status: StatusCode, template: &impl Template, csp: &str) -> Response {
    let mut response = match template.render() {
        Ok(html) => (status, html).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "cannot render a page");
            (StatusCode::INTERNAL_SERVER_ERROR, "Server Error").into_response()
        }
    };
    response
        .headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8"));
    secure(response.headers_mut(), csp);
    response
}

/// A page with a title, a message and an optional link.
#[derive(Template)]
#[template(path = "message.html")]
pub struct Message<'a> {
    /// The heading.
    pub title: &'a str,
    /// The text.
    pub message: &'a str,
    /// A link onwards: (href, label).
    pub link: Option<(&'a str, &'a str)>,
}

/// A message page.
pub fn message(status: StatusCode, title: &str, message: &str, link: Option<(&str, &str)>) -> Response {
    render(status, &Message { title, message, link })
}

/// Any page path this server does not serve.
pub async fn not_found() -> Response {
    not_found_page()
}

/// The page for an address that has none.
pub fn not_found_page() -> Response {
    message(
        StatusCode::NOT_FOUND,
        "Page not found",
        "There is no page at this address.",
        Some(("/login", "Sign in")),
    )
}

/// A form that did not carry this browser's CSRF token.
pub fn csrf_refused() -> Response {
    message(
        StatusCode::FORBIDDEN,
        "Form expired",
        "This form was not sent from this site's page, or the page is too old. Go back, reload the page and try again.",
        None,
    )
}

/// A redirect (303 after a post, so the browser follows with a GET) with the page headers.
pub fn see_other(location: &str) -> Response {
    redirect(StatusCode::SEE_OTHER, location)
}

/// A redirect with `status` and the page headers.
pub fn redirect(status: StatusCode, location: &str) -> Response {
    let mut response = status.into_response();
    if let Ok(value) = HeaderValue::from_str(location) {
        response.headers_mut().insert(axum::http::header::LOCATION, value);
    }
    secure(response.headers_mut(), CSP);
    response
}
