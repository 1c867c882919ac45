//! The sign-in pages over HTTP (FLOWS B): signing in and out, the two-factor step, the session
//! cookie's flags, CSRF refusals, `return_to` kept on this server, session expiry and the
//! lock-out through the form; the headers every page carries.

use crate::browser::Browser;
use crate::helpers::{Options, TestServer, PASSWORD, START};

const SESSION: &str = "grantd_session";
const CSRF: &str = "grantd_csrf";

async fn signing_in_sets_a_session_and_returns_to_the_page_asked_for() {
    let server = TestServer::start().await;
    server.add_user("alice").await;
    let mut browser = Browser::new(&server.url);
    let form = browser.get("/login?return_to=%2Flogin%3Fx%3D1").await;
    assert_eq!(form.status, 200);
    assert!(form.html.contains("name=\"login\"") && form.html.contains("name=\"password\""));
    assert!(form.header("set-cookie").contains("SameSite=Strict"), "the CSRF cookie");
    let csrf = form.csrf();
    let answer = browser
        .post(
            "/session",
            &[
                ("authenticity_token", &csrf),
                ("login", "Alice"),
                ("password", PASSWORD),
                ("return_to", "/login?x=1"),
            ],
        )
        .await;
    assert_eq!((answer.status, answer.location()), (303, "/login?x=1"));
    let cookie = answer.header("set-cookie");
    for flag in [
        "grantd_session=",
        "HttpOnly",
        "SameSite=Lax",
        "Path=/",
        "Max-Age=1209600",
    ] {
        assert!(cookie.contains(flag), "{flag} in {cookie}");
    }
    assert!(!cookie.contains("Secure"), "plain http: no Secure flag");
    let home = browser.get("/login").await;
    assert!(
        home.html.contains("Signed in as <strong>alice</strong>"),
        "{}",
        home.html
    );
    // Signed in, /login with somewhere to go goes straight there.
    let again = browser.get("/login?return_to=%2Fsessions%2Ftwo-factor").await;
    assert_eq!((again.status, again.location()), (303, "/sessions/two-factor"));
}

async fn a_wrong_password_is_refused_and_counts_towards_the_lock_out() {
    let server = TestServer::start_with(Options {
        lockout_threshold: 2,
        ..Options::default()
    })
    .await;
    server.add_user("alice").await;
    let mut browser = Browser::new(&server.url);
    for _ in 0..2 {
        let page = browser.sign_in("alice", "wrong password", "/").await;
        assert_eq!(page.status, 401);
        assert!(page.html.contains("Incorrect username or password."), "{}", page.html);
        assert!(page.html.contains("value=\"alice\""), "the login is kept");
        assert!(browser.cookie(SESSION).is_none());
    }
    let unknown = browser.sign_in("nobody", "wrong password", "/").await;
    assert_eq!(unknown.status, 401, "an unknown login reads the same");
    // The right password after the threshold: locked, as over Basic authentication.
    browser.sign_in("alice", "third wrong", "/").await;
    let locked = browser.sign_in("alice", PASSWORD, "/").await;
    assert_eq!(locked.status, 403);
    assert!(
        locked.html.contains("Too many failed sign-in attempts"),
        "{}",
        locked.html
    );
    assert!(browser.cookie(SESSION).is_none());
    let api = server.root();
    api.get("/authorizations")
        .auth(crate::helpers::password("alice"))
        .send()
        .await
        .expect(403);
}

async fn two_factor_users_sign_in_with_a_code_on_its_own_page() {
    let server = TestServer::start().await;
    let seed = server.add_2fa_user("bob").await;
    let mut browser = Browser::new(&server.url);
    let page = browser.sign_in("bob", PASSWORD, "/login?next=1").await;
    assert_eq!(page.status, 200);
    assert!(page.html.contains("name=\"app_otp\""), "{}", page.html);
    assert!(browser.cookie(SESSION).is_some(), "a pending session");
    // Pending is not signed in.
    assert!(!browser.get("/login").await.html.contains("Signed in as"));
    let csrf = page.csrf();
    let to = page.field("return_to").unwrap();
    let wrong = if seed.code_at(START) == "000000" {
        "111111"
    } else {
        "000000"
    };
    let refused = browser
        .post(
            "/sessions/two-factor",
            &[("authenticity_token", &csrf), ("app_otp", wrong), ("return_to", &to)],
        )
        .await;
    assert_eq!(refused.status, 401);
    assert!(refused.html.contains("Two-factor authentication failed."));
    let code = seed.code_at(START);
    let spaced = format!("{} {}", &code[..3], &code[3..]);
    let done = browser
        .post(
            "/sessions/two-factor",
            &[("authenticity_token", &csrf), ("app_otp", &spaced), ("return_to", &to)],
        )
        .await;
    assert_eq!((done.status, done.location()), (303, "/login?next=1"));
    assert!(browser
        .get("/login")
        .await
        .html
        .contains("Signed in as <strong>bob</strong>"));
}

