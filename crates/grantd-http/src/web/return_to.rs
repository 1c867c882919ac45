//! `return_to`: where the sign-in sends the browser afterwards. Only ever a path on this server
//! (an absolute path that is not protocol-relative, with no backslash or control character), so
//! the sign-in page cannot be used to send someone elsewhere (no open redirect, FLOWS 12);
//! anything else becomes the default page.

/// Where a browser goes after signing in when nothing (or nothing acceptable) was asked.
pub const DEFAULT: &str = "/login";

/// `requested` if it is a path on this server, else [`DEFAULT`].
pub fn sanitise(requested: Option<&str>) -> &str {
    match requested {
        Some(path) if is_local_path(path) => path,
        _ => DEFAULT,
    }
}

fn is_local_path(path: &str) -> bool {
    path.starts_with('/')
        && !path.starts_with("//")
        && !path.starts_with("/\\")
        && path.len() <= 4096
        && path.bytes().all(|b| b.is_ascii_graphic() && b != b'\\')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_paths_on_this_server_are_kept() {
        for ok in [
            "/login/oauth/authorize?client_id=x&scope=repo%20user",
            "/",
            "/settings/tokens",
        ] {
            assert_eq!(sanitise(Some(ok)), ok);
        }
        for bad in [
            "https://evil.example/",
            "//evil.example/x",
            "/\\evil.example",
            "\\\\evil",
            "javascript:alert(1)",
            "/x\r\nSet-Cookie: a=b",
            "/x y",
            "",
            "evil.example",
            "/\t/evil.example",
        ] {
            assert_eq!(sanitise(Some(bad)), DEFAULT, "{bad:?}");
        }
        assert_eq!(sanitise(None), DEFAULT);
    }
}
