//! Credentials (BEHAVIOR section B): Basic login + password on the password-only endpoints, the
//! 403 for tokens there, token and Basic forms on `/user`, and the failed-login lock-out.

use crate::helpers::*;
use serde_json::json;

async fn password_endpoints_require_credentials() {
    let server = TestServer::start().await;
    server.add_user("alice").await;
    for api in server.layouts() {
        for path in ["/authorizations", "/applications/grants", "/authorizations/1"] {
            let resp = api.get(path).send().await;
            resp.expect(401);
            assert_eq!(resp.message(), "Requires authentication");
            assert!(resp.header("www-authenticate").is_none(), "BEHAVIOR 12: no challenge");
        }
    }
}

async fn wrong_password_or_unknown_user_is_bad_credentials_without_otp_header() {
    let server = TestServer::start().await;
    server.add_user("alice").await;
    let api = server.root();
    for auth in [
        basic("alice", "wrong password"),
        basic("nobody", PASSWORD),
        Auth::Raw("Basic !!!".into()),
        Auth::Raw("Digest x".into()),
    ] {
        let resp = api.get("/authorizations").auth(auth).send().await;
        resp.expect(401);
        assert_eq!(resp.message(), "Bad credentials");
        assert!(resp.header("x-github-otp").is_none());
    }
}

async fn login_is_case_insensitive_and_scheme_name_too() {
    let server = TestServer::start().await;
    server.add_user("Alice").await;
    let api = server.root();
    api.get("/authorizations")
        .auth(password("aLiCe"))
        .send()
        .await
        .expect(200);
    use base64::Engine as _;
    let encoded = base64::engine::general_purpose::STANDARD.encode(format!("alice:{PASSWORD}"));
    api.get("/authorizations")
        .auth(Auth::Raw(format!("basic {encoded}")))
        .send()
        .await
        .expect(200);
}

async fn a_token_on_password_endpoints_is_githubs_403() {
    // BEHAVIOR 7 (Basic with a token as password; `token`/`bearer` header: decision).
    let server = TestServer::start().await;
    server.add_user("alice").await;
    for api in server.layouts() {
        let t = api
            .create_pat("alice", &format!("t{}", api.base.len()), &["user"])
            .await["token"]
            .as_str()
            .unwrap()
            .to_owned();
        for auth in [basic("alice", &t), token(&t), Auth::Raw(format!("Bearer {t}"))] {
            let resp = api.get("/authorizations").auth(auth).send().await;
            resp.expect(403);
            assert_eq!(
                resp.message(),
                "This API can only be accessed with username and password Basic Auth"
            );
        }
        // A token that does not exist is just bad credentials.
        let resp = api
            .get("/authorizations")
            .auth(token("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"))
            .send()
            .await;
        resp.expect(401);
    }
}

async fn user_accepts_token_bearer_basic_token_and_password() {
    let server = TestServer::start().await;
    server.add_user("alice").await;
    let api = server.root();
    let t = api.create_pat("alice", "u", &["repo", "user"]).await["token"]
        .as_str()
        .unwrap()
        .to_owned();
    use base64::Engine as _;
    let b64 = |s: String| base64::engine::general_purpose::STANDARD.encode(s);
    for auth in [
        token(&t),
        Auth::Raw(format!("bearer {t}")),
        Auth::Raw(format!("TOKEN {t}")),
        basic("alice", &t),
        Auth::Raw(format!("Basic {}", b64(format!("{t}:x-oauth-basic")))),
    ] {
        let resp = api.get("/user").auth(auth).send().await;
        resp.expect(200);
        assert_eq!(resp.body["login"], "alice");
        assert_eq!(resp.header("x-oauth-scopes"), Some("repo, user"));
        assert_eq!(resp.header("x-accepted-oauth-scopes"), Some(""));
    }
    let by_password = api.get("/user").auth(password("alice")).send().await;
    by_password.expect(200);
    assert!(by_password.header("x-oauth-scopes").is_none());
    // Someone else's login with the token.
    api.get("/user").auth(basic("bob", &t)).send().await.expect(401);
    let none = api.get("/user").send().await;
    none.expect(401);
    assert_eq!(none.message(), "Requires authentication");
    let bad = api.get("/user").auth(token("ghp_nottoken")).send().await;
    bad.expect(401);
    assert_eq!(bad.message(), "Bad credentials");
}

async fn failed_logins_lock_the_user_out_even_with_the_right_password() {
    let server = TestServer::start_with(Options {
        lockout_threshold: 3,
        ..Options::default()
    })
    .await;
    server.add_user("alice").await;
    server.add_user("bob").await;
    let api = server.root();
    for _ in 0..3 {
        api.get("/authorizations")
            .auth(basic("alice", "wrong"))
            .send()
            .await
            .expect(401);
    }
    for auth in [password("alice"), basic("alice", "wrong")] {
        let resp = api.get("/authorizations").auth(auth).send().await;
        resp.expect(403);
        assert_eq!(
            resp.message(),
            "Maximum number of login attempts exceeded. Please try again later."
        );
    }
    // Other users are not affected.
    api.get("/authorizations")
        .auth(password("bob"))
        .send()
        .await
        .expect(200);
    // The lock lifts after its time.
    server.clock.advance(15 * 60 + 1);
    api.get("/authorizations")
        .auth(password("alice"))
        .send()
        .await
        .expect(200);
}

async fn failures_outside_the_window_do_not_add_up() {
    let server = TestServer::start_with(Options {
        lockout_threshold: 3,
        ..Options::default()
    })
    .await;
    server.add_user("alice").await;
    let api = server.root();
    for _ in 0..5 {
        api.get("/authorizations")
            .auth(basic("alice", "wrong"))
            .send()
            .await
            .expect(401);
        api.get("/authorizations")
            .auth(password("alice"))
            .send()
            .await
            .expect(200);
    }
    for _ in 0..2 {
        api.get("/authorizations")
            .auth(basic("alice", "wrong"))
            .send()
            .await
            .expect(401);
        server.clock.advance(16 * 60);
    }
    api.get("/authorizations")
        .auth(basic("alice", "wrong"))
        .send()
        .await
        .expect(401);
    api.get("/authorizations")
        .auth(password("alice"))
        .send()
        .await
        .expect(200);
    let _ = json!(null);
}

store_tests!(
    password_endpoints_require_credentials,
    wrong_password_or_unknown_user_is_bad_credentials_without_otp_header,
    login_is_case_insensitive_and_scheme_name_too,
    a_token_on_password_endpoints_is_githubs_403,
    user_accepts_token_bearer_basic_token_and_password,
    failed_logins_lock_the_user_out_even_with_the_right_password,
    failures_outside_the_window_do_not_add_up,
);
