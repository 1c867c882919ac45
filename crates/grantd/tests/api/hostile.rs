//! Hostile input: slow clients, oversized headers and bodies, deep JSON, huge lists and numbers,
//! path traversal, SQL metacharacters, and floods of failed logins. The server answers each with
//! a GitHub-shaped 4xx (or closes the connection), never a 5xx, and keeps serving.

use crate::helpers::*;
use serde_json::json;
use std::io::{Read, Write};
use std::time::{Duration, Instant};

/// A raw TCP request; returns what the server sent before closing (or timing out).
fn raw(url: &str, request: &[u8]) -> String {
    let addr = url.trim_start_matches("http://");
    let mut stream = std::net::TcpStream::connect(addr).unwrap();
    stream.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let _ = stream.write_all(request);
    let mut out = Vec::new();
    let _ = stream.read_to_end(&mut out);
    String::from_utf8_lossy(&out).into_owned()
}

async fn slow_clients_are_disconnected_after_the_header_timeout() {
    let server = TestServer::start_with(Options {
        header_read_timeout: Duration::from_secs(1),
        ..Options::default()
    })
    .await;
    let addr = server.url.trim_start_matches("http://").to_owned();
    let closed_after = tokio::task::spawn_blocking(move || {
        let mut stream = std::net::TcpStream::connect(addr).unwrap();
        stream.set_read_timeout(Some(Duration::from_millis(100))).unwrap();
        let started = Instant::now();
        stream.write_all(b"GET / HTTP/1.1\r\nHost: x\r\n").unwrap();
        // Trickle one header byte every 200 ms, for at most 10 s.
        while started.elapsed() < Duration::from_secs(10) {
            let mut buf = [0u8; 256];
            match stream.read(&mut buf) {
                Ok(0) => return Some(started.elapsed()),
                Ok(_) => return Some(started.elapsed()),
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock || e.kind() == std::io::ErrorKind::TimedOut => {}
                Err(_) => return Some(started.elapsed()),
            }
            if stream.write_all(b"X").is_err() {
                return Some(started.elapsed());
            }
        }
        None
    })
    .await
    .unwrap();
    let closed_after = closed_after.expect("the trickling connection was never closed");
    assert!(closed_after < Duration::from_secs(5), "closed after {closed_after:?}");
    // Others are served meanwhile and afterwards.
    server.root().get("/").send().await.expect(200);
}

async fn oversized_headers_are_refused_and_the_server_keeps_serving() {
    let server = TestServer::start().await;
    let big = "a".repeat(1024 * 1024);
    let request = format!("GET / HTTP/1.1\r\nHost: x\r\nX-Big: {big}\r\nConnection: close\r\n\r\n");
    let url = server.url.clone();
    let response = tokio::task::spawn_blocking(move || raw(&url, request.as_bytes()))
        .await
        .unwrap();
    assert!(
        response.is_empty() || response.starts_with("HTTP/1.1 431"),
        "{}",
        &response[..response.len().min(200)]
    );
    server.root().get("/").send().await.expect(200);
}

async fn deeply_nested_json_is_a_parse_error_not_a_crash() {
    let server = TestServer::start().await;
    server.add_user("alice").await;
    let depth = 100_000;
    let body = format!("{{\"note\": {}{}}}", "[".repeat(depth), "]".repeat(depth));
    let resp = server
        .root()
        .post("/authorizations")
        .auth(password("alice"))
        .raw_body(body.as_bytes())
        .send()
        .await;
    resp.expect(400);
    assert_eq!(resp.message(), "Problems parsing JSON");
}

