//! Writing JSON answers with GitHub's content type (BEHAVIOR 71), and marking those that carry
//! a token as not to be stored ([`token_json_response`]).

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

/// The content type of every JSON answer.
pub const JSON_CONTENT_TYPE: &str = "application/json; charset=utf-8";

/// Serialises `body` as the answer with `status`.
pub fn json_response<T: Serialize + ?Sized>(status: StatusCode, body: &T) -> Response {
    // Most answers fit in 2 KiB: one allocation instead of a series of regrowths.
    let mut bytes = Vec::with_capacity(2048);
    // sonic-rs writes what serde_json would, but scans strings for characters to escape 16 or 32
    // bytes at a time: serde_json's byte-at-a-time escaping was over half of the time spent
    // writing a token check's answer (about 1.4 KB, most of it URLs).
    match sonic_rs::to_writer(&mut bytes, body) {
        Ok(()) => {
            let mut response = (status, bytes).into_response();
            response
                .headers_mut()
                .insert(header::CONTENT_TYPE, HeaderValue::from_static(JSON_CONTENT_TYPE));
            response
        }
        Err(e) => {
            tracing::error!(error = %e, "cannot serialise a response");
            let mut response = (StatusCode::INTERNAL_SERVER_ERROR, r#"{"message":"Server Error"}"#).into_response();
            response
                .headers_mut()
                .insert(header::CONTENT_TYPE, HeaderValue::from_static(JSON_CONTENT_TYPE));
            response
        }
    }
}

/// [`json_response`] for a body that holds a token: with `Cache-Control: no-store`, so that no
/// cache along the way (a proxy, the browser's disk cache) keeps a copy of it. The `ETag` step
/// leaves such an answer as it is.
pub fn token_json_response<T: Serialize + ?Sized>(status: StatusCode, body: &T) -> Response {
    let mut response = json_response(status, body);
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

#[cfg(test)]
mod tests {
    use super::json_response;
    use axum::http::StatusCode;
    use http_body_util::BodyExt as _;

    /// What clients parse is what serde_json would have written, byte for byte, for every kind of
    /// string a note, URL or login can hold.
    #[tokio::test]
    async fn answers_are_written_as_serde_json_writes_them() {
        let mut nasty: String = (0u8..0x80).map(char::from).collect();
        nasty.push_str("é ✓ 🔑 \u{2028}\u{2029} </script> \u{7f} \u{feff} ");
        let long = "https://example.com/users/someone/followers{/other_user}".repeat(40);
        let value = serde_json::json!({
            "note": nasty,
            "url": long,
            "id": 9_007_199_254_740_993_i64,
            "n": -1,
            "yes": true,
            "none": null,
            "scopes": ["repo", "user", ""],
            "nested": {"": "", "a\"b": [1, 2, {"c": "d\\e"}]},
        });
        let response = json_response(StatusCode::CREATED, &value);
        assert_eq!(response.status(), StatusCode::CREATED);
        assert_eq!(response.headers()["content-type"], super::JSON_CONTENT_TYPE);
        let body = response.into_body().collect().await.expect("body").to_bytes();
        assert_eq!(body, serde_json::to_vec(&value).expect("serde_json"));
    }
}
