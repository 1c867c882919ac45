//! The headers that tell browsers and caches what they may do with an answer: every answer
//! (success, error, 404, 413, over the rate limit, over the time limit, a CORS preflight) is
//! data only, never sniffed, framed or given resources; an answer that carries a token is never
//! stored, while other GET answers keep GitHub's `private, max-age=60` (BEHAVIOR 29).

use crate::helpers::*;
use serde_json::json;
use std::time::Duration;

#[track_caller]
fn assert_security_headers(resp: &Resp, what: &str) {
    assert_eq!(resp.header("x-content-type-options"), Some("nosniff"), "{what}");
    assert_eq!(
        resp.header("content-security-policy"),
        Some("default-src 'none'"),
        "{what}"
    );
    assert_eq!(resp.header("x-frame-options"), Some("deny"), "{what}");
}

async fn every_answer_has_the_security_headers() {
    let server = TestServer::start_with(Options {
        rate_limits: grantd_http::RateLimits {
            authenticated: 100,
            anonymous: 10,
        },
        max_body_bytes: 1024,
        request_timeout: Duration::from_millis(200),
        ..Options::default()
    })
    .await;
    server.add_user("alice").await;
    let (client_id, secret) = server.add_app("app").await;
    for api in server.layouts() {
        let ok = api.get("/authorizations").auth(password("alice")).send().await;
        assert_security_headers(ok.expect(200), "a success");
        let etag = ok.header("etag").unwrap().to_owned();
        let not_modified = api
            .get("/authorizations")
            .auth(password("alice"))
            .header("If-None-Match", &etag)
            .send()
            .await;
        assert_security_headers(not_modified.expect(304), "a 304");
        let refused = api.get("/authorizations").auth(basic("alice", "wrong")).send().await;
        assert_security_headers(refused.expect(401), "an error");
        let missing = api.get("/nope").auth(password("alice")).send().await;
        assert_security_headers(missing.expect(404), "a 404");
        let big = format!("{{\"note\": \"{}\"}}", "x".repeat(4096));
        let too_big = api
            .post("/authorizations")
            .auth(password("alice"))
            .raw_body(big.as_bytes())
            .send()
            .await;
        assert_security_headers(too_big.expect(413), "a 413");
        let preflight = api
            .request(reqwest::Method::OPTIONS, "/authorizations")
            .header("Origin", "https://app.example")
            .header("Access-Control-Request-Method", "POST")
            .unchecked()
            .send()
            .await;
        assert_security_headers(preflight.expect(204), "a CORS preflight");
    }
    // Over the anonymous rate limit (10 an hour, some used by the 401s above).
    let mut over = server.root().get("/").send().await;
    while over.status == 200 {
        over = server.root().get("/").send().await;
    }
    assert_security_headers(over.expect(403), "over the rate limit");
    // Over the time limit: a write waiting for a lock another connection holds.
    let app_token = server
        .root()
        .create_app_token("alice", &client_id, &secret, "fp", &[])
        .await;
    let lock = server.hold_write_lock().await;
    let slow = server
        .root()
        .patch(&format!("/applications/{client_id}/token"))
        .auth(basic(&client_id, &secret))
        .json(json!({"access_token": app_token["token"]}))
        .send()
        .await;
    assert_security_headers(slow.expect(503), "over the time limit");
    lock.release().await;
}

async fn answers_carrying_a_token_are_never_stored() {
    let server = TestServer::start().await;
    server.add_user("alice").await;
    let (client_id, secret) = server.add_app("app").await;
    for api in server.layouts() {
        let no_store = |resp: &Resp, what: &str| {
            assert!(
                !resp.body["token"].as_str().unwrap_or("").is_empty(),
                "{what}: no token"
            );
            assert_eq!(resp.header("cache-control"), Some("no-store"), "{what}");
        };
        let created = api
            .post("/authorizations")
            .auth(password("alice"))
            .json(json!({"note": "n"}))
            .send()
            .await;
        no_store(created.expect(201), "a created authorization");
        let path = format!("/authorizations/clients/{client_id}/fp");
        let body = json!({"client_secret": secret});
        let new = api.put(&path).auth(password("alice")).json(body.clone()).send().await;
        no_store(new.expect(201), "get-or-create, new");
        let token = new.body["token"].as_str().unwrap().to_owned();
        let app = basic(&client_id, &secret);
        let checked = api
            .post(&format!("/applications/{client_id}/token"))
            .auth(app.clone())
            .json(json!({"access_token": token}))
            .send()
            .await;
        no_store(checked.expect(200), "a token check");
        let legacy = api
            .get(&format!("/applications/{client_id}/tokens/{token}"))
            .auth(app.clone())
            .send()
            .await;
        no_store(legacy.expect(200), "a legacy token check");
        assert_eq!(legacy.header("etag"), None, "a token's answer needs no validator");
        let reset = api
            .patch(&format!("/applications/{client_id}/token"))
            .auth(app.clone())
            .json(json!({"access_token": token}))
            .send()
            .await;
        no_store(reset.expect(200), "a token reset");
        let token = reset.body["token"].as_str().unwrap().to_owned();
        let legacy_reset = api
            .post(&format!("/applications/{client_id}/tokens/{token}"))
            .auth(app.clone())
            .send()
            .await;
        no_store(legacy_reset.expect(200), "a legacy token reset");
        // Without a token in the body, answers keep GitHub's caching headers.
        let existing = api.put(&path).auth(password("alice")).json(body).send().await;
        existing.expect(200);
        assert_eq!(existing.body["token"], "");
        assert_eq!(existing.header("cache-control"), None, "get-or-create, existing");
        let id = created.body["id"].as_i64().unwrap();
        for read in [format!("/authorizations/{id}"), "/authorizations".to_owned()] {
            let resp = api.get(&read).auth(password("alice")).send().await;
            resp.expect(200);
            assert_eq!(
                resp.header("cache-control"),
                Some("private, max-age=60, s-maxage=60"),
                "{read}"
            );
        }
        api.delete(&format!("/applications/{client_id}/token"))
            .auth(app)
            .json(json!({"access_token": legacy_reset.body["token"]}))
            .send()
            .await
            .expect(204);
        api.delete(&format!("/authorizations/{id}"))
            .auth(password("alice"))
            .send()
            .await
            .expect(204);
    }
}

store_tests!(
    every_answer_has_the_security_headers,
    answers_carrying_a_token_are_never_stored,
);