async fn a_million_scopes_are_refused_quickly() {
    let server = TestServer::start_with(Options {
        max_body_bytes: 32 * 1024 * 1024,
        ..Options::default()
    })
    .await;
    server.add_user("alice").await;
    let scopes: Vec<&str> = std::iter::repeat_n("repo", 1_000_000).collect();
    let started = Instant::now();
    let resp = server
        .root()
        .post("/authorizations")
        .auth(password("alice"))
        .json(json!({"note": "x", "scopes": scopes}))
        .send()
        .await;
    resp.expect(422);
    assert_eq!(
        resp.first_error(),
        ("OauthAccess".into(), "scopes".into(), "invalid".into())
    );
    println!("a million scopes refused in {:?}", started.elapsed());
    // Within the default body limit the answer is 413.
    let default = TestServer::start().await;
    default.add_user("alice").await;
    let resp = default
        .root()
        .post("/authorizations")
        .auth(password("alice"))
        .json(json!({"note": "x", "scopes": scopes}))
        .send()
        .await;
    resp.expect(413);
}

async fn huge_page_numbers_and_traversal_in_ids_are_harmless() {
    let server = TestServer::start().await;
    server.add_user("alice").await;
    let api = server.root();
    api.create_pat("alice", "one", &[]).await;
    for query in [
        "page=99999999999999999999999&per_page=99999999999999999999",
        "page=4294967295&per_page=100",
        "page=-1&per_page=-5",
        "page=1e10&per_page=0x10",
        "page=%00&per_page=%ff",
    ] {
        let resp = api
            .get(&format!("/authorizations?{query}"))
            .auth(password("alice"))
            .send()
            .await;
        resp.expect(200);
    }
    for path in [
        "/authorizations/..%2F..%2Fetc%2Fpasswd",
        "/authorizations/1%2F..",
        "/authorizations/9223372036854775808",
        "/authorizations/-1",
        "/applications/grants/..%2Fauthorizations",
    ] {
        assert_not_found(&api.get(path).auth(password("alice")).send().await);
    }
    // Dot segments sent as they are (an HTTP client would normalise them away).
    use base64::Engine as _;
    let auth = base64::engine::general_purpose::STANDARD.encode(format!("alice:{PASSWORD}"));
    for path in [
        "/authorizations/%2e%2e",
        "/authorizations/../authorizations/1",
        "/api/v3/authorizations/%2E%2E/1",
    ] {
        let request =
            format!("GET {path} HTTP/1.1\r\nHost: x\r\nAuthorization: Basic {auth}\r\nConnection: close\r\n\r\n");
        let url = server.url.clone();
        let response = tokio::task::spawn_blocking(move || raw(&url, request.as_bytes()))
            .await
            .unwrap();
        assert!(
            response.starts_with("HTTP/1.1 404"),
            "{path}: {}",
            &response[..response.len().min(120)]
        );
    }
}

async fn path_parameters_that_are_not_utf8_are_a_json_404() {
    // Found by hand after the schemathesis pass (tests/schemathesis): axum's `Path` answered these
    // with a plain-text `400 Invalid URL: Invalid UTF-8 in `…``, not GitHub's JSON (BEHAVIOR 22).
    let server = TestServer::start().await;
    server.add_user("alice").await;
    let (client_id, secret) = server.add_app("App").await;
    for api in server.layouts() {
        let mut requests = vec![
            api.get("/authorizations/%FF%FE"),
            api.patch("/authorizations/%FF").json(json!({"note": "x"})),
            api.delete("/authorizations/%C3%28"),
            api.get("/applications/grants/%FF"),
            api.delete("/applications/grants/%FF"),
            api.put("/authorizations/clients/%FF%FE")
                .json(json!({"client_secret": secret})),
            api.put(&format!("/authorizations/clients/{client_id}/%FF%FE"))
                .json(json!({"client_secret": secret})),
        ]
        .into_iter()
        .map(|req| req.auth(password("alice")))
        .collect::<Vec<_>>();
        for method in [reqwest::Method::GET, reqwest::Method::POST, reqwest::Method::DELETE] {
            requests.push(
                api.request(method, &format!("/applications/{client_id}/tokens/%FF%FE"))
                    .auth(basic(&client_id, &secret)),
            );
        }
        requests.push(
            api.delete(&format!("/applications/{client_id}/grants/%FF%FE"))
                .auth(basic(&client_id, &secret)),
        );
        for req in requests {
            let resp = req.send().await;
            assert_not_found(&resp);
            assert_eq!(resp.header("content-type"), Some("application/json; charset=utf-8"));
        }
    }
}

