//! `POST /login/oauth/access_token` (FLOWS A, B 21-24): an app exchanges the code of the web
//! application flow for a token. The parameters come as a form, as JSON (`null` is absent) or in
//! the query string, unknown ones ignored (FLOWS 5); the client authenticates in the body or with
//! HTTP Basic `client_id:client_secret` (FLOWS 6). Every refusal is an HTTP 200 with `error`
//! (FLOWS 2), in the format `Accept` asks for ([`oauth_answer`](super::oauth_answer)).
//!
//! `grant_type` chooses the flow before anything else is checked: absent or
//! `authorization_code` is a code exchange; any other is `unsupported_grant_type`.

use super::oauth_answer::{oauth_error, Format, OAuthAnswer};
use crate::error::ApiError;
use crate::middleware::authenticate::{credentials, Credentials};
use crate::state::AppState;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::header::CONTENT_TYPE;
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use grantd_core::secret::ClientSecret;
use grantd_core::service::{CodeExchange, OAuthError};
use secrecy::ExposeSecret;
use std::collections::HashMap;

/// The request's parameters: the body's over the query string's.
#[derive(Default)]
pub struct Params(HashMap<String, String>);

impl Params {
    /// Reads the query string, then the body (JSON when its `Content-Type` says so, else a form).
    pub fn read(uri: &Uri, headers: &HeaderMap, body: &[u8]) -> Self {
        let mut params = HashMap::new();
        let mut put = |k: String, v: String| {
            params.insert(k, v);
        };
        for (k, v) in url::form_urlencoded::parse(uri.query().unwrap_or("").as_bytes()) {
            put(k.into_owned(), v.into_owned());
        }
        if is_json(headers) {
            // A body that is not a JSON object holds no parameters.
            if let Ok(serde_json::Value::Object(map)) = serde_json::from_slice(body) {
                for (k, v) in map {
                    match v {
                        serde_json::Value::String(s) => put(k, s),
                        serde_json::Value::Number(n) => put(k, n.to_string()),
                        serde_json::Value::Bool(b) => put(k, b.to_string()),
                        // `null` is absent (FLOWS 5); arrays and objects are no parameter's value.
                        _ => {}
                    }
                }
            }
        } else {
            for (k, v) in url::form_urlencoded::parse(body) {
                put(k.into_owned(), v.into_owned());
            }
        }
        Self(params)
    }

    /// The parameter `key`, trimmed, if it is not blank.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.0.get(key).map(|v| v.trim()).filter(|v| !v.is_empty())
    }
}

impl std::fmt::Debug for Params {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Names only: values include secrets and codes.
        f.debug_set().entries(self.0.keys()).finish()
    }
}

/// Whether the body is JSON (`application/json` or a `+json` type).
fn is_json(headers: &HeaderMap) -> bool {
    headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<mime::Mime>().ok())
        .is_some_and(|m| {
            m.type_() == mime::APPLICATION && (m.subtype() == mime::JSON || m.suffix() == Some(mime::JSON))
        })
}

/// The client's id and secret: each from the body if it is there, else from a Basic header.
fn client_credentials(params: &Params, headers: &HeaderMap) -> (Option<String>, Option<ClientSecret>) {
    let (basic_id, basic_secret) = match credentials(headers) {
        Credentials::Basic { user, password } => (Some(user), Some(password)),
        _ => (None, None),
    };
    let id = params.get("client_id").map(str::to_owned).or(basic_id);
    let secret = match params.get("client_secret") {
        Some(s) => Some(ClientSecret::from_client(s)),
        None => basic_secret.map(|p| ClientSecret::from_client(p.expose_secret())),
    };
    (id, secret)
}

/// `POST /login/oauth/access_token`.
pub async fn exchange(State(state): State<AppState>, uri: Uri, headers: HeaderMap, body: Bytes) -> Response {
    let format = Format::negotiate(&headers);
    let params = Params::read(&uri, &headers, &body);
    let result = match params.get("grant_type") {
        None | Some("authorization_code") => {
            let (client_id, client_secret) = client_credentials(&params, &headers);
            let req = CodeExchange {
                client_id,
                client_secret,
                code: params.get("code").map(str::to_owned),
                redirect_uri: params.get("redirect_uri").map(str::to_owned),
                code_verifier: params.get("code_verifier").map(str::to_owned),
            };
            state.services().exchange_code(req).await
        }
        Some(_) => Err(OAuthError::UnsupportedGrantType),
    };
    match result {
        Ok(issued) => OAuthAnswer::new()
            .with("access_token", issued.token.expose())
            .with("token_type", "bearer")
            .with("scope", issued.scope_list())
            .respond(StatusCode::OK, format),
        Err(OAuthError::Server(e)) => ApiError::from(e).into_response(),
        Err(e) => match oauth_error(&e) {
            Some(answer) => answer.respond(StatusCode::OK, format),
            None => ApiError::internal("an OAuth error without a code").into_response(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(uri: &str, content_type: Option<&str>, body: &str) -> Params {
        let mut headers = HeaderMap::new();
        if let Some(ct) = content_type {
            headers.insert(CONTENT_TYPE, ct.parse().expect("header"));
        }
        Params::read(&uri.parse().expect("uri"), &headers, body.as_bytes())
    }

    #[test]
    fn parameters_come_from_the_query_a_form_or_json() {
        let p = read(
            "/x?code=q&state=s",
            Some("application/x-www-form-urlencoded"),
            "code=b&client_id=c",
        );
        assert_eq!(
            (p.get("code"), p.get("client_id"), p.get("state")),
            (Some("b"), Some("c"), Some("s"))
        );
        let p = read(
            "/x?code=q",
            Some("application/json; charset=utf-8"),
            r#"{"client_secret":null,"n":5,"code":"j"}"#,
        );
        assert_eq!(
            (p.get("client_secret"), p.get("n"), p.get("code")),
            (None, Some("5"), Some("j"))
        );
        let p = read("/x?code=q", Some("application/vnd.api+json"), r#"[1]"#);
        assert_eq!(p.get("code"), Some("q"), "a JSON body that is no object adds nothing");
        let p = read("/x", None, "code=%20f%20&empty=");
        assert_eq!((p.get("code"), p.get("empty")), (Some("f"), None));
        assert!(format!("{p:?}").contains("code") && !format!("{p:?}").contains('f'));
    }
}
