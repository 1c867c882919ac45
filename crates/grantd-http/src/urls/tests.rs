//! The URL table against itself and against the axum router it replaced; the log never names a token.

use super::*;

const TOKEN: &str = "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";

/// The template with every parameter filled in.
fn example(template: &str) -> String {
    template
        .split('/')
        .map(|s| if s.starts_with('{') { "x1" } else { s })
        .collect::<Vec<_>>()
        .join("/")
}

#[test]
fn every_route_matches_its_own_template() {
    for route in ROUTES {
        assert_eq!(route_of(&example(route.template)), Some(route), "{}", route.template);
        if let Some(i) = route.secret_segment {
            let segment = route.template.trim_start_matches('/').split('/').nth(i);
            assert_eq!(segment, Some("{access_token}"), "{}", route.template);
        }
    }
}

#[test]
fn the_table_agrees_with_the_part_of_the_url_space_it_lies_in() {
    for route in ROUTES {
        let path = example(route.template);
        let (zone, _) = zone(&path);
        for op in route.operations {
            // The zone says what a path no operation serves needs: an app's routes its
            // credentials, an unauthenticated route none.
            let expected = match op.auth {
                AppWithToken => App,
                Unauthenticated => Public,
                other => other,
            };
            assert_eq!(zone, expected, "{} {:?}", route.template, op.verb);
            assert_eq!(
                op.read_only,
                op.verb == Get || op.endpoint == E::CheckToken,
                "{:?}",
                op.endpoint
            );
        }
    }
}

#[test]
fn paths_are_classified() {
    let auth = |method: Method, path: &str| classify(&method, path).auth;
    assert_eq!(auth(Method::GET, "/authorizations"), Password);
    assert_eq!(auth(Method::PATCH, "/authorizations"), Password);
    assert_eq!(auth(Method::GET, "/authorizations/1"), Password);
    assert_eq!(auth(Method::GET, "/authorizationsx"), Public);
    assert_eq!(auth(Method::GET, "/applications/grants/3"), Password);
    assert_eq!(auth(Method::GET, "/applications/grants/tokens/x"), Password);
    assert_eq!(auth(Method::PATCH, "/applications/abc/token"), App);
    assert_eq!(auth(Method::POST, "/applications/abc/token"), AppWithToken);
    assert_eq!(auth(Method::GET, "/applications/abc/token"), App);
    assert_eq!(auth(Method::GET, "/applications/abc/tokens/t"), AppWithToken);
    assert_eq!(auth(Method::GET, "/applications/abc/whatever/else/here/too"), App);
    assert_eq!(classify(&Method::GET, "/applications/abc/x").client_id, "abc");
    assert_eq!(auth(Method::GET, "/applications/abc"), Public);
    assert_eq!(auth(Method::POST, "/applications//token"), Public);
    assert_eq!(auth(Method::GET, "/user"), TokenOrPassword);
    assert_eq!(auth(Method::PUT, "/user"), TokenOrPassword);
    assert_eq!(auth(Method::GET, "/user/"), Public);
    assert_eq!(auth(Method::GET, "/user/emails"), TokenOrPassword);
    assert_eq!(auth(Method::POST, "/user/emails"), TokenOrPassword);
    assert_eq!(auth(Method::GET, "/user/emails/x"), Public);
    assert_eq!(auth(Method::GET, "/meta"), Public);
    assert_eq!(auth(Method::GET, "/"), Public);
    assert_eq!(auth(Method::GET, ""), Public);
}

#[test]
fn only_gets_and_token_checks_read_only() {
    let reads = |method: Method, path: &str| classify(&method, path).read_only;
    assert!(reads(Method::GET, "/authorizations"));
    assert!(reads(Method::HEAD, "/authorizations/12"));
    assert!(reads(Method::GET, "/nowhere"));
    assert!(reads(Method::POST, "/applications/abc/token"));
    assert!(reads(Method::GET, "/applications/abc/tokens/x"));
    assert!(!reads(Method::PATCH, "/applications/abc/token"));
    assert!(!reads(Method::DELETE, "/applications/abc/token"));
    assert!(!reads(Method::POST, "/authorizations"));
    assert!(!reads(Method::POST, "/applications/a/b/token"));
    assert!(!reads(Method::POST, "/applications/abc/tokens/x"));
}

