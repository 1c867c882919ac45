//! `Authorization` header parsing (`grantd_http::middleware::authenticate::credentials`) and
//! path classification (`grantd_http::urls::classify`).
//!
//! The first byte picks how the rest is used: as the raw header value, as the decoded payload of
//! a `Basic` header (so the fuzzer gets past base64 at once), or after a scheme it picks.
#![no_main]

use base64::Engine as _;
use grantd_core::service::Services;
use grantd_http::middleware::authenticate::{credentials, Credentials};
use grantd_http::urls::{classify, Auth};
use http::{header::AUTHORIZATION, HeaderMap, HeaderValue, Method};
use libfuzzer_sys::fuzz_target;
use secrecy::ExposeSecret;

const SCHEMES: &[&str] = &[
    "Basic ", "basic ", "BASIC\t", "token ", "Token  ", "bearer ", "Bearer", "Digest ",
];

fn headers(value: &[u8]) -> Option<HeaderMap> {
    let value = HeaderValue::from_bytes(value).ok()?;
    let mut h = HeaderMap::new();
    h.insert(AUTHORIZATION, value);
    Some(h)
}

fn check(value: &[u8]) {
    let Some(h) = headers(value) else { return };
    let creds = credentials(&h);
    let text = h.get(AUTHORIZATION).and_then(|v| v.to_str().ok());
    match &creds {
        Credentials::Missing => panic!("a header was sent, yet credentials are Missing"),
        Credentials::Malformed => {}
        Credentials::Basic { user, password } => {
            let text = text.expect("Basic credentials from a header that is not text");
            assert!(
                text.trim().get(..5).is_some_and(|s| s.eq_ignore_ascii_case("basic")),
                "Basic credentials from {text:?}"
            );
            assert!(!user.contains(':'), "user {user:?} holds a colon");
            assert!(!user.contains('\0'), "user {user:?} holds a NUL");
            // Round trip: the canonical encoding of what was read reads back the same.
            let encoded =
                base64::engine::general_purpose::STANDARD.encode(format!("{user}:{}", password.expose_secret()));
            match credentials(&headers(format!("Basic {encoded}").as_bytes()).expect("base64 is a header")) {
                Credentials::Basic { user: u2, password: p2 } => {
                    assert_eq!(&u2, user);
                    assert_eq!(p2.expose_secret(), password.expose_secret());
                }
                other => panic!("round trip of Basic gave {other:?}"),
            }
            // What the authenticator asks next must not panic either.
            let _ = Services::looks_like_token(user);
            let _ = Services::looks_like_token(password.expose_secret());
        }
        Credentials::Token(token) => {
            let token = token.expose_secret();
            let text = text.expect("a token from a header that is not text");
            assert!(!token.is_empty(), "empty token from {text:?}");
            assert_eq!(token, token.trim(), "token not trimmed");
            let lower = text.trim().to_ascii_lowercase();
            assert!(
                lower.starts_with("token ") || lower.starts_with("bearer "),
                "token from {text:?}"
            );
            assert!(text.contains(token));
            match credentials(&headers(format!("token {token}").as_bytes()).expect("token is a header")) {
                Credentials::Token(t2) => assert_eq!(t2.expose_secret(), token),
                other => panic!("round trip of token gave {other:?}"),
            }
            let _ = Services::looks_like_token(token);
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        assert!(matches!(credentials(&HeaderMap::new()), Credentials::Missing));
        return;
    };
    match mode % 3 {
        0 => check(rest),
        1 => {
            let engine = &base64::engine::general_purpose::STANDARD;
            let mut encoded = engine.encode(rest);
            if mode & 0x80 != 0 {
                // Padding is optional (DecodePaddingMode::Indifferent).
                encoded.truncate(encoded.trim_end_matches('=').len());
            }
            check(format!("Basic {encoded}").as_bytes());
        }
        _ => {
            let scheme = SCHEMES[usize::from(mode / 3) % SCHEMES.len()];
            let mut value = scheme.as_bytes().to_vec();
            value.extend_from_slice(rest);
            check(&value);
        }
    }
    // The same bytes as a request path (what decides which credentials are needed).
    if let Ok(path) = std::str::from_utf8(rest) {
        for method in [Method::GET, Method::POST, Method::DELETE] {
            let classified = classify(&method, path);
            if matches!(classified.auth, Auth::App | Auth::AppWithToken) {
                let client_id = classified.client_id;
                assert!(
                    !client_id.is_empty() && !client_id.contains('/'),
                    "client id {client_id:?}"
                );
                assert!(path.starts_with("/applications/"));
            }
        }
    }
});
