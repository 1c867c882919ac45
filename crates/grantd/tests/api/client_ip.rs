//! The client IP address: the socket peer, or behind a trusted proxy (`--trusted-proxy`) the
//! right-most `X-Forwarded-For` hop that is not itself trusted; what the rate limit counts
//! requests without valid credentials under and what the access line names, with the principal.

use crate::helpers::*;
use serde_json::{json, Value};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A server allowing two requests an hour without valid credentials, trusting `proxies`.
async fn two_an_hour_behind(proxies: Vec<&'static str>) -> TestServer {
    TestServer::start_with(Options {
        rate_limits: grantd_http::RateLimits {
            authenticated: 100,
            anonymous: 2,
        },
        trusted_proxies: proxies,
        ..Options::default()
    })
    .await
}

/// `GET /` as forwarded for `hops` (no header when empty).
async fn root_for(api: &Api, hops: &str) -> Resp {
    let req = api.get("/");
    let req = if hops.is_empty() {
        req
    } else {
        req.header("X-Forwarded-For", hops)
    };
    req.send().await
}

#[track_caller]
fn assert_over_for(resp: &Resp, ip: &str) {
    resp.expect(403);
    let expected = format!("API rate limit exceeded for {ip}.");
    assert!(resp.message().starts_with(&expected), "{}", resp.message());
}

async fn rate_limit_counts_each_forwarded_client_when_the_peer_is_a_trusted_proxy() {
    let server = two_an_hour_behind(vec!["127.0.0.0/8"]).await;
    let api = server.root();
    root_for(&api, "198.51.100.7").await.expect(200);
    root_for(&api, "198.51.100.7").await.expect(200);
    assert_over_for(&root_for(&api, "198.51.100.7").await, "198.51.100.7");
    // Another client behind the same proxy has its own budget; a trusted hop on the right (a
    // second proxy) is skipped.
    let other = root_for(&api, "198.51.100.8, 127.0.0.5").await;
    other.expect(200);
    assert_eq!(other.header("x-ratelimit-used"), Some("1"));
    // IPv6 clients are counted per /64.
    root_for(&api, "2001:db8:1:2::1").await.expect(200);
    assert_eq!(
        root_for(&api, "2001:db8:1:2::ff").await.header("x-ratelimit-used"),
        Some("2")
    );
    assert_over_for(&root_for(&api, "2001:db8:1:2::3").await, "2001:db8:1:2::3");
    assert_eq!(
        root_for(&api, "2001:db8:1:3::1").await.header("x-ratelimit-used"),
        Some("1")
    );
    // A request the proxy sends for itself is counted under the proxy.
    assert_eq!(root_for(&api, "").await.header("x-ratelimit-used"), Some("1"));
}

async fn forwarded_for_is_ignored_when_the_peer_is_not_a_trusted_proxy() {
    for proxies in [vec![], vec!["10.0.0.0/8", "::1"]] {
        let server = two_an_hour_behind(proxies).await;
        let api = server.root();
        root_for(&api, "198.51.100.1").await.expect(200);
        root_for(&api, "198.51.100.2").await.expect(200);
        assert_over_for(&root_for(&api, "198.51.100.3").await, "127.0.0.1");
    }
}

async fn a_forged_left_most_hop_gives_no_fresh_budget() {
    let server = two_an_hour_behind(vec!["127.0.0.1"]).await;
    let api = server.root();
    root_for(&api, "192.0.2.1, 198.51.100.7").await.expect(200);
    root_for(&api, "192.0.2.2, 198.51.100.7").await.expect(200);
    assert_over_for(&root_for(&api, "192.0.2.3, 198.51.100.7").await, "198.51.100.7");
    // Several header lines are one list: the forged line comes first.
    let resp = api
        .get("/")
        .header("X-Forwarded-For", "192.0.2.4")
        .header("X-Forwarded-For", "198.51.100.7")
        .send()
        .await;
    assert_over_for(&resp, "198.51.100.7");
    // A hop that is not an address: grantd does not guess, the client is the proxy.
    root_for(&api, "198.51.100.9, bogus").await.expect(200);
    root_for(&api, "bogus").await.expect(200);
    assert_over_for(&root_for(&api, "").await, "127.0.0.1");
}

/// A `grantd serve` process writing its log to a file; killed when dropped.
pub(crate) struct Serving {
    child: Child,
    pub(crate) base: String,
    log: tempfile::NamedTempFile,
}

