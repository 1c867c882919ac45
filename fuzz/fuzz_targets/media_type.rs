//! `X-GitHub-Media-Type` from the `Accept` header (`grantd_http::middleware::headers::media_type`).
//!
//! Invariants: the answer is always `github.v3; format=json` or
//! `github.v3; param=P; format=json` with P made of ASCII letters, digits, `-` and `_`, and P
//! names a parameter the header asked for.
#![no_main]

use grantd_http::middleware::headers::media_type;
use http::header::ACCEPT;
use http::{HeaderMap, HeaderValue};
use libfuzzer_sys::fuzz_target;

const PREFIXES: &[&str] = &[
    "",
    "application/vnd.github",
    "application/vnd.github.v3",
    "application/vnd.github.v3.",
    "application/json, application/vnd.github.",
];

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let mut value = PREFIXES[usize::from(mode) % PREFIXES.len()].as_bytes().to_vec();
    value.extend_from_slice(rest);
    let Ok(accept) = HeaderValue::from_bytes(&value) else {
        return;
    };
    let mut headers = HeaderMap::new();
    headers.insert(ACCEPT, accept.clone());
    if mode & 0x80 != 0 {
        // A second Accept header is ignored.
        headers.append(ACCEPT, HeaderValue::from_static("application/vnd.github.v3.raw+json"));
    }
    let out = media_type(&headers);
    let out = out.to_str().expect("media type is text");
    if out == "github.v3; format=json" {
        return;
    }
    let param = out
        .strip_prefix("github.v3; param=")
        .and_then(|p| p.strip_suffix("; format=json"))
        .unwrap_or_else(|| panic!("unexpected media type {out:?}"));
    assert!(!param.is_empty(), "empty param");
    assert!(
        param
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'),
        "{param:?}"
    );
    let accept = accept.to_str().expect("a param from a header that is not text");
    assert!(accept.contains("application/vnd.github"), "{param:?} from {accept:?}");
    assert!(accept.contains(param), "{param:?} not in {accept:?}");
});
