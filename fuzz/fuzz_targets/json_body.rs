//! JSON request bodies (`grantd_http::body::parse_object`) and the `JsonObject` accessors, read
//! with the field names the handlers use; scope lists go on to `ScopeRegistry::normalise` as the
//! services do. `dicts/json_body.dict` holds the field names and JSON tokens.
#![no_main]

use grantd_core::model::ScopeRegistry;
use grantd_http::body::{parse_object, JsonObject, MAX_SCOPES};
use grantd_http::error::ApiError;
use libfuzzer_sys::fuzz_target;
use serde_json::Value;

const STRING_FIELDS: &[&str] = &[
    "note",
    "note_url",
    "client_id",
    "client_secret",
    "fingerprint",
    "access_token",
];
const LIST_FIELDS: &[&str] = &["scopes", "add_scopes", "remove_scopes", "rm_scopes"];

fuzz_target!(|data: &[u8]| {
    let parsed = parse_object(data);
    if data.iter().all(u8::is_ascii_whitespace) {
        assert!(parsed.as_ref().is_ok_and(|m| m.is_empty()), "a blank body is not {{}}");
    }
    let map = match parsed {
        Ok(map) => map,
        Err(ApiError::BodyNotObject) => {
            let v: Value = serde_json::from_slice(data).expect("BodyNotObject for text that is not JSON");
            assert!(!v.is_object());
            return;
        }
        Err(ApiError::ProblemsParsingJson) => {
            assert!(serde_json::from_slice::<Value>(data).is_err(), "valid JSON refused");
            return;
        }
        Err(other) => panic!("parse_object gave {other:?}"),
    };
    // The parsed object survives a write and a re-read with the same keys.
    let again = parse_object(&serde_json::to_vec(&map).expect("serialise")).expect("re-read");
    assert!(again.keys().eq(map.keys()));

    let body = JsonObject(map);
    let registry = ScopeRegistry::default();
    for &key in STRING_FIELDS.iter().chain(LIST_FIELDS) {
        match (body.string(key), body.0.get(key)) {
            (Ok(None), None | Some(Value::Null)) => {}
            (Ok(Some(s)), Some(Value::String(raw))) => {
                assert_eq!(&s, raw);
                assert!(!s.contains('\0'));
            }
            (Err(ApiError::Validation(_)), Some(Value::String(raw))) => assert!(raw.contains('\0')),
            (Err(ApiError::Validation(_)), Some(v)) => assert!(!v.is_null() && !v.is_string()),
            (other, v) => panic!("string({key}) gave {other:?} for {v:?}"),
        }
        match (body.string_list(key), body.0.get(key)) {
            (Ok(None), None | Some(Value::Null)) => {}
            (Ok(Some(list)), Some(Value::Array(items))) => {
                assert!(list.len() <= MAX_SCOPES);
                assert_eq!(list.len(), items.len());
                assert!(list.iter().all(|s| !s.contains('\0')));
                assert!(items.iter().zip(&list).all(|(v, s)| v.as_str() == Some(s.as_str())));
                // As the services use it.
                if let Ok(scopes) = registry.normalise(&list) {
                    assert!(scopes.as_slice().len() <= list.len());
                    for name in list.iter().map(|s| s.trim()).filter(|s| !s.is_empty()) {
                        assert!(scopes.grants(name), "{name:?} lost by normalising {list:?}");
                    }
                }
            }
            (Err(ApiError::Validation(_)), Some(Value::Array(items))) => assert!(
                items.len() > MAX_SCOPES || items.iter().any(|v| v.as_str().is_none_or(|s| s.contains('\0'))),
                "list refused: {items:?}"
            ),
            (Err(ApiError::Validation(_)), Some(v)) => assert!(!v.is_null() && !v.is_array()),
            (other, v) => panic!("string_list({key}) gave {other:?} for {v:?}"),
        }
    }
});
