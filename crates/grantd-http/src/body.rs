//! Request bodies: parsed as JSON whatever the `Content-Type` says, an empty body meaning `{}`
//! (BEHAVIOR 81); not JSON → 400 `Problems parsing JSON`, not an object → 400 `Body should be a
//! JSON object` (BEHAVIOR 24); a field of the wrong type → 422 `invalid` on that field; `null`
//! means absent (BEHAVIOR 37).

use crate::error::ApiError;
use crate::state::AppState;
use axum::extract::{FromRequest, Request};
use http_body_util::BodyExt as _;
use serde_json::{Map, Value};

/// Most entries a scope list may have: more than every known scope, few enough that
/// normalising stays cheap whatever a client sends.
pub const MAX_SCOPES: usize = 100;

/// A JSON object body.
#[derive(Debug, Default)]
pub struct JsonObject(pub Map<String, Value>);

impl FromRequest<AppState> for JsonObject {
    type Rejection = ApiError;

    /// Reads at most `max_body_bytes` (a longer body, or one that cannot be read, is 413).
    async fn from_request(req: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let limited = http_body_util::Limited::new(req.into_body(), state.config().max_body_bytes);
        let bytes = limited
            .collect()
            .await
            .map_err(|_| ApiError::PayloadTooLarge)?
            .to_bytes();
        parse_object(&bytes).map(JsonObject)
    }
}

/// Parses a body as a JSON object.
pub fn parse_object(bytes: &[u8]) -> Result<Map<String, Value>, ApiError> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok(Map::new());
    }
    match serde_json::from_slice::<Value>(bytes) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(ApiError::BodyNotObject),
        Err(_) => Err(ApiError::ProblemsParsingJson),
    }
}

impl JsonObject {
    /// A string field; `null` or absent is `None`.
    pub fn string(&self, key: &'static str) -> Result<Option<String>, ApiError> {
        match self.0.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => no_nul(key, s).map(|s| Some(s.to_owned())),
            Some(_) => Err(ApiError::invalid_field(key, format!("{key} must be a string"))),
        }
    }

    /// A list of strings of at most [`MAX_SCOPES`] entries; `null` or absent is `None`.
    pub fn string_list(&self, key: &'static str) -> Result<Option<Vec<String>>, ApiError> {
        self.string_list_of_at_most(key, MAX_SCOPES)
    }

    /// A list of strings of at most `max` entries; `null` or absent is `None`.
    pub fn string_list_of_at_most(&self, key: &'static str, max: usize) -> Result<Option<Vec<String>>, ApiError> {
        match self.0.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Array(items)) => {
                if items.len() > max {
                    return Err(ApiError::invalid_field(
                        key,
                        format!("{key} may have at most {max} entries"),
                    ));
                }
                items
                    .iter()
                    .map(|v| match v {
                        Value::String(s) => no_nul(key, s).map(str::to_owned),
                        _ => Err(ApiError::invalid_field(key, format!("{key} must be a list of strings"))),
                    })
                    .collect::<Result<Vec<_>, _>>()
                    .map(Some)
            }
            Some(_) => Err(ApiError::invalid_field(key, format!("{key} must be a list of strings"))),
        }
    }
}

/// Text with a NUL character is refused: no GitHub field can hold one, and PostgreSQL cannot
/// store it.
fn no_nul<'a>(key: &'static str, s: &'a str) -> Result<&'a str, ApiError> {
    if s.contains('\0') {
        Err(ApiError::invalid_field(
            key,
            format!("{key} must not contain NUL characters"),
        ))
    } else {
        Ok(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_body_is_an_empty_object() {
        assert!(parse_object(b"").expect("empty").is_empty());
        assert!(parse_object(b"  \n").expect("blank").is_empty());
    }

    #[test]
    fn non_objects_and_garbage_are_told_apart() {
        assert!(matches!(parse_object(b"[1]"), Err(ApiError::BodyNotObject)));
        assert!(matches!(parse_object(b"\"x\""), Err(ApiError::BodyNotObject)));
        assert!(matches!(parse_object(b"{"), Err(ApiError::ProblemsParsingJson)));
        assert!(matches!(parse_object(b"\xff"), Err(ApiError::ProblemsParsingJson)));
    }

    #[test]
    fn null_is_absent_and_wrong_types_are_invalid() {
        let body = JsonObject(parse_object(br#"{"note": null, "scopes": "repo", "n": 1}"#).expect("object"));
        assert_eq!(body.string("note").expect("null ok"), None);
        assert!(body.string_list("scopes").is_err());
        assert!(body.string("n").is_err());
    }
}
