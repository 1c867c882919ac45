//! The lock-out under concurrency: a burst of wrong passwords, or of wrong codes with the right
//! password, gets at most the threshold of password checks, and the right credentials sent while
//! the burst is under way are refused. (Across two instances: `cross_instance.rs`.)

use crate::helpers::{basic, password, Api, Auth, Options, TestServer, START};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Guesses in a burst.
const BURST: usize = 40;
/// The server's lock-out threshold.
const THRESHOLD: u64 = 10;

/// Sends `BURST` concurrent requests with `auth` and `otp`; returns their tasks and the count of
/// answers so far.
fn burst(api: &Api, auth: &Auth, otp: Option<&str>) -> (Vec<tokio::task::JoinHandle<u16>>, Arc<AtomicUsize>) {
    let answered = Arc::new(AtomicUsize::new(0));
    let tasks = (0..BURST)
        .map(|_| {
            let (api, auth, otp, answered) = (api.clone(), auth.clone(), otp.map(str::to_owned), Arc::clone(&answered));
            tokio::spawn(async move {
                let mut req = api.get("/authorizations").auth(auth);
                if let Some(code) = otp {
                    req = req.otp(&code);
                }
                let status = req.send().await.status;
                answered.fetch_add(1, Ordering::SeqCst);
                status
            })
        })
        .collect();
    (tasks, answered)
}

