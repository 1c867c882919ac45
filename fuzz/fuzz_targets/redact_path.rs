//! Paths as logged (`grantd_http::urls::route_for_log`): a token in a path is never logged.
//!
//! Invariants: the logged route is a route's template, or it is at most `UnknownPath::MAX_LEN`
//! bytes (and an ellipsis) with no segment that could hold a token: none of 40 bytes or more,
//! none with a `gh?_` prefix in it; and the token appended to a path never appears.
#![no_main]

use grantd_http::urls::{route_for_log, UnknownPath, ROUTES};
use libfuzzer_sys::fuzz_target;

const PREFIXES: &[&str] = &[
    "",
    "/applications/",
    "/api/v3/applications/",
    "/applications/abc/tokens/",
    "/applications/abc/grants/",
    "/api/v3/applications/abc/tokens/",
];
const TOKEN: &str = "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";

fn check(path: &str) {
    let out = route_for_log(path).to_string();
    assert!(!out.contains(&TOKEN[4..]), "{path:?} -> {out:?}");
    if ROUTES.iter().any(|r| r.template == out) {
        return;
    }
    assert!(out.len() <= UnknownPath::MAX_LEN + "/…".len(), "{path:?} -> {out:?}");
    for segment in out.split('/') {
        assert!(segment.len() < 40, "{segment:?} of {path:?} logged: {out:?}");
        let lower = segment.to_ascii_lowercase();
        for prefix in ["gho_", "ghp_", "ghu_", "ghs_", "ghr_"] {
            assert!(!lower.contains(prefix), "{segment:?} of {path:?} logged: {out:?}");
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let Ok(rest) = std::str::from_utf8(rest) else { return };
    let prefix = PREFIXES[usize::from(mode) % PREFIXES.len()];
    let path = format!("{prefix}{rest}");
    check(&path);
    if mode & 0x80 != 0 {
        check(&format!("{path}/{TOKEN}"));
    }
});
