//! `GET /login/oauth/authorize` and the consent page over HTTP (FLOWS 10-20): sign-in first,
//! the app's page, approve and cancel redirects, the consent skip and its guard, the error page
//! for a redirect URI that is not the app's, errors sent back to the app, CSRF.

use crate::browser::{Browser, Page};
use crate::helpers::{password, TestServer, PASSWORD};
use serde_json::json;

const CALLBACK: &str = "http://127.0.0.1/cb";

/// The query of `url`, as pairs.
fn query(url: &str) -> Vec<(String, String)> {
    let parsed = url::Url::parse(url).unwrap();
    parsed
        .query_pairs()
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

fn param(url: &str, name: &str) -> Option<String> {
    query(url).into_iter().find(|(k, _)| k == name).map(|(_, v)| v)
}

/// Signs `login` in, in a new browser.
async fn signed_in(server: &TestServer, login: &str) -> Browser {
    let mut browser = Browser::new(&server.url);
    browser.sign_in(login, PASSWORD, "/login").await;
    browser
}

/// Presses a consent page's button.
async fn decide(browser: &mut Browser, page: &Page, authorize: bool) -> Page {
    let mut fields: Vec<(String, String)> = vec![("authenticity_token".into(), page.csrf())];
    for name in [
        "client_id",
        "redirect_uri",
        "scope",
        "state",
        "code_challenge",
        "code_challenge_method",
    ] {
        if let Some(value) = page.field(name) {
            fields.push((name.into(), value));
        }
    }
    fields.push(("authorize".into(), if authorize { "1" } else { "0" }.into()));
    let refs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    browser.post("/login/oauth/authorize", &refs).await
}

async fn a_browser_not_signed_in_signs_in_first_and_comes_back() {
    let server = TestServer::start().await;
    server.add_user("alice").await;
    let (client_id, _) = server.add_app_with_callbacks("Wiki", &[CALLBACK]).await;
    let mut browser = Browser::new(&server.url);
    let path = format!("/login/oauth/authorize?client_id={client_id}&scope=repo%20user&state=xyz");
    let first = browser.get(&path).await;
    assert_eq!(first.status, 302);
    let to = first.location().to_owned();
    assert!(
        to.starts_with(&format!("/login?client_id={client_id}&return_to=")),
        "{to}"
    );
    let suggested = browser.get(&format!("{path}&login=alice")).await;
    assert!(
        suggested.location().ends_with("&login=alice"),
        "{}",
        suggested.location()
    );
    let form = browser.get(suggested.location()).await;
    assert_eq!(
        form.field("login").as_deref(),
        Some("alice"),
        "the suggested account is filled in"
    );
    let login = browser.get(&to).await;
    assert!(
        login.html.contains("to continue to <strong>Wiki</strong>"),
        "{}",
        login.html
    );
    assert_eq!(login.field("return_to").as_deref(), Some(path.as_str()));
    let consent = browser.sign_in("alice", PASSWORD, &path).await;
    assert_eq!(consent.status, 200);
    assert!(consent.html.contains("Authorize Wiki"), "{}", consent.html);
    for words in [
        "Full control of private repositories",
        "Update all your profile data",
        "127.0.0.1",
    ] {
        assert!(consent.html.contains(words), "{words}");
    }
    let csp = consent.header("content-security-policy");
    assert!(csp.contains("form-action 'self' http://127.0.0.1"), "{csp}");
    assert!(csp.contains("frame-ancestors 'none'") && consent.header("x-frame-options") == "DENY");
}

async fn approving_sends_a_code_and_the_state_cancelling_access_denied() {
    let server = TestServer::start().await;
    server.add_user("alice").await;
    let (client_id, _) = server
        .add_app_with_callbacks("Wiki", &["http://127.0.0.1/cb?keep=1"])
        .await;
    let mut browser = signed_in(&server, "alice").await;
    let path = format!("/login/oauth/authorize?client_id={client_id}&scope=gist&state=s%201&redirect_uri=http%3A%2F%2F127.0.0.1%3A53123%2Fcb%2Fsub");
    let consent = browser.get(&path).await;
    assert_eq!(consent.status, 200, "{}", consent.html);
    let approved = decide(&mut browser, &consent, true).await;
    assert_eq!(approved.status, 302);
    let to = approved.location();
    assert!(to.starts_with("http://127.0.0.1:53123/cb/sub?code="), "{to}");
    let code = param(to, "code").unwrap();
    assert!(
        code.len() == 20 && code.bytes().all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase()),
        "{code}"
    );
    assert_eq!(param(to, "state").as_deref(), Some("s 1"));
    let consent = browser.get(&path).await;
    let cancelled = decide(&mut browser, &consent, false).await;
    let to = cancelled.location();
    assert_eq!(
        query(to),
        vec![
            ("error".to_owned(), "access_denied".to_owned()),
            ("error_description".to_owned(), "The user has denied your application access.".to_owned()),
            (
                "error_uri".to_owned(),
                "https://docs.github.com/apps/managing-oauth-apps/troubleshooting-authorization-request-errors/#access-denied".to_owned()
            ),
            ("state".to_owned(), "s 1".to_owned()),
        ]
    );
    // Without a redirect_uri: the app's first callback, its query kept; no state when none.
    let plain = browser
        .get(&format!("/login/oauth/authorize?client_id={client_id}"))
        .await;
    let to = decide(&mut browser, &plain, true).await.location().to_owned();
    assert!(to.starts_with("http://127.0.0.1/cb?keep=1&code="), "{to}");
    assert_eq!(param(&to, "state"), None);
}