async fn sql_metacharacters_are_data() {
    let server = TestServer::start().await;
    server.add_user("alice").await;
    let (client_id, secret) = server.add_app("App").await;
    let api = server.root();
    let evil = [
        "x'; DROP TABLE users; --",
        "\" OR \"\"=\"",
        "') OR ('1'='1",
        "%_\\",
        "Robert'); DELETE FROM authorizations;--",
    ];
    for (i, s) in evil.iter().enumerate() {
        let resp = api
            .post("/authorizations")
            .auth(password("alice"))
            .json(json!({"note": s, "fingerprint": s, "note_url": format!("https://x.example/?q={}", urlencode(s))}))
            .send()
            .await;
        resp.expect(201);
        assert_eq!(resp.body["note"], *s);
        assert_eq!(resp.body["fingerprint"], *s);
        let id = resp.body["id"].clone();
        let back = api
            .get(&format!("/authorizations/{id}"))
            .auth(password("alice"))
            .send()
            .await;
        assert_eq!(back.expect(200).body["note"], *s);
        let fp = api
            .put(&format!("/authorizations/clients/{client_id}/{}", urlencode(s)))
            .auth(password("alice"))
            .json(json!({"client_secret": secret, "note": s}))
            .send()
            .await;
        assert_eq!(fp.expect(201).body["fingerprint"], *s, "{i}");
        assert_eq!(
            api.get(&format!("/authorizations?client_id={}", urlencode(s)))
                .auth(password("alice"))
                .send()
                .await
                .body,
            json!([])
        );
        api.get("/authorizations")
            .auth(basic(s, PASSWORD))
            .send()
            .await
            .expect(401);
        let scope = api
            .post("/authorizations")
            .auth(password("alice"))
            .json(json!({"note": "n", "scopes": [s]}))
            .send()
            .await;
        scope.expect(422);
    }
    let all = api
        .get("/authorizations?per_page=100")
        .auth(password("alice"))
        .send()
        .await;
    assert_eq!(all.expect(200).body.as_array().unwrap().len(), evil.len() * 2);
}

async fn a_flood_of_failed_logins_locks_the_target_only() {
    let server = TestServer::start().await;
    server.add_user("alice").await;
    server.add_user("bob").await;
    let api = server.root();
    let flood: Vec<_> = (0..50)
        .map(|_| {
            let api = api.clone();
            tokio::spawn(async move {
                api.get("/authorizations")
                    .auth(basic("alice", "guess"))
                    .send()
                    .await
                    .status
            })
        })
        .collect();
    for f in flood {
        let status = f.await.unwrap();
        assert!(status == 401 || status == 403, "{status}");
    }
    api.get("/authorizations")
        .auth(password("alice"))
        .send()
        .await
        .expect(403);
    api.get("/authorizations")
        .auth(password("bob"))
        .send()
        .await
        .expect(200);
}

fn urlencode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes())
        .collect::<String>()
        .replace('+', "%20")
}

store_tests!(
    slow_clients_are_disconnected_after_the_header_timeout,
    oversized_headers_are_refused_and_the_server_keeps_serving,
    deeply_nested_json_is_a_parse_error_not_a_crash,
    a_million_scopes_are_refused_quickly,
    huge_page_numbers_and_traversal_in_ids_are_harmless,
    path_parameters_that_are_not_utf8_are_a_json_404,
    sql_metacharacters_are_data,
    a_flood_of_failed_logins_locks_the_target_only,
);