async fn a_pending_sign_in_ends_after_five_minutes() {
    let server = TestServer::start().await;
    let seed = server.add_2fa_user("bob").await;
    let mut browser = Browser::new(&server.url);
    let page = browser.sign_in("bob", PASSWORD, "/").await;
    server.clock.advance(301);
    let late = browser
        .post(
            "/sessions/two-factor",
            &[
                ("authenticity_token", &page.csrf()),
                ("app_otp", &seed.code_at(START + 301)),
                ("return_to", "/"),
            ],
        )
        .await;
    assert_eq!(late.status, 303);
    assert!(late.location().starts_with("/login?return_to="), "{}", late.location());
    assert!(browser.cookie(SESSION).is_none(), "the pending session is cleared");
}

async fn forms_without_this_browsers_csrf_token_are_refused() {
    let server = TestServer::start().await;
    server.add_user("alice").await;
    let mut browser = Browser::new(&server.url);
    let form = browser.get("/login").await;
    let token = form.csrf();
    for sent in ["", "x", &token[1..]] {
        let page = browser
            .post(
                "/session",
                &[("authenticity_token", sent), ("login", "alice"), ("password", PASSWORD)],
            )
            .await;
        assert_eq!(page.status, 403, "token {sent:?}");
        assert!(page.html.contains("Form expired"));
    }
    // Another site's post carries no cookie of ours (SameSite): the right token alone fails.
    let mut other = Browser::new(&server.url);
    let page = other
        .post(
            "/session",
            &[
                ("authenticity_token", &token),
                ("login", "alice"),
                ("password", PASSWORD),
            ],
        )
        .await;
    assert_eq!(page.status, 403);
    assert!(other.cookie(SESSION).is_none() && browser.cookie(SESSION).is_none());
    // Signing out needs the token too.
    browser.sign_in("alice", PASSWORD, "/").await;
    let refused = browser.post("/logout", &[("authenticity_token", "nope")]).await;
    assert_eq!(refused.status, 403);
    assert!(browser.get("/login").await.html.contains("Signed in as"));
}

async fn return_to_never_leads_off_this_server() {
    let server = TestServer::start().await;
    server.add_user("alice").await;
    for evil in [
        "https://evil.example/",
        "//evil.example/",
        "/\\evil.example",
        "https:evil.example",
        "/\r\nSet-Cookie:x=y",
        "javascript:alert(1)",
    ] {
        let mut browser = Browser::new(&server.url);
        let form = browser.get("/login").await;
        let answer = browser
            .post(
                "/session",
                &[
                    ("authenticity_token", &form.csrf()),
                    ("login", "alice"),
                    ("password", PASSWORD),
                    ("return_to", evil),
                ],
            )
            .await;
        assert_eq!((answer.status, answer.location()), (303, "/login"), "{evil}");
        let shown = browser
            .get(&format!(
                "/login?return_to={}",
                url::form_urlencoded::byte_serialize(evil.as_bytes()).collect::<String>()
            ))
            .await;
        assert!(shown.html.contains("Signed in as"), "{evil}: not redirected away");
    }
}

