//! HTTP conventions: pagination (BEHAVIOR 64-66, 87), conditional requests (29), error bodies
//! (22-24), media types (71, 83), API versions (72), CORS (21, 74), HEAD (75), rate limits
//! (67-69) and body limits.

use crate::helpers::*;
use serde_json::json;

async fn pagination_across_three_pages_with_absolute_link_headers() {
    let server = TestServer::start().await;
    server.add_user("alice").await;
    for api in server.layouts() {
        let before = api
            .get("/authorizations?per_page=100")
            .auth(password("alice"))
            .send()
            .await
            .body
            .as_array()
            .unwrap()
            .len();
        for i in 0..5 {
            api.create_pat("alice", &format!("p{}-{i}", api.base.len()), &[]).await;
        }
        let total = before + 5;
        let per_page = 2;
        let pages = total.div_ceil(per_page);
        assert!(pages >= 3);
        let mut seen = Vec::new();
        let mut next = Some(format!("{}/authorizations?per_page={per_page}", api.base));
        let mut page_no = 0;
        while let Some(url) = next {
            page_no += 1;
            let path = url.strip_prefix(&api.public_base).unwrap().to_owned();
            let resp = api.get(&path).auth(password("alice")).send().await;
            resp.expect(200);
            let items = resp.body.as_array().unwrap();
            seen.extend(items.iter().map(|a| a["id"].as_i64().unwrap()));
            let link = resp.header("link").unwrap_or("").to_owned();
            if page_no == 1 {
                assert!(
                    !link.contains("rel=\"prev\"") && !link.contains("rel=\"first\""),
                    "{link}"
                );
            } else {
                assert!(
                    link.contains("rel=\"prev\"") && link.contains("rel=\"first\""),
                    "{link}"
                );
            }
            assert!(
                link.split(", ")
                    .all(|l| l.starts_with(&format!("<{}/authorizations?per_page=2&page=", api.public_base))),
                "{link}"
            );
            next = link
                .split(", ")
                .find(|l| l.ends_with("rel=\"next\""))
                .map(|l| l.trim_start_matches('<').split('>').next().unwrap().to_owned());
        }
        assert_eq!(page_no, pages);
        let mut sorted = seen.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(sorted.len(), total, "every item once");
        // Past the end: 200 and [] (BEHAVIOR 87).
        let past = api
            .get("/authorizations?per_page=2&page=50")
            .auth(password("alice"))
            .send()
            .await;
        past.expect(200);
        assert_eq!(past.body, json!([]));
        // Clamped and garbage values.
        let big = api
            .get("/authorizations?per_page=1000")
            .auth(password("alice"))
            .send()
            .await;
        assert_eq!(big.expect(200).body.as_array().unwrap().len(), total);
        assert!(big.header("link").is_none());
        api.get("/authorizations?per_page=abc&page=-3")
            .auth(password("alice"))
            .send()
            .await
            .expect(200);
    }
}

async fn etag_and_if_none_match_give_304() {
    let server = TestServer::start().await;
    server.add_user("alice").await;
    let api = server.root();
    api.create_pat("alice", "e", &[]).await;
    let first = api.get("/authorizations").auth(password("alice")).send().await;
    first.expect(200);
    let etag = first.header("etag").unwrap().to_owned();
    assert!(etag.starts_with('"') && etag.ends_with('"'));
    assert_eq!(first.header("cache-control"), Some("private, max-age=60, s-maxage=60"));
    let cached = api
        .get("/authorizations")
        .auth(password("alice"))
        .header("If-None-Match", &etag)
        .send()
        .await;
    cached.expect(304);
    assert!(cached.raw.is_empty());
    assert_eq!(cached.header("etag"), Some(etag.as_str()));
    let weak = api
        .get("/authorizations")
        .auth(password("alice"))
        .header("If-None-Match", &format!("W/{etag}"))
        .send()
        .await;
    weak.expect(304);
    // A change makes a new entity.
    api.create_pat("alice", "f", &[]).await;
    let changed = api
        .get("/authorizations")
        .auth(password("alice"))
        .header("If-None-Match", &etag)
        .send()
        .await;
    changed.expect(200);
    assert_ne!(changed.header("etag"), Some(etag.as_str()));
}

