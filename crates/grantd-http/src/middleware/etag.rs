//! Step 10: `ETag` and `Cache-Control` on a 200 answer to GET (and HEAD), and 304 when the
//! client's `If-None-Match` names the same entity (BEHAVIOR 29); a HEAD answer loses its body.
//! An answer that says already how it may be cached (`no-store` on one carrying a token, see
//! [`crate::respond::token_json_response`]) is left as it is: what may not be stored needs no
//! validator.

use crate::error::ApiError;
use axum::body::Body;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use http_body_util::BodyExt;
use sha2::{Digest, Sha256};

/// Largest response body buffered to compute an `ETag`.
const MAX_ETAG_BODY: usize = 4 * 1024 * 1024;

/// Adds `ETag` and `Cache-Control` to a 200 answer to GET, or turns it into a 304 when the
/// client's `If-None-Match` names the same entity.
pub async fn with_etag(response: Response, if_none_match: Option<&HeaderValue>) -> Response {
    if response.headers().contains_key(header::CACHE_CONTROL) {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let bytes = match http_body_util::Limited::new(body, MAX_ETAG_BODY).collect().await {
        Ok(collected) => collected.to_bytes(),
        Err(e) => return ApiError::failed("cannot buffer a response", e).into_response(),
    };
    let digest = Sha256::digest(&bytes);
    let etag = format!("\"{}\"", hex::encode(&digest[..20]));
    if let Ok(v) = HeaderValue::from_str(&etag) {
        parts.headers.insert(header::ETAG, v);
    }
    parts.headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, max-age=60, s-maxage=60"),
    );
    let matched = if_none_match.and_then(|v| v.to_str().ok()).is_some_and(|list| {
        list.split(',')
            .map(|t| t.trim().trim_start_matches("W/"))
            .any(|t| t == "*" || t == etag)
    });
    if matched {
        parts.status = StatusCode::NOT_MODIFIED;
        parts.headers.remove(header::CONTENT_TYPE);
        parts.headers.remove(header::CONTENT_LENGTH);
        return Response::from_parts(parts, Body::empty());
    }
    Response::from_parts(parts, Body::from(bytes))
}

/// The answer to a HEAD request: the GET answer's head, without a body.
pub fn head_only(response: Response) -> Response {
    let (parts, _) = response.into_parts();
    Response::from_parts(parts, Body::empty())
}
