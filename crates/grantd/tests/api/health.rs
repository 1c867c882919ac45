//! `GET /healthz` and `GET /readyz`: unauthenticated, outside the API (no rate limit, no CORS,
//! no session, no GitHub headers), and readiness false while the database does not answer.

use crate::client_ip::Serving;
use crate::helpers::*;
use grantd_test_support::postgres::Schema;
use serde_json::{json, Value};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinSet;

async fn probe(http: &reqwest::Client, url: String) -> (u16, Value, reqwest::header::HeaderMap) {
    let resp = http
        .get(url)
        .header("Origin", "https://elsewhere.example")
        .header("Authorization", "token ghp_000000000000000000000000000000000000")
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    let headers = resp.headers().clone();
    (status, resp.json().await.unwrap(), headers)
}

async fn health_and_readiness_answer_outside_the_api() {
    // Two requests an hour without valid credentials: the probes must not count.
    let server = TestServer::start_with(Options {
        rate_limits: grantd_http::RateLimits {
            authenticated: 2,
            anonymous: 2,
        },
        ..Options::default()
    })
    .await;
    let http = reqwest::Client::new();
    // The edge's request id is on every answer (the log line names it); nothing of the API's is.
    for _ in 0..5 {
        for path in ["/healthz", "/readyz"] {
            let (status, body, headers) = probe(&http, format!("{}{path}", server.url)).await;
            assert_eq!((status, &body), (200, &json!({"status": "ok"})), "{path}");
            for name in headers.keys().map(|n| n.as_str()) {
                assert!(
                    !name.starts_with("x-ratelimit")
                        && !name.starts_with("access-control-")
                        && (!name.starts_with("x-github") || name == "x-github-request-id")
                        && !name.starts_with("x-oauth")
                        && name != "set-cookie",
                    "{path}: {name}"
                );
            }
            assert_eq!(headers["cache-control"], "no-store", "{path}");
        }
    }
    // Only these two paths: the Enterprise layout's are the API's (a 404), and the API is still
    // counted as before.
    let api = http.get(format!("{}/api/v3/healthz", server.url)).send().await.unwrap();
    assert_eq!(api.status(), 404);
    assert_eq!(api.headers()["x-ratelimit-used"], "1");
}

/// A TCP relay to PostgreSQL that can be cut: while down, it closes every relayed connection
/// and every new one at once (a refused connection would have the pool retry until its timeout).
struct Relay {
    addr: std::net::SocketAddr,
    up: Arc<AtomicBool>,
    connections: Arc<tokio::sync::Mutex<JoinSet<()>>>,
    _accepting: tokio::task::JoinHandle<()>,
}

impl Relay {
    async fn to(target: String) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let up = Arc::new(AtomicBool::new(true));
        let connections = Arc::new(tokio::sync::Mutex::new(JoinSet::new()));
        let (up2, connections2) = (up.clone(), connections.clone());
        let accepting = tokio::spawn(async move {
            while let Ok((mut client, _)) = listener.accept().await {
                if !up2.load(Ordering::SeqCst) {
                    continue; // dropped: closed at once
                }
                let target = target.clone();
                connections2.lock().await.spawn(async move {
                    if let Ok(mut server) = TcpStream::connect(target).await {
                        let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
                    }
                });
            }
        });
        Self {
            addr,
            up,
            connections,
            _accepting: accepting,
        }
    }

    async fn cut(&self) {
        self.up.store(false, Ordering::SeqCst);
        self.connections.lock().await.abort_all();
    }

    fn restore(&self) {
        self.up.store(true, Ordering::SeqCst);
    }
}

/// PostgreSQL only: a SQLite database is a file grantd holds open, which does not go away while
/// the process runs; a server across the network does, which is what readiness is for.
#[tokio::test]
async fn readiness_is_false_while_the_database_does_not_answer() {
    let Some(schema) = Schema::create_or_skip("readiness_is_false_while_the_database_does_not_answer").await else {
        return;
    };
    let mut url = url::Url::parse(&schema.url).unwrap();
    let target = format!("{}:{}", url.host_str().unwrap(), url.port().unwrap_or(5432));
    let relay = Relay::to(target).await;
    url.set_host(Some("127.0.0.1")).unwrap();
    url.set_port(Some(relay.addr.port())).unwrap();
    let key = grantd_core::secret::MasterKey::generate().to_hex();
    let server = Serving::start(url.as_str(), &key, &[]).await;
    let http = reqwest::Client::new();
    let get = |path: &str| {
        let (http, url) = (http.clone(), format!("{}{path}", server.base));
        async move {
            let resp = http.get(url).send().await.unwrap();
            (resp.status().as_u16(), resp.json::<Value>().await.unwrap())
        }
    };
    assert_eq!(get("/readyz").await, (200, json!({"status": "ok"})));

    relay.cut().await;
    for _ in 0..2 {
        assert_eq!(get("/readyz").await, (503, json!({"status": "unavailable"})));
        // The process itself is alive.
        assert_eq!(get("/healthz").await, (200, json!({"status": "ok"})));
    }

    relay.restore();
    assert_eq!(get("/readyz").await, (200, json!({"status": "ok"})));
}

store_tests!(health_and_readiness_answer_outside_the_api);
