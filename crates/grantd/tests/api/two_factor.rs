//! Two-factor authentication with TOTP (BEHAVIOR section C, 80).

use crate::helpers::*;
use serde_json::json;

async fn missing_code_is_401_with_the_otp_header_and_githubs_message() {
    let server = TestServer::start().await;
    server.add_2fa_user("bob").await;
    for api in server.layouts() {
        let resp = api
            .post("/authorizations")
            .auth(password("bob"))
            .json(json!({"note": "x"}))
            .send()
            .await;
        resp.expect(401);
        assert_eq!(resp.header("x-github-otp"), Some("required; app"));
        assert_eq!(resp.message(), "Must specify two-factor authentication OTP code.");
        // Wrong password: bad credentials and no OTP header (BEHAVIOR 19).
        let wrong = api
            .post("/authorizations")
            .auth(basic("bob", "nope"))
            .otp("123456")
            .json(json!({"note": "x"}))
            .send()
            .await;
        wrong.expect(401);
        assert_eq!(wrong.message(), "Bad credentials");
        assert!(wrong.header("x-github-otp").is_none());
    }
}

async fn a_valid_code_is_accepted_and_may_be_reused_within_its_window() {
    let server = TestServer::start().await;
    let seed = server.add_2fa_user("bob").await;
    let code = seed.code_at(START);
    for (i, api) in server.layouts().iter().enumerate() {
        let resp = api
            .post("/authorizations")
            .auth(password("bob"))
            .otp(&code)
            .json(json!({"note": format!("n{i}")}))
            .send()
            .await;
        resp.expect(201);
        // Clients resend the same code on their next requests (BEHAVIOR 80).
        api.get("/authorizations")
            .auth(password("bob"))
            .otp(&code)
            .send()
            .await
            .expect(200);
        api.get("/applications/grants")
            .auth(password("bob"))
            .otp(&code)
            .send()
            .await
            .expect(200);
    }
    // Still valid one step later, then gone.
    server.clock.advance(30);
    server
        .root()
        .get("/authorizations")
        .auth(password("bob"))
        .otp(&code)
        .send()
        .await
        .expect(200);
    server.clock.advance(30);
    let stale = server
        .root()
        .get("/authorizations")
        .auth(password("bob"))
        .otp(&code)
        .send()
        .await;
    stale.expect(401);
    assert_eq!(stale.header("x-github-otp"), Some("required; app"));
}

async fn codes_older_than_an_accepted_one_are_refused() {
    let server = TestServer::start().await;
    let seed = server.add_2fa_user("bob").await;
    let api = server.root();
    let older = seed.code_at(START - 30);
    let current = seed.code_at(START);
    let wrong = if current == "000000" { "111111" } else { "000000" };
    api.get("/authorizations")
        .auth(password("bob"))
        .otp(wrong)
        .send()
        .await
        .expect(401);
    api.get("/authorizations")
        .auth(password("bob"))
        .otp(&current)
        .send()
        .await
        .expect(200);
    // The previous step's code is inside the ±1 window but older than the accepted step.
    let resp = api
        .get("/authorizations")
        .auth(password("bob"))
        .otp(&older)
        .send()
        .await;
    resp.expect(401);
    assert_eq!(resp.header("x-github-otp"), Some("required; app"));
    // Two steps old: outside the window anyway.
    let ancient = seed.code_at(START - 60);
    api.get("/authorizations")
        .auth(password("bob"))
        .otp(&ancient)
        .send()
        .await
        .expect(401);
}

async fn authentication_and_otp_come_before_routing() {
    // BEHAVIOR 20: octokit's dummy `PATCH /authorizations` triggers the code request, and with
    // a valid code answers 404.
    let server = TestServer::start().await;
    let seed = server.add_2fa_user("bob").await;
    for api in server.layouts() {
        let resp = api
            .patch("/authorizations")
            .auth(password("bob"))
            .json(json!({}))
            .send()
            .await;
        resp.expect(401);
        assert_eq!(resp.header("x-github-otp"), Some("required; app"));
        let ok = api
            .patch("/authorizations")
            .auth(password("bob"))
            .otp(&seed.code_at(START))
            .json(json!({}))
            .send()
            .await;
        assert_not_found(&ok);
        let anonymous = api.patch("/authorizations").json(json!({})).send().await;
        anonymous.expect(401);
    }
}

async fn wrong_codes_count_towards_lock_out() {
    let server = TestServer::start_with(Options {
        lockout_threshold: 3,
        ..Options::default()
    })
    .await;
    let seed = server.add_2fa_user("bob").await;
    let api = server.root();
    let current = seed.code_at(START);
    let wrong = if current == "999999" { "999998" } else { "999999" };
    for _ in 0..3 {
        api.get("/authorizations")
            .auth(password("bob"))
            .otp(wrong)
            .send()
            .await
            .expect(401);
    }
    let locked = api
        .get("/authorizations")
        .auth(password("bob"))
        .otp(&current)
        .send()
        .await;
    locked.expect(403);
}

store_tests!(
    missing_code_is_401_with_the_otp_header_and_githubs_message,
    a_valid_code_is_accepted_and_may_be_reused_within_its_window,
    codes_older_than_an_accepted_one_are_refused,
    authentication_and_otp_come_before_routing,
    wrong_codes_count_towards_lock_out,
);
