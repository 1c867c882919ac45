//! The answers of the OAuth endpoints that apps call (`POST /login/oauth/access_token`, and the
//! device flow's): a flat list of fields written as a form, JSON or XML, chosen by `Accept`
//! (FLOWS 4), each with `Vary: Accept`, no caching, and the `Date` header the server adds to
//! every answer.
//!
//! The form is the default: clients of GitHub parse it when they ask for nothing in particular,
//! and some send a browser's `Accept` that lists `application/xml;q=0.9` yet parse the form. So
//! JSON is chosen only when `application/json` is the preferred explicit type (the media type
//! without a wildcard with the highest `q`, the first listed among equals), XML only when
//! `application/xml` is; anything else is the form.

use axum::http::header::{ACCEPT, CACHE_CONTROL, CONTENT_TYPE, PRAGMA, VARY};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use grantd_core::service::OAuthError;

/// The format of an answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// `application/x-www-form-urlencoded`, keys in alphabetical order.
    Form,
    /// `application/json`.
    Json,
    /// `application/xml`, the fields as elements of `<OAuth>`.
    Xml,
}

impl Format {
    /// The format `headers`' `Accept` asks for (see the module's documentation).
    pub fn negotiate(headers: &HeaderMap) -> Self {
        let accept = headers
            .get_all(ACCEPT)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .collect::<Vec<_>>()
            .join(",");
        Self::for_accept(&accept)
    }

    /// The format an `Accept` value asks for.
    pub fn for_accept(accept: &str) -> Self {
        let mut best: Option<(f32, mime::Mime)> = None;
        for range in accept.split(',').filter_map(|r| r.trim().parse::<mime::Mime>().ok()) {
            if range.type_() == mime::STAR || range.subtype() == mime::STAR {
                continue;
            }
            let q = range
                .get_param("q")
                .and_then(|q| q.as_str().parse::<f32>().ok())
                .filter(|q| q.is_finite())
                .unwrap_or(1.0);
            if q > 0.0 && best.as_ref().is_none_or(|(top, _)| q > *top) {
                best = Some((q, range));
            }
        }
        match best {
            Some((_, m)) if m.type_() == mime::APPLICATION && m.subtype() == mime::JSON => Self::Json,
            Some((_, m)) if m.type_() == mime::APPLICATION && m.subtype() == mime::XML => Self::Xml,
            _ => Self::Form,
        }
    }

    fn content_type(self) -> &'static str {
        match self {
            Self::Form => "application/x-www-form-urlencoded; charset=utf-8",
            Self::Json => "application/json; charset=utf-8",
            Self::Xml => "application/xml; charset=utf-8",
        }
    }
}

/// A field's value: text, or a number (a JSON integer, FLOWS 4).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    /// Text.
    Text(String),
    /// A number.
    Int(i64),
}

impl Value {
    fn text(&self) -> std::borrow::Cow<'_, str> {
        match self {
            Self::Text(s) => s.into(),
            Self::Int(n) => n.to_string().into(),
        }
    }
}

impl From<&str> for Value {
    fn from(s: &str) -> Self {
        Self::Text(s.to_owned())
    }
}

impl From<String> for Value {
    fn from(s: String) -> Self {
        Self::Text(s)
    }
}

impl From<i64> for Value {
    fn from(n: i64) -> Self {
        Self::Int(n)
    }
}

/// An answer: its fields, in the order JSON and XML write them.
#[derive(Debug, Clone, Default)]
pub struct OAuthAnswer {
    fields: Vec<(&'static str, Value)>,
}

impl OAuthAnswer {
    /// An answer without fields.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a field.
    pub fn with(mut self, key: &'static str, value: impl Into<Value>) -> Self {
        self.fields.push((key, value.into()));
        self
    }

    /// The body in `format`.
    pub fn body(&self, format: Format) -> String {
        match format {
            Format::Form => {
                let mut sorted: Vec<&(&str, Value)> = self.fields.iter().collect();
                sorted.sort_by_key(|(k, _)| *k);
                let mut form = url::form_urlencoded::Serializer::new(String::new());
                for (k, v) in sorted {
                    form.append_pair(k, &v.text());
                }
                form.finish()
            }
            Format::Json => {
                // Written in the fields' order (serde_json's map would sort the keys).
                let members: Vec<String> = self
                    .fields
                    .iter()
                    .map(|(k, v)| {
                        let v = match v {
                            Value::Text(s) => serde_json::Value::from(s.as_str()),
                            Value::Int(n) => serde_json::Value::from(*n),
                        };
                        format!("{}:{v}", serde_json::Value::from(*k))
                    })
                    .collect();
                format!("{{{}}}", members.join(","))
            }
            Format::Xml => {
                let mut xml = String::from("<OAuth>");
                for (k, v) in &self.fields {
                    xml.push_str(&format!("<{k}>{}</{k}>", escape_xml(&v.text())));
                }
                xml.push_str("</OAuth>");
                xml
            }
        }
    }

