//! `GET /metrics`: every family is there, and a request moves its counters; with
//! `--metrics-listen` (the real binary) the metrics are on that listener and not on the main one.

use crate::helpers::*;
use serde_json::json;
use std::io::{Read as _, Write as _};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Every family grantd documents.
const FAMILIES: [&str; 8] = [
    "grantd_http_requests_seconds",
    "grantd_token_checks_total",
    "grantd_token_authentications_total",
    "grantd_password_logins_total",
    "grantd_lockouts_total",
    "grantd_password_hashes",
    "grantd_db_pool_connections",
    "grantd_purged_total",
];

/// The value of the series named `name` whose labels include every one of `labels`
/// (`key="value"`); 0 when there is none yet.
fn value(text: &str, name: &str, labels: &[&str]) -> f64 {
    text.lines()
        .filter(|line| !line.starts_with('#'))
        .filter_map(|line| line.rsplit_once(' '))
        .find(|(series, _)| {
            (series.starts_with(&format!("{name}{{")) || *series == name)
                && labels.iter().all(|label| series.contains(label))
        })
        .map_or(0.0, |(_, v)| v.parse().unwrap())
}

async fn scrape(api: &Api) -> String {
    // Not GitHub's API: no OpenAPI description to check the answer against.
    let resp = api.get("/metrics").unchecked().send().await;
    resp.expect(200);
    assert!(
        resp.header("content-type")
            .unwrap()
            .starts_with("text/plain; version=0.0.4"),
        "{:?}",
        resp.headers
    );
    String::from_utf8(resp.raw.clone()).unwrap()
}

async fn every_family_is_scraped_and_requests_move_their_counters() {
    let server = TestServer::start().await;
    server.add_user("alice").await;
    let (client_id, secret) = server.add_app("metrics").await;
    let api = server.root();
    let token = api.create_app_token("alice", &client_id, &secret, "m", &["repo"]).await["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let before = scrape(&api).await;
    for family in FAMILIES {
        assert!(
            before.contains(&format!("# TYPE {family} ")),
            "{family} missing:\n{before}"
        );
    }
    let check = [
        "route=\"/applications/{client_id}/token\"",
        "method=\"POST\"",
        "status=\"200\"",
    ];
    let valid = ["outcome=\"valid\""];
    let wrong = ["outcome=\"wrong_password\""];
    api.post(&format!("/applications/{client_id}/token"))
        .auth(basic(&client_id, &secret))
        .json(json!({"access_token": token}))
        .send()
        .await
        .expect(200);
    api.get("/user")
        .auth(basic("alice", "not her password"))
        .send()
        .await
        .expect(401);
    let after = scrape(&api).await;
    let moved = |name: &str, labels: &[&str]| value(&after, name, labels) - value(&before, name, labels);
    // The registry is the process's: other tests running beside this one (`cargo test` runs
    // them on threads of one process) may move the same series, so each moved at least once.
    assert!(moved("grantd_http_requests_seconds_count", &check) >= 1.0, "{after}");
    assert!(moved("grantd_token_checks_total", &valid) >= 1.0, "{after}");
    assert!(moved("grantd_password_logins_total", &wrong) >= 1.0, "{after}");
    // The pool holds the connection the services opened; a path is never a label.
    assert!(
        value(&after, "grantd_db_pool_connections", &["state=\"idle\""]) >= 1.0,
        "{after}"
    );
    assert!(!after.contains(&token), "{after}");
}

store_tests!(every_family_is_scraped_and_requests_move_their_counters);

/// One `GET path` over a new connection to `address`: the status line and the body.
fn get(address: &str, path: &str) -> String {
    let mut stream = std::net::TcpStream::connect(address).unwrap();
    write!(stream, "GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").unwrap();
    let mut text = String::new();
    stream.read_to_string(&mut text).unwrap();
    text
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

#[test]
fn metrics_listen_serves_the_metrics_there_and_not_on_the_main_listener() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("data/grantd.db").display());
    let (main, metrics) = (
        format!("127.0.0.1:{}", free_port()),
        format!("127.0.0.1:{}", free_port()),
    );
    let mut child = Command::new(env!("CARGO_BIN_EXE_grantd"))
        .args([
            "serve",
            "--listen",
            &main,
            "--metrics-listen",
            &metrics,
            "--database-url",
            &db,
        ])
        .env("GRANTD_MASTER_KEY", "00".repeat(32))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    while std::net::TcpStream::connect(&main).is_err() {
        assert!(Instant::now() < deadline, "grantd serve did not start");
        std::thread::sleep(Duration::from_millis(50));
    }
    // A request on the main listener, counted on the metrics listener.
    assert!(get(&main, "/api/v3/").starts_with("HTTP/1.1 200"));
    let scraped = get(&metrics, "/metrics");
    let not_there = get(&main, "/metrics");
    let elsewhere = get(&metrics, "/api/v3/");
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(scraped.starts_with("HTTP/1.1 200"), "{scraped}");
    for family in FAMILIES {
        assert!(
            scraped.contains(&format!("# TYPE {family} ")),
            "{family} missing:\n{scraped}"
        );
    }
    let root = ["route=\"/\"", "method=\"GET\"", "status=\"200\""];
    assert_eq!(
        value(&scraped, "grantd_http_requests_seconds_count", &root),
        1.0,
        "{scraped}"
    );
    assert!(not_there.starts_with("HTTP/1.1 404"), "{not_there}");
    assert!(elsewhere.starts_with("HTTP/1.1 404"), "{elsewhere}");
}
