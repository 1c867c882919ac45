//! Two `grantd serve` processes on one PostgreSQL database: what must hold across instances is
//! settled by the database, never by in-process state. Runs when `GRANTD_TEST_POSTGRES_URL` is
//! set; prints its figures.

use grantd_core::secret::{MasterKey, TotpSecret};
use grantd_test_support::postgres::{skip_loudly, test_url, Schema};
use serde_json::{json, Value};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

const PASSWORD: &str = "correct horse battery";

/// A `grantd serve` process, killed when dropped.
struct Instance {
    child: Child,
    url: String,
}

impl Drop for Instance {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn grantd(db: &str, key: &str, args: &[&str], stdin: Option<&str>) -> String {
    let args: Vec<&str> = args.iter().copied().chain(["--database-url", db]).collect();
    let (ok, out, err) = crate::helpers::run_grantd(&args, &[("GRANTD_MASTER_KEY", key)], stdin);
    assert!(ok, "grantd {args:?}: {err}");
    out
}

async fn start(db: &str, key: &str) -> Instance {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let child = Command::new(env!("CARGO_BIN_EXE_grantd"))
        .args(["serve", "--listen", &format!("127.0.0.1:{port}"), "--database-url", db])
        .env("GRANTD_MASTER_KEY", key)
        .env("GRANTD_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let instance = Instance {
        child,
        url: format!("http://127.0.0.1:{port}"),
    };
    let deadline = Instant::now() + Duration::from_secs(30);
    while reqwest::get(&instance.url).await.is_err() {
        assert!(Instant::now() < deadline, "grantd serve did not start");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    instance
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn invariants_hold_across_two_instances_on_one_database() {
    let Some(base) = test_url() else {
        skip_loudly("cross_instance::invariants_hold_across_two_instances_on_one_database");
        return;
    };
    let schema = Schema::create_on(&base).await;
    let db = schema.url.clone();
    let key = MasterKey::generate().to_hex();
    grantd(&db, &key, &["migrate"], None);
    for login in ["alice", "bob", "carol"] {
        grantd(&db, &key, &["user", "add", login, "--password-stdin"], Some(PASSWORD));
    }
    let tfa: Value =
        serde_json::from_str(&grantd(&db, &key, &["user", "2fa", "enable", "carol", "--json"], None)).unwrap();
    let seed = TotpSecret::from_base32(tfa["secret"].as_str().unwrap()).unwrap();
    let app: Value = serde_json::from_str(&grantd(
        &db,
        &key,
        &["app", "add", "--name", "X", "--url", "https://x.example", "--json"],
        None,
    ))
    .unwrap();
    let (client_id, secret) = (
        app["client_id"].as_str().unwrap().to_owned(),
        app["client_secret"].as_str().unwrap().to_owned(),
    );

    let a = start(&db, &key).await;
    let b = start(&db, &key).await;
    let urls = [a.url.clone(), b.url.clone()];
    let http = reqwest::Client::new();

    // 50 concurrent get-or-create requests for one user and app, split across the instances.
    let started = Instant::now();
    let requests = (0..50).map(|i| {
        let http = http.clone();
        let url = format!("{}/authorizations/clients/{client_id}", urls[i % 2]);
        let body = json!({"client_secret": secret, "scopes": ["repo"]});
        async move {
            http.put(url)
                .basic_auth("alice", Some(PASSWORD))
                .json(&body)
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }
    });
    let statuses = futures_join_all(requests).await;
    let created = statuses.iter().filter(|s| **s == 201).count();
    let existing = statuses.iter().filter(|s| **s == 200).count();
    println!(
        "get-or-create x50 on 2 instances: {created} x 201, {existing} x 200 in {:?}",
        started.elapsed()
    );
    assert_eq!((created, existing), (1, 49), "{statuses:?}");
    let list: Value = http
        .get(format!("{}/authorizations", urls[1]))
        .basic_auth("alice", Some(PASSWORD))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(list.as_array().unwrap().len(), 1, "one stored authorization");

    // 20 concurrent personal tokens with the same note.
    let started = Instant::now();
    let requests = (0..20).map(|i| {
        let http = http.clone();
        let url = format!("{}/authorizations", urls[i % 2]);
        async move {
            let r = http
                .post(url)
                .basic_auth("alice", Some(PASSWORD))
                .json(&json!({"note": "same"}))
                .send()
                .await
                .unwrap();
            let status = r.status().as_u16();
            let body: Value = r.json().await.unwrap();
            (status, body["errors"][0]["code"].as_str().unwrap_or("").to_owned())
        }
    });
    let results = futures_join_all(requests).await;
    let ok = results.iter().filter(|(s, _)| *s == 201).count();
    let taken = results
        .iter()
        .filter(|(s, c)| *s == 422 && c == "already_exists")
        .count();
    println!(
        "same-note PAT x20 on 2 instances: {ok} x 201, {taken} x 422 already_exists in {:?}",
        started.elapsed()
    );
    assert_eq!((ok, taken), (1, 19), "{results:?}");

    // Lock-out reached through A holds on B.
    for _ in 0..10 {
        let s = http
            .get(format!("{}/authorizations", urls[0]))
            .basic_auth("bob", Some("wrong"))
            .send()
            .await
            .unwrap()
            .status();
        assert_eq!(s, 401);
    }
    let locked = http
        .get(format!("{}/authorizations", urls[1]))
        .basic_auth("bob", Some(PASSWORD))
        .send()
        .await
        .unwrap();
    assert_eq!(locked.status(), 403, "lock-out counted in the database");
    println!(
        "lock-out: 10 failures on A, the right password on B answered {}",
        locked.status()
    );

    // A token deleted through A is rejected by B on the very next request.
    let pat: Value = http
        .post(format!("{}/authorizations", urls[0]))
        .basic_auth("alice", Some(PASSWORD))
        .json(&json!({"note": "short-lived"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = pat["token"].as_str().unwrap();
    let user = |u: &str| {
        http.get(format!("{u}/user"))
            .header("Authorization", format!("token {token}"))
            .send()
    };
    assert_eq!(user(&urls[1]).await.unwrap().status(), 200);
    let deleted = http
        .delete(format!("{}/authorizations/{}", urls[0], pat["id"]))
        .basic_auth("alice", Some(PASSWORD))
        .send()
        .await
        .unwrap();
    assert_eq!(deleted.status(), 204);
    assert_eq!(
        user(&urls[1]).await.unwrap().status(),
        401,
        "B rejects the token deleted on A"
    );

    // A fresh code is accepted by both instances; once a newer step is accepted on A, an older
    // (still in-window) code is refused on B.
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let (older, current) = (seed.code_at(now - 30), seed.code_at(now));
    let get = |u: String, code: String| {
        http.get(format!("{u}/authorizations"))
            .basic_auth("carol", Some(PASSWORD))
            .header("X-GitHub-OTP", code)
            .send()
    };
    assert_eq!(get(urls[0].clone(), current.clone()).await.unwrap().status(), 200);
    assert_eq!(
        get(urls[1].clone(), current.clone()).await.unwrap().status(),
        200,
        "the same fresh code on B"
    );
    if older != current {
        let stale = get(urls[1].clone(), older).await.unwrap();
        assert_eq!(
            stale.status(),
            401,
            "a code older than the accepted step is refused on B"
        );
        assert_eq!(stale.headers()["x-github-otp"], "required; app");
    }
    drop((a, b));
    drop(schema);
}

/// A burst of wrong passwords, and one of wrong codes with the right password, split across two
/// instances: at most the threshold (10 by default) are checked in all, and the right credentials
/// sent once the burst is under way are refused on either instance.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_burst_of_guesses_across_two_instances_gets_at_most_the_threshold_of_checks() {
    const BURST: usize = 40;
    const THRESHOLD: usize = 10;
    let Some(base) = test_url() else {
        skip_loudly("cross_instance::a_burst_of_guesses_across_two_instances_gets_at_most_the_threshold_of_checks");
        return;
    };
    let schema = Schema::create_on(&base).await;
    let db = schema.url.clone();
    let key = MasterKey::generate().to_hex();
    grantd(&db, &key, &["migrate"], None);
    for login in ["dave", "erin"] {
        grantd(&db, &key, &["user", "add", login, "--password-stdin"], Some(PASSWORD));
    }
    let tfa: Value =
        serde_json::from_str(&grantd(&db, &key, &["user", "2fa", "enable", "erin", "--json"], None)).unwrap();
    let seed = TotpSecret::from_base32(tfa["secret"].as_str().unwrap()).unwrap();
    let a = start(&db, &key).await;
    let b = start(&db, &key).await;
    let urls = [a.url.clone(), b.url.clone()];
    let http = reqwest::Client::new();
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let current = seed.code_at(now);
    let wrong_code = if current == "999999" { "999998" } else { "999999" };

    for (login, wrong_password, code, right_code) in [
        ("dave", "wrong", None, None),
        ("erin", PASSWORD, Some(wrong_code), Some(current.as_str())),
    ] {
        let wrong = Arc::new(AtomicUsize::new(0));
        let tasks: Vec<_> = (0..BURST)
            .map(|i| {
                let (http, wrong) = (http.clone(), Arc::clone(&wrong));
                let mut req = http
                    .get(format!("{}/authorizations", urls[i % 2]))
                    .basic_auth(login, Some(wrong_password));
                if let Some(code) = code {
                    req = req.header("X-GitHub-OTP", code);
                }
                tokio::spawn(async move {
                    let status = req.send().await.unwrap().status().as_u16();
                    if status == 401 {
                        wrong.fetch_add(1, Ordering::SeqCst);
                    }
                    status
                })
            })
            .collect();
        // Once the threshold of guesses has been checked and answered, the right credentials go
        // to each instance while the rest of the burst is still being answered.
        let deadline = Instant::now() + Duration::from_secs(300);
        while wrong.load(Ordering::SeqCst) < THRESHOLD && !tasks.iter().all(|t| t.is_finished()) {
            assert!(Instant::now() < deadline, "the burst made no progress");
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        for url in &urls {
            let mut req = http
                .get(format!("{url}/authorizations"))
                .basic_auth(login, Some(PASSWORD));
            if let Some(code) = right_code {
                req = req.header("X-GitHub-OTP", code);
            }
            let right = req.send().await.unwrap();
            assert_eq!(right.status(), 403, "{login}: the right credentials on {url}");
        }
        let mut statuses = Vec::new();
        for task in tasks {
            statuses.push(task.await.unwrap());
        }
        let checked = statuses.iter().filter(|s| **s == 401).count();
        println!("{login}: {BURST} guesses on 2 instances, {checked} checked: {statuses:?}");
        assert!(checked <= THRESHOLD, "{login}: {checked} guesses checked");
        assert!(statuses.iter().all(|s| *s == 401 || *s == 403), "{statuses:?}");
    }
    drop((a, b));
    drop(schema);
}

/// Runs futures concurrently on the runtime and collects their outputs in order.
async fn futures_join_all<F>(futures: impl Iterator<Item = F>) -> Vec<F::Output>
where
    F: std::future::Future + Send + 'static,
    F::Output: Send + 'static,
{
    let handles: Vec<_> = futures.map(tokio::spawn).collect();
    let mut out = Vec::with_capacity(handles.len());
    for h in handles {
        out.push(h.await.unwrap());
    }
    out
}