    /// The answer in `format` with `status`.
    pub fn respond(&self, status: StatusCode, format: Format) -> Response {
        let mut response = (status, self.body(format)).into_response();
        let headers = response.headers_mut();
        headers.insert(CONTENT_TYPE, HeaderValue::from_static(format.content_type()));
        headers.insert(VARY, HeaderValue::from_static("Accept"));
        // A token answer must not be kept by any cache (RFC 6749 section 5.1).
        headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
        headers.insert(PRAGMA, HeaderValue::from_static("no-cache"));
        response
    }
}

/// Where GitHub documents the token endpoint's errors (FLOWS 8).
const TROUBLESHOOTING: &str =
    "https://docs.github.com/apps/managing-oauth-apps/troubleshooting-oauth-app-access-token-request-errors/";
/// Where GitHub documents the grant types the token endpoint accepts.
const AUTHORIZING: &str = "https://docs.github.com/apps/oauth-apps/building-oauth-apps/authorizing-oauth-apps";

/// The answer to a refusal of the token endpoint (FLOWS 23): `error`, `error_description` and an
/// absolute `error_uri`; `None` for a failure of the server (a 500, not an OAuth error).
pub fn oauth_error(error: &OAuthError) -> Option<OAuthAnswer> {
    let (code, description) = (error.code()?, error.description()?);
    let uri = match error {
        OAuthError::UnsupportedGrantType => AUTHORIZING.to_owned(),
        _ => format!("{TROUBLESHOOTING}#{}", code.replace('_', "-")),
    };
    Some(
        OAuthAnswer::new()
            .with("error", code)
            .with("error_description", description)
            .with("error_uri", uri),
    )
}

/// `s` as XML text: the five characters with a meaning escaped.
fn escape_xml(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accept_chooses_json_or_xml_only_as_the_preferred_explicit_type() {
        let cases = [
            ("", Format::Form),
            ("*/*", Format::Form),
            ("application/json", Format::Json),
            ("Application/JSON", Format::Json),
            ("application/json, text/plain, */*", Format::Json),
            ("application/vnd.github+json", Format::Form),
            ("application/xml", Format::Xml),
            ("text/xml", Format::Form),
            // A browser's list: HTML is preferred, XML only at q=0.9.
            (
                "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,*/*;q=0.8",
                Format::Form,
            ),
            ("application/xml;q=0.5, application/json", Format::Json),
            ("application/json;q=0.5, application/xml;q=0.6", Format::Xml),
            ("application/json;q=0, application/xml;q=0.1", Format::Xml),
            ("application/xml, application/json", Format::Xml),
            ("application/json;q=0.1, */*", Format::Json),
            (
                "application/x-www-form-urlencoded, application/json;q=0.9",
                Format::Form,
            ),
            ("nonsense, application/json;q=abc", Format::Json),
            ("\u{0};;,", Format::Form),
        ];
        for (accept, want) in cases {
            assert_eq!(Format::for_accept(accept), want, "{accept:?}");
        }
    }

    #[test]
    fn errors_carry_their_documentation() {
        let answer = oauth_error(&OAuthError::BadVerificationCode).expect("an OAuth error");
        assert_eq!(
            answer.body(Format::Json),
            r#"{"error":"bad_verification_code","error_description":"The code passed is incorrect or expired.","error_uri":"https://docs.github.com/apps/managing-oauth-apps/troubleshooting-oauth-app-access-token-request-errors/#bad-verification-code"}"#
        );
        let server = OAuthError::Server(grantd_core::service::ServiceError::internal("x"));
        assert!(oauth_error(&server).is_none());
    }

    #[test]
    fn each_format_writes_the_same_fields() {
        let answer = OAuthAnswer::new()
            .with("access_token", "gho_x")
            .with("token_type", "bearer")
            .with("scope", "gist,repo")
            .with("interval", 5);
        assert_eq!(
            answer.body(Format::Form),
            "access_token=gho_x&interval=5&scope=gist%2Crepo&token_type=bearer"
        );
        assert_eq!(
            answer.body(Format::Json),
            r#"{"access_token":"gho_x","token_type":"bearer","scope":"gist,repo","interval":5}"#
        );
        assert_eq!(
            answer.body(Format::Xml),
            "<OAuth><access_token>gho_x</access_token><token_type>bearer</token_type>\
             <scope>gist,repo</scope><interval>5</interval></OAuth>"
        );
        let escaped = OAuthAnswer::new().with("error_uri", "https://x/?a=1&b=<2>");
        assert_eq!(
            escaped.body(Format::Xml),
            "<OAuth><error_uri>https://x/?a=1&amp;b=&lt;2&gt;</error_uri></OAuth>"
        );
    }
}
