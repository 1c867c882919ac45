//! Paths as logged (`grantd_http::redact_path`): a token in a legacy path is never logged.
//!
//! Invariants: the path keeps its segments, each either unchanged or `[redacted]`; under
//! `/applications` (github.com or `/api/v3` layout) the first non-empty segment after `tokens`
//! or `grants` is redacted, so no token reaches the logs, even with doubled slashes.
#![no_main]

use grantd_http::redact_path;
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
    let out = redact_path(path);
    let before: Vec<&str> = path.split('/').collect();
    let after: Vec<&str> = out.split('/').collect();
    assert_eq!(before.len(), after.len(), "{path:?} -> {out:?}");
    for (b, a) in before.iter().zip(&after) {
        assert!(
            a == b || (*a == "[redacted]" && !b.is_empty()),
            "{b:?} -> {a:?} in {path:?}"
        );
    }
    // Under /applications (segment 1, or 3 after /api/v3), what follows tokens/grants goes.
    let start = match before.as_slice() {
        ["", "applications", ..] => Some(2),
        ["", "api", "v3", "applications", ..] => Some(4),
        _ => None,
    };
    if let Some(start) = start {
        for i in start..before.len() {
            if before[i] == "tokens" || before[i] == "grants" {
                if let Some(j) = (i + 1..before.len()).find(|&j| !before[j].is_empty()) {
                    assert_eq!(after[j], "[redacted]", "segment {j} of {path:?} logged: {out:?}");
                }
            }
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
