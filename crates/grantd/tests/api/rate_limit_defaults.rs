//! What a fresh `grantd serve` does about rate limits: nothing (as GitHub Enterprise Server
//! ships), so a client's test suite full of wrong credentials never meets a 403 half-way; and
//! `--rate-limit github` brings GitHub.com's numbers back.

use crate::client_ip::Serving;
use crate::helpers::*;

/// The `X-RateLimit-*` headers of an answer.
fn rate_limit_headers(resp: &reqwest::Response) -> Vec<String> {
    resp.headers()
        .keys()
        .map(|name| name.as_str().to_owned())
        .filter(|name| name.starts_with("x-ratelimit"))
        .collect()
}

#[tokio::test]
async fn a_fresh_serve_answers_every_request_without_credentials_and_sends_no_rate_limit_headers() {
    let (db, _guard) = fresh_database().await;
    let key = grantd_core::secret::MasterKey::generate().to_hex();
    let server = Serving::start(&db, &key, &[]).await;
    let http = reqwest::Client::new();
    // With the start-up probe, 81 requests without valid credentials: GitHub.com's anonymous
    // limit (60 an hour) would refuse the 61st.
    for i in 0..80 {
        let resp = if i % 2 == 0 {
            http.get(format!("{}/", server.base)).send().await.unwrap()
        } else {
            // A revoked or mistyped token, as every client suite sends.
            http.get(format!("{}/user", server.base))
                .header("Authorization", "token ghp_000000000000000000000000000000000000")
                .send()
                .await
                .unwrap()
        };
        let expected = if i % 2 == 0 { 200 } else { 401 };
        assert_eq!(resp.status().as_u16(), expected, "request {i}");
        assert_eq!(rate_limit_headers(&resp), Vec::<String>::new(), "request {i}");
    }
}

#[tokio::test]
async fn rate_limit_github_restores_github_coms_numbers() {
    let (db, _guard) = fresh_database().await;
    let key = grantd_core::secret::MasterKey::generate().to_hex();
    let env = [("GRANTD_MASTER_KEY", key.as_str())];
    let (ok, _, err) = run_grantd(&["migrate", "--database-url", &db], &env, None);
    assert!(ok, "{err}");
    let (ok, _, err) = run_grantd(
        &["user", "add", "alice", "--password-stdin", "--database-url", &db],
        &env,
        Some(PASSWORD),
    );
    assert!(ok, "{err}");
    let server = Serving::start(&db, &key, &["--rate-limit", "github"]).await;
    let http = reqwest::Client::new();
    let user = http
        .get(format!("{}/user", server.base))
        .basic_auth("alice", Some(PASSWORD))
        .send()
        .await
        .unwrap();
    assert_eq!(user.status(), 200);
    assert_eq!(user.headers()["x-ratelimit-limit"], "5000");
    // The start-up probe was the first request without credentials of the hour: 59 more pass.
    for used in 2..=60 {
        let resp = http.get(format!("{}/", server.base)).send().await.unwrap();
        assert_eq!(resp.status(), 200, "request {used}");
        assert_eq!(resp.headers()["x-ratelimit-limit"], "60");
        assert_eq!(resp.headers()["x-ratelimit-used"], used.to_string().as_str());
    }
    let over = http.get(format!("{}/", server.base)).send().await.unwrap();
    assert_eq!(over.status(), 403);
    assert_eq!(over.headers()["x-ratelimit-remaining"], "0");
}

#[tokio::test]
async fn numeric_rate_limits_still_set_each_limit() {
    let (db, _guard) = fresh_database().await;
    let key = grantd_core::secret::MasterKey::generate().to_hex();
    let server = Serving::start(&db, &key, &["--rate-limit", "7", "--rate-limit-anonymous", "3"]).await;
    let http = reqwest::Client::new();
    for used in 2..=3 {
        let resp = http.get(format!("{}/", server.base)).send().await.unwrap();
        assert_eq!(resp.status(), 200);
        assert_eq!(resp.headers()["x-ratelimit-limit"], "3");
        assert_eq!(resp.headers()["x-ratelimit-used"], used.to_string().as_str());
    }
    let over = http.get(format!("{}/", server.base)).send().await.unwrap();
    assert_eq!(over.status(), 403);
}
