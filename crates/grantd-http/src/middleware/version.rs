//! Step 5: `X-GitHub-Api-Version` (BEHAVIOR 72, 83). A version this server does not serve is
//! 400; none means the default. The answer names the version it was given in.

use crate::error::ApiError;
use axum::http::{HeaderMap, HeaderValue};

/// API versions this server answers (BEHAVIOR 72, 83).
pub const SUPPORTED_API_VERSIONS: &[&str] = &["2022-11-28", "2026-03-10"];
const DEFAULT_API_VERSION: &str = "2022-11-28";
const HEADER: &str = "x-github-api-version";

/// The version the request asks for, checked: `Ok` with the version to name in the answer's
/// `X-GitHub-Api-Version-Selected`, or the 400 to answer instead.
pub fn check(headers: &HeaderMap) -> Result<HeaderValue, ApiError> {
    match headers.get(HEADER) {
        None => Ok(HeaderValue::from_static(DEFAULT_API_VERSION)),
        Some(value) => {
            let version = value.to_str().unwrap_or("").trim();
            if SUPPORTED_API_VERSIONS.contains(&version) {
                Ok(value.clone())
            } else {
                Err(ApiError::UnsupportedApiVersion(version.chars().take(40).collect()))
            }
        }
    }
}

/// The version named in an answer to a request whose version was refused.
pub fn default() -> HeaderValue {
    HeaderValue::from_static(DEFAULT_API_VERSION)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_api_version_is_supported() {
        assert!(SUPPORTED_API_VERSIONS.contains(&DEFAULT_API_VERSION));
    }

    #[test]
    fn versions_are_checked() {
        let mut h = HeaderMap::new();
        assert_eq!(check(&h).expect("default"), DEFAULT_API_VERSION);
        h.insert(HEADER, HeaderValue::from_static(" 2026-03-10 "));
        assert_eq!(check(&h).expect("supported"), " 2026-03-10 ");
        h.insert(HEADER, HeaderValue::from_static("1999-01-01"));
        assert!(matches!(check(&h), Err(ApiError::UnsupportedApiVersion(v)) if v == "1999-01-01"));
    }
}