async fn unknown_apps_and_foreign_redirects_get_a_page_never_a_redirect() {
    let server = TestServer::start().await;
    server.add_user("alice").await;
    let (client_id, _) = server
        .add_app_with_callbacks("Wiki", &["https://wiki.example.com/path"])
        .await;
    let mut browser = signed_in(&server, "alice").await;
    let unknown = browser.get("/login/oauth/authorize?client_id=nope").await;
    assert_eq!(unknown.status, 404);
    assert!(unknown.location().is_empty());
    for (redirect, ok) in [
        ("https://wiki.example.com/path", true),
        ("https://wiki.example.com/path/sub", true),
        ("https://docs.wiki.example.com/path", true),
        ("https://wiki.example.com/pathology", false),
        ("https://wiki.example.com:8443/path", false),
        ("http://wiki.example.com/path", false),
        ("https://evil.example/path", false),
        ("https://wiki.example.com.evil.example/path", false),
    ] {
        let page = browser
            .get(&format!(
                "/login/oauth/authorize?client_id={client_id}&redirect_uri={}",
                url::form_urlencoded::byte_serialize(redirect.as_bytes()).collect::<String>()
            ))
            .await;
        if ok {
            assert_eq!(page.status, 200, "{redirect}");
        } else {
            assert_eq!(page.status, 400, "{redirect}");
            assert!(page.location().is_empty(), "{redirect}: never a redirect");
            assert!(page
                .html
                .contains("The redirect_uri is not associated with this application."));
        }
    }
}

async fn other_errors_are_sent_back_to_the_app() {
    let server = TestServer::start().await;
    server.add_user("alice").await;
    let (client_id, _) = server.add_app_with_callbacks("Wiki", &[CALLBACK]).await;
    let mut browser = signed_in(&server, "alice").await;
    let challenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
    for (extra, error) in [
        ("&scope=no_such_scope", "invalid_scope"),
        (
            &format!("&code_challenge={challenge}&code_challenge_method=plain") as &str,
            "invalid_request",
        ),
        (&format!("&code_challenge={challenge}"), "invalid_request"),
        ("&code_challenge_method=S256", "invalid_request"),
        ("&code_challenge=short&code_challenge_method=S256", "invalid_request"),
    ] {
        let answer = browser
            .get(&format!("/login/oauth/authorize?client_id={client_id}&state=st{extra}"))
            .await;
        assert_eq!(answer.status, 302, "{extra}");
        let to = answer.location();
        assert!(to.starts_with("http://127.0.0.1/cb?error="), "{to}");
        assert_eq!(param(to, "error").as_deref(), Some(error), "{extra}");
        assert_eq!(param(to, "state").as_deref(), Some("st"));
    }
    // Scopes separated by spaces, `+` or commas; `offline_access` is no scope.
    let page = browser
        .get(&format!("/login/oauth/authorize?client_id={client_id}&scope=repo,gist+user%20offline_access&code_challenge={challenge}&code_challenge_method=S256"))
        .await;
    assert_eq!(page.status, 200);
    assert!(page.html.contains("Create gists") && page.html.contains("Full control of private repositories"));
    assert!(!page.html.contains("(offline_access)"), "not listed as a scope");
}