async fn sessions_end_when_idle_or_old_and_at_sign_out() {
    let server = TestServer::start().await;
    server.add_user("alice").await;
    let signed_in = |html: &str| html.contains("Signed in as");
    // Idle: a day without use.
    let mut idle = Browser::new(&server.url);
    idle.sign_in("alice", PASSWORD, "/").await;
    server.clock.advance(23 * 3600);
    assert!(signed_in(&idle.get("/login").await.html), "used within a day");
    server.clock.advance(23 * 3600);
    assert!(signed_in(&idle.get("/login").await.html), "used again within a day");
    server.clock.advance(24 * 3600 + 1);
    assert!(!signed_in(&idle.get("/login").await.html), "a day and a second unused");
    // Absolute: fourteen days however much it is used.
    let mut busy = Browser::new(&server.url);
    busy.sign_in("alice", PASSWORD, "/").await;
    for _ in 0..14 {
        server.clock.advance(23 * 3600);
        busy.get("/login").await;
    }
    server.clock.advance(14 * 24 * 3600 - 14 * 23 * 3600);
    assert!(
        !signed_in(&busy.get("/login").await.html),
        "fourteen days after sign-in"
    );
    // Sign-out ends the session on the server, not only in this browser.
    let mut out = Browser::new(&server.url);
    out.sign_in("alice", PASSWORD, "/").await;
    let home = out.get("/login").await;
    assert!(
        home.html.contains("action=\"/logout\""),
        "the signed-in page offers signing out"
    );
    let session = out.cookie(SESSION).unwrap().to_owned();
    let bye = out.post("/logout", &[("authenticity_token", &home.csrf())]).await;
    assert_eq!((bye.status, bye.location()), (303, "/login"));
    assert!(out.cookie(SESSION).is_none());
    let mut thief = Browser::new(&server.url);
    thief.set_cookie(SESSION, &session);
    assert!(!signed_in(&thief.get("/login").await.html));
    assert!(out.cookie(CSRF).is_some(), "the CSRF cookie stays for the next form");
}

async fn pages_carry_strict_security_headers_and_the_stylesheet_is_cached() {
    let server = TestServer::start().await;
    let mut browser = Browser::new(&server.url);
    for path in ["/login", "/sessions/two-factor", "/login/nowhere"] {
        let page = browser.get(path).await;
        let csp = page.header("content-security-policy");
        for part in [
            "default-src 'none'",
            "frame-ancestors 'none'",
            "form-action 'self'",
            "style-src 'self'",
        ] {
            assert!(csp.contains(part), "{path}: {part} in {csp}");
        }
        assert!(!csp.contains("script-src"), "{path}: no script at all");
        assert_eq!(page.header("x-frame-options"), "DENY", "{path}");
        assert_eq!(page.header("referrer-policy"), "no-referrer", "{path}");
        assert_eq!(page.header("x-content-type-options"), "nosniff", "{path}");
        assert_eq!(page.header("cache-control"), "no-store", "{path}");
        assert!(page.header("x-github-request-id").len() == 16, "{path}");
        assert!(
            page.header("access-control-allow-origin").is_empty(),
            "{path}: no CORS on pages"
        );
    }
    assert_eq!(browser.get("/login/nowhere").await.status, 404);
    let css = browser.get("/assets/grantd.css").await;
    assert_eq!(css.status, 200);
    assert_eq!(css.header("content-type"), "text/css; charset=utf-8");
    assert!(css.header("cache-control").contains("max-age="));
}

async fn over_https_the_cookies_are_secure_and_host_only() {
    let server = TestServer::start_with(Options {
        public_url: Some("https://git.example.com".into()),
        ..Options::default()
    })
    .await;
    server.add_user("alice").await;
    let mut browser = Browser::new(&server.url);
    let form = browser.get("/login").await;
    assert!(form.header("set-cookie").starts_with("__Host-grantd_csrf="));
    assert!(form.header("set-cookie").contains("Secure"));
    let answer = browser
        .post(
            "/session",
            &[
                ("authenticity_token", &form.csrf()),
                ("login", "alice"),
                ("password", PASSWORD),
            ],
        )
        .await;
    let cookie = answer.header("set-cookie");
    assert!(
        cookie.starts_with("__Host-grantd_session=") && cookie.contains("Secure"),
        "{cookie}"
    );
}

store_tests!(
    signing_in_sets_a_session_and_returns_to_the_page_asked_for,
    a_wrong_password_is_refused_and_counts_towards_the_lock_out,
    two_factor_users_sign_in_with_a_code_on_its_own_page,
    a_pending_sign_in_ends_after_five_minutes,
    forms_without_this_browsers_csrf_token_are_refused,
    return_to_never_leads_off_this_server,
    sessions_end_when_idle_or_old_and_at_sign_out,
    pages_carry_strict_security_headers_and_the_stylesheet_is_cached,
    over_https_the_cookies_are_secure_and_host_only,
);