async fn head_answers_headers_only() {
    let server = TestServer::start().await;
    server.add_user("alice").await;
    let api = server.enterprise();
    let get = api.get("/authorizations").auth(password("alice")).send().await;
    let head = api
        .request(reqwest::Method::HEAD, "/authorizations")
        .auth(password("alice"))
        .unchecked()
        .send()
        .await;
    head.expect(200);
    assert!(head.raw.is_empty());
    assert_eq!(head.header("etag"), get.header("etag"));
    api.request(reqwest::Method::HEAD, "/")
        .unchecked()
        .send()
        .await
        .expect(200);
}

async fn bad_bodies_get_githubs_400s() {
    let server = TestServer::start().await;
    server.add_user("alice").await;
    for api in server.layouts() {
        let resp = api
            .post("/authorizations")
            .auth(password("alice"))
            .raw_body(b"{not json")
            .send()
            .await;
        resp.expect(400);
        assert_eq!(resp.message(), "Problems parsing JSON");
        for body in [&b"[1,2]"[..], b"\"str\"", b"42"] {
            let resp = api
                .post("/authorizations")
                .auth(password("alice"))
                .raw_body(body)
                .send()
                .await;
            resp.expect(400);
            assert_eq!(resp.message(), "Body should be a JSON object");
        }
        let utf8 = api
            .post("/authorizations")
            .auth(password("alice"))
            .raw_body(b"{\"note\": \"\xff\"}")
            .send()
            .await;
        utf8.expect(400);
    }
}