async fn an_app_that_holds_the_scopes_already_is_not_asked_again() {
    let server = TestServer::start().await;
    server.add_user("alice").await;
    let (client_id, secret) = server.add_app_with_callbacks("Wiki", &[CALLBACK]).await;
    // The app holds `repo` and `user` through a token of its own.
    server
        .root()
        .put(&format!("/authorizations/clients/{client_id}"))
        .auth(password("alice"))
        .json(json!({"client_secret": secret, "scopes": ["repo", "user"]}))
        .send()
        .await
        .expect(201);
    let mut browser = signed_in(&server, "alice").await;
    for scope in ["repo", "user:email", ""] {
        let answer = browser
            .get(&format!("/login/oauth/authorize?client_id={client_id}&scope={scope}"))
            .await;
        assert_eq!(answer.status, 302, "scope {scope:?}: no page");
        assert!(answer.location().starts_with("http://127.0.0.1/cb?code="));
    }
    let shown = browser
        .get(&format!(
            "/login/oauth/authorize?client_id={client_id}&scope=repo&prompt=select_account"
        ))
        .await;
    assert_eq!(shown.status, 200, "prompt=select_account always shows the page");
    assert!(shown.html.contains("Signed in as <strong>alice</strong>"));
    let more = browser
        .get(&format!("/login/oauth/authorize?client_id={client_id}&scope=repo,gist"))
        .await;
    assert_eq!(more.status, 200, "a new scope is asked");
    assert!(more.html.contains("already has some access") && more.html.contains("Create gists"));
    assert!(
        !more.html.contains("Full control of private repositories"),
        "only what is new is listed"
    );
    // Ten tokens for this person and app within the hour: the page again (FLOWS 17).
    for i in 0..10 {
        server
            .root()
            .put(&format!("/authorizations/clients/{client_id}/fp{i}"))
            .auth(password("alice"))
            .json(json!({"client_secret": secret, "scopes": ["repo"]}))
            .send()
            .await
            .expect(201);
    }
    let again = browser
        .get(&format!("/login/oauth/authorize?client_id={client_id}&scope=repo"))
        .await;
    assert_eq!(again.status, 200, "asked again after ten tokens in an hour");
    server.clock.advance(3601);
    let later = browser
        .get(&format!("/login/oauth/authorize?client_id={client_id}&scope=repo"))
        .await;
    assert_eq!(later.status, 302, "an hour later the skip is back");
}

async fn the_consent_form_needs_its_csrf_token_and_a_signed_in_person() {
    let server = TestServer::start().await;
    server.add_user("alice").await;
    let (client_id, _) = server.add_app_with_callbacks("Wiki", &[CALLBACK]).await;
    let mut browser = signed_in(&server, "alice").await;
    let consent = browser
        .get(&format!("/login/oauth/authorize?client_id={client_id}&scope=repo"))
        .await;
    let forged = browser
        .post(
            "/login/oauth/authorize",
            &[
                ("authenticity_token", "forged"),
                ("client_id", &client_id),
                ("scope", "repo"),
                ("authorize", "1"),
            ],
        )
        .await;
    assert_eq!(forged.status, 403);
    assert!(forged.location().is_empty());
    // Another browser with the page's token but not its cookies.
    let mut other = Browser::new(&server.url);
    let stolen = other
        .post(
            "/login/oauth/authorize",
            &[
                ("authenticity_token", &consent.csrf()),
                ("client_id", &client_id),
                ("authorize", "1"),
            ],
        )
        .await;
    assert_eq!(stolen.status, 403);
}

/// The whole flow over HTTP: the browser approves with PKCE, the app exchanges the code (naming
/// the redirect URI as it sent it, in another spelling of the same URL) and the token works.
async fn a_code_from_the_consent_page_is_exchanged_for_a_working_token() {
    use base64::Engine as _;
    use sha2::Digest as _;
    let server = TestServer::start().await;
    server.add_user("alice").await;
    let (client_id, secret) = server.add_app_with_callbacks("Wiki", &[CALLBACK]).await;
    let verifier = "dBjftJeZ4CVP-mJ92K27uhbUJU1p1r_wW1gFWFOEjXk";
    let challenge = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(sha2::Sha256::digest(verifier));
    let mut browser = signed_in(&server, "alice").await;
    let consent = browser
        .get(&format!(
            "/login/oauth/authorize?client_id={client_id}&scope=user:email&state=abc&redirect_uri=http%3A%2F%2F127.0.0.1%3A53123%2Fcb&code_challenge={challenge}&code_challenge_method=S256"
        ))
        .await;
    let to = decide(&mut browser, &consent, true).await.location().to_owned();
    let code = param(&to, "code").unwrap();
    let answer: serde_json::Value = reqwest::Client::new()
        .post(format!("{}/login/oauth/access_token", server.url))
        .header("Accept", "application/json")
        .form(&[
            ("client_id", client_id.as_str()),
            ("client_secret", secret.as_str()),
            ("code", code.as_str()),
            ("redirect_uri", "HTTP://127.0.0.1:53123/cb"),
            ("code_verifier", verifier),
        ])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(answer["scope"], "user:email", "{answer}");
    let token = answer["access_token"].as_str().unwrap();
    assert!(token.starts_with("gho_"), "{answer}");
    let emails = server
        .root()
        .get("/user/emails")
        .auth(crate::helpers::token(token))
        .send()
        .await;
    emails.expect(200);
}

store_tests!(
    a_browser_not_signed_in_signs_in_first_and_comes_back,
    a_code_from_the_consent_page_is_exchanged_for_a_working_token,
    approving_sends_a_code_and_the_state_cancelling_access_denied,
    unknown_apps_and_foreign_redirects_get_a_page_never_a_redirect,
    other_errors_are_sent_back_to_the_app,
    an_app_that_holds_the_scopes_already_is_not_asked_again,
    the_consent_form_needs_its_csrf_token_and_a_signed_in_person,
);