impl Serving {
    /// Starts `grantd serve` on `db` with master key `key` and `args`, and waits until it answers
    /// (one `GET /` without credentials).
    pub(crate) async fn start(db: &str, key: &str, args: &[&str]) -> Self {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let log = tempfile::NamedTempFile::new().unwrap();
        let child = Command::new(env!("CARGO_BIN_EXE_grantd"))
            .args(["serve", "--listen", &format!("127.0.0.1:{port}"), "--database-url", db])
            .args(args)
            .env("GRANTD_MASTER_KEY", key)
            .env("GRANTD_LOG", "info")
            .stdout(Stdio::null())
            .stderr(log.reopen().unwrap())
            .spawn()
            .unwrap();
        let serving = Self {
            child,
            base: format!("http://127.0.0.1:{port}"),
            log,
        };
        let deadline = Instant::now() + Duration::from_secs(30);
        while reqwest::get(&serving.base).await.is_err() {
            assert!(Instant::now() < deadline, "grantd serve did not start");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        serving
    }

    /// The access lines logged so far, once there are at least `n` (lines are written by a
    /// thread of their own, so they may trail the answers a little).
    async fn access_lines(&self, n: usize) -> Vec<String> {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let log = std::fs::read_to_string(self.log.path()).unwrap();
            let lines: Vec<String> = log
                .lines()
                .filter(|l| l.contains("grantd::access:"))
                .map(str::to_owned)
                .collect();
            if lines.len() >= n || Instant::now() > deadline {
                return lines;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

impl Drop for Serving {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn the_access_line_names_the_client_ip_and_the_principal() {
    let (db, _guard) = fresh_database().await;
    let key = grantd_core::secret::MasterKey::generate().to_hex();
    let env = [("GRANTD_MASTER_KEY", key.as_str())];
    let cli = |args: &[&str], stdin: Option<&str>| {
        let args: Vec<&str> = args
            .iter()
            .copied()
            .chain(["--database-url", db.as_str(), "--json"])
            .collect();
        let (ok, out, err) = run_grantd(&args, &env, stdin);
        assert!(ok, "{err}");
        serde_json::from_str::<Value>(out.trim()).unwrap()
    };
    cli(&["migrate"], None);
    cli(&["user", "add", "alice", "--password-stdin"], Some(PASSWORD));
    let app = cli(&["app", "add", "--name", "A", "--url", "https://a.example"], None);
    let (client_id, client_secret) = (
        app["client_id"].as_str().unwrap().to_owned(),
        app["client_secret"].as_str().unwrap().to_owned(),
    );
    let server = Serving::start(&db, &key, &["--trusted-proxy", "127.0.0.1"]).await;
    let http = reqwest::Client::new();
    let base = &server.base;
    // The start-up probe's one answered request is logged by a thread of its own: wait for it.
    let before = server.access_lines(1).await.len();

    // A user, forwarded by the trusted proxy.
    let user: Value = http
        .get(format!("{base}/user"))
        .basic_auth("alice", Some(PASSWORD))
        .header("X-Forwarded-For", "192.0.2.1, 198.51.100.7")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let user_id = user["id"].as_i64().unwrap();
    // No one, from the proxy itself.
    let status = http.get(format!("{base}/")).send().await.unwrap().status();
    assert_eq!(status, 200);
    // An app's token check, from an IPv6 client.
    let status = http
        .post(format!("{base}/applications/{client_id}/token"))
        .basic_auth(&client_id, Some(&client_secret))
        .header("X-Forwarded-For", "2001:db8::7")
        .json(&json!({"access_token": "gho_000000000000000000000000000000000000"}))
        .send()
        .await
        .unwrap()
        .status();
    assert_eq!(status, 404);
    // Bad credentials name no one.
    let status = http
        .get(format!("{base}/user"))
        .basic_auth("alice", Some("wrong"))
        .header("X-Forwarded-For", "198.51.100.8")
        .send()
        .await
        .unwrap()
        .status();
    assert_eq!(status, 401);

    let lines = server.access_lines(before + 4).await;
    let lines = &lines[before..];
    assert_eq!(lines.len(), 4, "{lines:#?}");
    let expected = [
        format!(r#"route="/user" status=200 ip="198.51.100.7" principal="user:{user_id}" latency_us="#),
        r#"route="/" status=200 ip="127.0.0.1" principal="-" latency_us="#.to_owned(),
        r#"route="/applications/{client_id}/token" status=404 ip="2001:db8::7" principal="app:"#.to_owned(),
        r#"route="/user" status=401 ip="198.51.100.8" principal="-" latency_us="#.to_owned(),
    ];
    for (line, expected) in lines.iter().zip(&expected) {
        assert!(line.contains(expected.as_str()), "{line}\nshould contain\n{expected}");
    }
}

store_tests!(
    rate_limit_counts_each_forwarded_client_when_the_peer_is_a_trusted_proxy,
    forwarded_for_is_ignored_when_the_peer_is_not_a_trusted_proxy,
    a_forged_left_most_hop_gives_no_fresh_budget,
    the_access_line_names_the_client_ip_and_the_principal,
);