async fn json_is_parsed_whatever_the_content_type_and_empty_means_empty_object() {
    let server = TestServer::start().await;
    server.add_user("alice").await;
    let (client_id, secret) = server.add_app("App").await;
    let api = server.root();
    let resp = api
        .post("/authorizations")
        .auth(password("alice"))
        .raw_body(br#"{"note":"form"}"#)
        .header("Content-Type", "application/x-www-form-urlencoded")
        .send()
        .await;
    resp.expect(201);
    // An empty PUT body is `{}`: the secret is missing (BEHAVIOR 75, 81).
    let empty = api
        .put(&format!("/authorizations/clients/{client_id}"))
        .auth(password("alice"))
        .send()
        .await;
    empty.expect(422);
    let _ = secret;
}

async fn oversized_bodies_are_413() {
    let server = TestServer::start_with(Options {
        max_body_bytes: 1024,
        ..Options::default()
    })
    .await;
    server.add_user("alice").await;
    let big = format!("{{\"note\": \"{}\"}}", "x".repeat(4096));
    let resp = server
        .root()
        .post("/authorizations")
        .auth(password("alice"))
        .raw_body(big.as_bytes())
        .send()
        .await;
    resp.expect(413);
    assert_eq!(resp.message(), "Payload too large");
}

async fn unknown_paths_and_methods_are_not_found() {
    let server = TestServer::start().await;
    server.add_user("alice").await;
    for api in server.layouts() {
        assert_not_found(&api.get("/nope").send().await);
        assert_not_found(&api.get("/repos/a/b").auth(password("alice")).send().await);
        assert_not_found(&api.put("/authorizations").auth(password("alice")).send().await);
        assert_not_found(&api.delete("/authorizations").auth(password("alice")).send().await);
    }
}

async fn media_type_and_api_version_headers() {
    let server = TestServer::start().await;
    let api = server.root();
    let plain = api
        .get("/")
        .header("Accept", "application/vnd.github.v3+json")
        .send()
        .await;
    assert_eq!(plain.header("x-github-media-type"), Some("github.v3; format=json"));
    assert_eq!(plain.header("content-type"), Some("application/json; charset=utf-8"));
    let full = api
        .get("/")
        .header("Accept", "application/vnd.github.v3.full+json")
        .send()
        .await;
    assert_eq!(
        full.header("x-github-media-type"),
        Some("github.v3; param=full; format=json")
    );
    for accept in [
        "application/vnd.github.doctor-strange-preview+json",
        "*/*",
        "application/json",
        "application/vnd.github+json",
    ] {
        api.get("/").header("Accept", accept).send().await.expect(200);
    }
    for version in ["2022-11-28", "2026-03-10"] {
        let resp = api.get("/").header("X-GitHub-Api-Version", version).send().await;
        resp.expect(200);
        assert_eq!(resp.header("x-github-api-version-selected"), Some(version));
    }
    let bad = api.get("/").header("X-GitHub-Api-Version", "1999-01-01").send().await;
    bad.expect(400);
    assert!(bad.message().contains("1999-01-01"));
}

async fn cors_preflight_is_204_with_githubs_headers() {
    let server = TestServer::start().await;
    for api in server.layouts() {
        let resp = api
            .request(reqwest::Method::OPTIONS, "/authorizations")
            .header("Origin", "https://app.example")
            .header("Access-Control-Request-Method", "POST")
            .header("Access-Control-Request-Headers", "authorization, x-github-otp")
            .unchecked()
            .send()
            .await;
        resp.expect(204);
        assert_eq!(resp.header("access-control-allow-origin"), Some("*"));
        assert_eq!(resp.header("access-control-max-age"), Some("86400"));
        let allowed = resp.header("access-control-allow-headers").unwrap().to_lowercase();
        assert!(
            allowed.contains("x-github-otp") && allowed.contains("authorization"),
            "{allowed}"
        );
        let methods = resp.header("access-control-allow-methods").unwrap();
        for m in ["GET", "POST", "PATCH", "PUT", "DELETE"] {
            assert!(methods.contains(m), "{methods}");
        }
        let simple = api.get("/").header("Origin", "https://app.example").send().await;
        assert_eq!(simple.header("access-control-allow-origin"), Some("*"));
        // The same answer for every origin: nothing varies by the request's CORS headers.
        let vary: Vec<_> = simple.headers.get_all("vary").iter().collect();
        assert_eq!(vary, ["Accept, Authorization, Cookie, X-GitHub-OTP"], "{vary:?}");
        let exposed = simple.header("access-control-expose-headers").unwrap().to_lowercase();
        for h in [
            "etag",
            "link",
            "x-github-otp",
            "x-ratelimit-remaining",
            "x-oauth-scopes",
        ] {
            assert!(exposed.contains(h), "{exposed}");
        }
    }
}

async fn rate_limit_headers_and_githubs_403_when_exceeded() {
    let server = TestServer::start_with(Options {
        rate_limits: grantd_http::RateLimits {
            authenticated: 3,
            anonymous: 2,
        },
        ..Options::default()
    })
    .await;
    server.add_user("alice").await;
    server.add_user("bob").await;
    let api = server.root();
    for i in 1..=3u32 {
        let resp = api.get("/authorizations").auth(password("alice")).send().await;
        resp.expect(200);
        assert_eq!(resp.header("x-ratelimit-limit"), Some("3"));
        assert_eq!(resp.header("x-ratelimit-remaining"), Some((3 - i).to_string().as_str()));
        assert_eq!(resp.header("x-ratelimit-used"), Some(i.to_string().as_str()));
        assert_eq!(resp.header("x-ratelimit-resource"), Some("core"));
        assert_eq!(
            resp.header("x-ratelimit-reset"),
            Some((START + 3600).to_string().as_str())
        );
    }
    let over = api.get("/authorizations").auth(password("alice")).send().await;
    over.expect(403);
    assert!(
        over.message().to_lowercase().starts_with("api rate limit exceeded"),
        "{}",
        over.message()
    );
    assert_eq!(over.header("x-ratelimit-remaining"), Some("0"));
    // Another user has their own budget.
    api.get("/authorizations")
        .auth(password("bob"))
        .send()
        .await
        .expect(200);
    // Anonymous requests count per IP.
    api.get("/").send().await.expect(200);
    api.get("/").send().await.expect(200);
    let anon = api.get("/").send().await;
    anon.expect(403);
    assert!(anon.message().starts_with("API rate limit exceeded for 127.0.0.1."));
    // A new window.
    server.clock.advance(3600);
    api.get("/authorizations")
        .auth(password("alice"))
        .send()
        .await
        .expect(200);
}

async fn public_url_is_used_in_links_behind_a_proxy() {
    let server = TestServer::start_with(Options {
        public_url: Some("https://git.example.com".into()),
        ..Options::default()
    })
    .await;
    server.add_user("alice").await;
    let api = server.enterprise();
    assert_eq!(api.public_base, "https://git.example.com/api/v3");
    let created = api.create_pat("alice", "proxy", &[]).await;
    assert_eq!(
        created["url"],
        format!("https://git.example.com/api/v3/authorizations/{}", created["id"])
    );
}

store_tests!(
    pagination_across_three_pages_with_absolute_link_headers,
    etag_and_if_none_match_give_304,
    head_answers_headers_only,
    bad_bodies_get_githubs_400s,
    json_is_parsed_whatever_the_content_type_and_empty_means_empty_object,
    oversized_bodies_are_413,
    unknown_paths_and_methods_are_not_found,
    media_type_and_api_version_headers,
    cors_preflight_is_204_with_githubs_headers,
    rate_limit_headers_and_githubs_403_when_exceeded,
    public_url_is_used_in_links_behind_a_proxy,
);

/// NUL characters can be in no name or text: refused cleanly on every store (PostgreSQL cannot
/// store them), never a server error.
async fn nul_characters_are_refused_cleanly() {
    let server = TestServer::start().await;
    server.add_user("alice").await;
    let api = server.root();
    let resp = api
        .post("/authorizations")
        .auth(password("alice"))
        .json(json!({"note": "a\u{0}b"}))
        .send()
        .await;
    resp.expect(422);
    assert_eq!(
        resp.first_error(),
        ("OauthAccess".into(), "note".into(), "invalid".into())
    );
    let resp = api
        .post("/authorizations")
        .auth(password("alice"))
        .json(json!({"note": "n", "scopes": ["re\u{0}po"]}))
        .send()
        .await;
    resp.expect(422);
    assert_eq!(
        api.get("/authorizations?client_id=%00")
            .auth(password("alice"))
            .send()
            .await
            .expect(200)
            .body,
        json!([])
    );
    assert_eq!(
        api.get("/applications/grants?client_id=a%00")
            .auth(password("alice"))
            .send()
            .await
            .expect(200)
            .body,
        json!([])
    );
    assert_not_found(
        &api.put("/authorizations/clients/a%00b")
            .auth(password("alice"))
            .json(json!({"client_secret": "x"}))
            .send()
            .await,
    );
    assert_not_found(&api.post("/applications/a%00/token").send().await);
    api.get("/authorizations")
        .auth(basic("al\u{0}ice", PASSWORD))
        .send()
        .await
        .expect(401);
    api.get("/user")
        .auth(basic("al\u{0}ice", PASSWORD))
        .send()
        .await
        .expect(401);
}

store_tests!(nul_characters_are_refused_cleanly);

/// A request that takes longer than the configured timeout ends with GitHub's `Server Error`
/// (BEHAVIOR 30), here a write waiting for a lock another connection holds. The write itself goes
/// on in the background and lands once the lock is free (README, "timeouts"): the client was not
/// told it failed, and the database never sees it cut off half-way.
async fn requests_over_the_time_limit_end_with_server_error() {
    let server = TestServer::start_with(Options {
        request_timeout: std::time::Duration::from_millis(200),
        ..Options::default()
    })
    .await;
    server.add_user("alice").await;
    let (client_id, secret) = server.add_app("slow").await;
    let api = server.root();
    let old = api.create_app_token("alice", &client_id, &secret, "fp", &[]).await["token"]
        .as_str()
        .unwrap()
        .to_owned();
    // The slow write is authenticated by the app's credentials: a password login is itself a
    // write (the attempt is counted before the password is checked), so it would wait for the
    // lock before the request's time limit starts.
    let lock = server.hold_write_lock().await;
    let resp = api
        .patch(&format!("/applications/{client_id}/token"))
        .auth(basic(&client_id, &secret))
        .json(json!({"access_token": old}))
        .send()
        .await;
    resp.expect(503);
    assert_eq!(resp.message(), "Server Error");
    lock.release().await;

    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        let with_old = api.get("/user").auth(token(&old)).send().await;
        if with_old.status == 401 {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the timed-out write never landed: {}",
            with_old.status
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

store_tests!(requests_over_the_time_limit_end_with_server_error);