#[test]
fn methods_select_operations() {
    let op = |method: Method, path: &str| classify(&method, path).operation.map(|o| o.endpoint);
    assert_eq!(op(Method::HEAD, "/"), Some(E::Root));
    assert_eq!(op(Method::POST, "/authorizations/7"), Some(E::UpdateAuthorization));
    assert_eq!(op(Method::PATCH, "/authorizations/7"), Some(E::UpdateAuthorization));
    assert_eq!(
        op(Method::PUT, "/authorizations/clients/abc"),
        Some(E::GetOrCreateAuthorization)
    );
    assert_eq!(op(Method::GET, "/authorizations/clients"), Some(E::GetAuthorization));
    assert_eq!(op(Method::PATCH, "/authorizations"), None);
    assert_eq!(op(Method::OPTIONS, "/user"), None);
    assert_eq!(op(Method::DELETE, "/applications/grants/5"), Some(E::DeleteGrant));
    assert_eq!(op(Method::DELETE, "/applications/grants/grants/x"), None);
    assert_eq!(
        op(Method::DELETE, "/applications/abc/grants/x"),
        Some(E::LegacyRevokeGrant)
    );
    assert_eq!(op(Method::GET, "/applications/abc/tokens/"), None);
    assert_eq!(op(Method::POST, "/applications//token"), Some(E::CheckToken));
    assert_eq!(op(Method::GET, "/a/b/c/d/e/f"), None);
}

#[test]
fn the_log_names_routes_by_template_and_never_a_token() {
    let logged = |path: &str| route_for_log(path).to_string();
    assert_eq!(
        logged(&format!("/applications/abc/tokens/{TOKEN}")),
        "/applications/{client_id}/tokens/{access_token}"
    );
    assert_eq!(
        logged(&format!("/api/v3/applications/abc/grants/{TOKEN}")),
        "/applications/{client_id}/grants/{access_token}"
    );
    // A grant id is an id, not a secret: the route says what it is.
    assert_eq!(logged("/applications/grants/12"), "/applications/grants/{grant_id}");
    assert_eq!(logged("/api/v3"), "/");
    assert_eq!(logged("/authorizations/12"), "/authorizations/{authorization_id}");
    // Paths no route matches keep what cannot be a token.
    assert_eq!(logged("/nowhere/12"), "/nowhere/12");
    assert_eq!(logged("/api/v4/users"), "/api/v4/users");
    for path in [
        format!("/applications/abc/tokens//{TOKEN}"),
        format!("/applications/grants/grants/{TOKEN}"),
        format!("/api/v4/applications/abc/tokens/{TOKEN}"),
        format!("/x/{}", TOKEN.to_uppercase()),
        format!("/x/{}", &TOKEN[..12]),
        format!("/x/a{}", &TOKEN[..8]),
        format!("/x/{}", "0123456789abcdef0123456789abcdef01234567"),
        format!("/x/%67ho_{}", &TOKEN[4..]),
        format!("/{}/{TOKEN}", "y".repeat(300)),
    ] {
        let out = logged(&path);
        assert!(!out.contains(&TOKEN[4..12]), "{path} -> {out}");
        assert!(!out.to_ascii_lowercase().contains("ghp_"), "{path} -> {out}");
        assert!(out.len() <= UnknownPath::MAX_LEN + "/…".len(), "{path} -> {out}");
    }
    assert_eq!(logged("/x/ghp_abc/y"), "/x/{redacted}/y");
}

/// The classifier routes as the axum router it replaced did, for every path of a corpus built
/// from the templates (each segment swapped for each interesting value).
#[tokio::test]
async fn routes_as_axum_routed() {
    use axum::routing::any;
    use tower::ServiceExt as _;
    let mut router = axum::Router::new();
    for route in ROUTES {
        let template = route.template;
        router = router.route(template, any(move || async move { template }));
    }
    let router = router.fallback(|| async { "none" });
    let values = [
        "",
        "x1",
        "grants",
        "clients",
        "tokens",
        "token",
        "grant",
        "applications",
        "%2F",
    ];
    let mut paths = vec!["/".to_owned(), "//".to_owned(), "/user/".to_owned()];
    for route in ROUTES {
        let segments: Vec<&str> = route.template.split('/').collect();
        for i in 1..segments.len() {
            for v in values {
                let mut s = segments.clone();
                s[i] = v;
                paths.push(example(&s.join("/")));
                paths.push(format!("{}/x", example(&s.join("/"))));
            }
        }
    }
    let mut differences = Vec::new();
    for path in paths {
        let request = http::Request::builder()
            .uri(&path)
            .body(axum::body::Body::empty())
            .expect("request");
        let response = router.clone().oneshot(request).await.expect("answer");
        let body = http_body_util::BodyExt::collect(response.into_body())
            .await
            .expect("body")
            .to_bytes();
        let axum = std::str::from_utf8(&body).expect("text");
        let ours = route_of(&path).map_or("none", |r| r.template);
        // The one deliberate difference: axum let `{client_id}` be `grants` under the password
        // part of the URL space; no app has that client id.
        if path.starts_with("/applications/grants/") && ours == "none" {
            continue;
        }
        if ours != axum {
            differences.push(format!("{path}: ours {ours}, axum {axum}"));
        }
    }
    assert!(differences.is_empty(), "{differences:#?}");
}