/// Waits until the server has started `n` password checks (or every request of the burst is
/// answered): the order the test needs, without assuming any timing.
async fn until_checked(server: &TestServer, n: u64, answered: &AtomicUsize) {
    let deadline = Instant::now() + Duration::from_secs(120);
    while server.services.password_hasher().verifications() < n && answered.load(Ordering::SeqCst) < BURST {
        assert!(Instant::now() < deadline, "the burst made no progress");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

/// The statuses of a finished burst.
async fn statuses(tasks: Vec<tokio::task::JoinHandle<u16>>) -> Vec<u16> {
    let mut out = Vec::new();
    for task in tasks {
        out.push(task.await.unwrap());
    }
    out
}

async fn a_burst_of_wrong_passwords_gets_at_most_the_threshold_of_checks() {
    let server = TestServer::start_with(Options {
        lockout_threshold: THRESHOLD as i64,
        ..Options::default()
    })
    .await;
    server.add_user("alice").await;
    let api = server.root();
    let before = server.services.password_hasher().verifications();
    let (tasks, answered) = burst(&api, &basic("alice", "wrong"), None);
    until_checked(&server, before + THRESHOLD, &answered).await;
    let right = api.get("/authorizations").auth(password("alice")).send().await;
    right.expect(403);
    assert_eq!(
        right.message(),
        "Maximum number of login attempts exceeded. Please try again later."
    );
    let statuses = statuses(tasks).await;
    let checked = server.services.password_hasher().verifications() - before;
    let refused = statuses.iter().filter(|s| **s == 403).count();
    let wrong = statuses.iter().filter(|s| **s == 401).count();
    assert!(checked <= THRESHOLD, "{checked} passwords checked: {statuses:?}");
    assert_eq!(
        (wrong, refused),
        (THRESHOLD as usize, BURST - THRESHOLD as usize),
        "{statuses:?}"
    );
}

async fn a_burst_of_wrong_codes_gets_at_most_the_threshold_of_checks() {
    let server = TestServer::start_with(Options {
        lockout_threshold: THRESHOLD as i64,
        ..Options::default()
    })
    .await;
    let seed = server.add_2fa_user("bob").await;
    let api = server.root();
    let current = seed.code_at(START);
    let wrong = if current == "999999" { "999998" } else { "999999" };
    let before = server.services.password_hasher().verifications();
    let (tasks, answered) = burst(&api, &password("bob"), Some(wrong));
    until_checked(&server, before + THRESHOLD, &answered).await;
    let right = api
        .get("/authorizations")
        .auth(password("bob"))
        .otp(&current)
        .send()
        .await;
    right.expect(403);
    let statuses = statuses(tasks).await;
    let checked = server.services.password_hasher().verifications() - before;
    let asked_again = statuses.iter().filter(|s| **s == 401).count();
    assert!(checked <= THRESHOLD, "{checked} passwords checked: {statuses:?}");
    assert_eq!(asked_again, THRESHOLD as usize, "{statuses:?}");
    assert!(statuses.iter().all(|s| *s == 401 || *s == 403), "{statuses:?}");
}

async fn a_success_forgives_one_failure_instead_of_all() {
    let server = TestServer::start_with(Options {
        lockout_threshold: 3,
        ..Options::default()
    })
    .await;
    server.add_user("alice").await;
    let api = server.root();
    let attempt = |auth: Auth| {
        let api = api.clone();
        async move { api.get("/authorizations").auth(auth).send().await.status }
    };
    assert_eq!(attempt(basic("alice", "wrong")).await, 401);
    assert_eq!(attempt(basic("alice", "wrong")).await, 401);
    assert_eq!(attempt(password("alice")).await, 200, "two failures, then a success");
    // One failure is left: two more reach the threshold.
    assert_eq!(attempt(basic("alice", "wrong")).await, 401);
    assert_eq!(attempt(basic("alice", "wrong")).await, 401);
    assert_eq!(attempt(password("alice")).await, 403, "locked");
}

/// A login no user has is locked after the same number of wrong passwords as a real one, so the
/// answers do not tell which logins exist; and a burst of guesses at it gets no more checks.
async fn unknown_logins_are_locked_like_known_ones() {
    let server = TestServer::start_with(Options {
        lockout_threshold: 3,
        ..Options::default()
    })
    .await;
    server.add_user("alice").await;
    let api = server.root();
    let answers = |login: &'static str| {
        let api = api.clone();
        async move {
            let mut seen = Vec::new();
            for _ in 0..5 {
                let resp = api.get("/authorizations").auth(basic(login, "wrong")).send().await;
                seen.push((resp.status, resp.message().to_owned()));
            }
            seen
        }
    };
    let known = answers("alice").await;
    let unknown = answers("nobody").await;
    assert_eq!(known, unknown, "a known and an unknown login answer alike");
    assert_eq!(unknown[3].0, 403, "{unknown:?}");
    assert_eq!(
        answers("NoBody").await[0].0,
        403,
        "the lock holds for the login in any case"
    );
    assert_eq!(answers("someone").await[0].0, 401, "other logins are not locked");
}

/// `grantd user unlock` lets a locked-out owner in again with the right password.
async fn an_administrator_unlocks_a_locked_user() {
    let server = TestServer::start_with(Options {
        lockout_threshold: 2,
        ..Options::default()
    })
    .await;
    server.add_user("alice").await;
    let api = server.root();
    for _ in 0..3 {
        api.get("/authorizations").auth(basic("alice", "wrong")).send().await;
    }
    api.get("/authorizations")
        .auth(password("alice"))
        .send()
        .await
        .expect(403);
    let (ok, out, err) = crate::helpers::run_grantd(
        &[
            "user",
            "unlock",
            "alice",
            "--json",
            "--database-url",
            &server.database_url,
        ],
        &[(
            "GRANTD_MASTER_KEY",
            &grantd_core::secret::MasterKey::generate().to_hex(),
        )],
        None,
    );
    assert!(ok, "{err}");
    // (Whether it says the user was locked depends on the real clock; this server's is fixed.)
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(out.trim()).unwrap()["login"],
        "alice"
    );
    api.get("/authorizations")
        .auth(password("alice"))
        .send()
        .await
        .expect(200);
    let (ok, _, err) = crate::helpers::run_grantd(
        &["user", "unlock", "nobody", "--database-url", &server.database_url],
        &[(
            "GRANTD_MASTER_KEY",
            &grantd_core::secret::MasterKey::generate().to_hex(),
        )],
        None,
    );
    assert!(!ok && err.contains("no user has the login \"nobody\""), "{err}");
}

store_tests!(
    a_success_forgives_one_failure_instead_of_all,
    unknown_logins_are_locked_like_known_ones,
    an_administrator_unlocks_a_locked_user,
);
store_tests!(multi_thread:
    a_burst_of_wrong_passwords_gets_at_most_the_threshold_of_checks,
    a_burst_of_wrong_codes_gets_at_most_the_threshold_of_checks,
);
