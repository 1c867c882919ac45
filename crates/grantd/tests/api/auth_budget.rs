//! The failed-authentication budget of a client address (`--failed-auth-limit`): once an
//! address has used it, its password logins are refused with 403 before any password is hashed
//! or any attempt is counted against a user's lock-out; it is kept apart from the rate limits;
//! and failed logins leave a line in the log (target `grantd::auth`) without their secrets.

use crate::helpers::{basic, password, token, Api, Options, TestServer, PASSWORD, START};
use grantd_http::RateLimits;
use grantd_test_support::LogBuffer;
use std::net::{IpAddr, Ipv4Addr};

/// GitHub's message for too many failed logins, which an address over its budget gets too.
const TOO_MANY: &str = "Maximum number of login attempts exceeded. Please try again later.";

/// Another client address on the loopback network.
const OTHER_ADDRESS: IpAddr = IpAddr::V4(Ipv4Addr::new(127, 0, 0, 2));

async fn status(api: &Api, auth: crate::helpers::Auth) -> u16 {
    api.get("/authorizations").auth(auth).send().await.status
}

async fn an_address_over_its_budget_gets_no_password_check_and_moves_no_lock_out() {
    let server = TestServer::start_with(Options {
        failed_auth_limit: 3,
        lockout_threshold: 5,
        ..Options::default()
    })
    .await;
    server.add_user("alice").await;
    let api = server.root();
    for _ in 0..3 {
        assert_eq!(status(&api, basic("alice", "wrong")).await, 401);
    }
    let checked = server.services.password_hasher().verifications();
    for _ in 0..10 {
        let refused = api.get("/authorizations").auth(basic("alice", "wrong")).send().await;
        refused.expect(403);
        assert_eq!(refused.message(), TOO_MANY);
    }
    assert_eq!(
        status(&api, password("alice")).await,
        403,
        "the right password too: nothing is checked"
    );
    assert_eq!(
        server.services.password_hasher().verifications(),
        checked,
        "no password was hashed for the address over its budget"
    );
    // From another address: alice has 3 failures, not 14, so one more leaves her unlocked.
    let other = api.connecting_from(OTHER_ADDRESS);
    assert_eq!(status(&other, basic("alice", "wrong")).await, 401);
    assert_eq!(
        status(&other, password("alice")).await,
        200,
        "the refused guesses did not count against alice's lock-out"
    );
}

async fn the_budget_holds_with_rate_limits_off_and_zero_turns_it_off() {
    let server = TestServer::start_with(Options {
        failed_auth_limit: 2,
        rate_limits: RateLimits {
            authenticated: 0,
            anonymous: 0,
        },
        ..Options::default()
    })
    .await;
    server.add_user("alice").await;
    let api = server.root();
    assert_eq!(status(&api, basic("alice", "wrong")).await, 401);
    assert_eq!(status(&api, basic("nobody", "wrong")).await, 401);
    let refused = api.get("/authorizations").auth(basic("alice", "wrong")).send().await;
    refused.expect(403);
    assert_eq!(refused.message(), TOO_MANY);
    assert_eq!(refused.header("x-ratelimit-limit"), None, "rate limiting is off");

    let unlimited = TestServer::start_with(Options {
        failed_auth_limit: 0,
        lockout_threshold: 1000,
        rate_limits: RateLimits {
            authenticated: 1000,
            anonymous: 1000,
        },
        ..Options::default()
    })
    .await;
    unlimited.add_user("alice").await;
    let api = unlimited.root();
    for _ in 0..30 {
        assert_eq!(status(&api, basic("alice", "wrong")).await, 401);
    }
}

async fn wrong_passwords_codes_and_unknown_logins_count_and_nothing_else_does() {
    let server = TestServer::start_with(Options {
        failed_auth_limit: 3,
        lockout_threshold: 100,
        ..Options::default()
    })
    .await;
    server.add_user("alice").await;
    let seed = server.add_2fa_user("bob").await;
    let api = server.root();
    let current = seed.code_at(START);
    let wrong_code = if current == "999999" { "999998" } else { "999999" };
    // None of these is a failed password login.
    for _ in 0..5 {
        assert_eq!(status(&api, password("alice")).await, 200);
        let asked = api.get("/authorizations").auth(password("bob")).send().await;
        asked.expect(401);
        assert!(asked.header("x-github-otp").is_some(), "a missing code is asked for");
        assert_eq!(api.get("/user").auth(token("ghp_notatoken")).send().await.status, 401);
    }
    // These three are.
    assert_eq!(status(&api, basic("nobody", PASSWORD)).await, 401);
    assert_eq!(
        api.get("/authorizations")
            .auth(password("bob"))
            .otp(wrong_code)
            .send()
            .await
            .status,
        401
    );
    assert_eq!(status(&api, basic("alice", "wrong")).await, 401);
    let refused = api.get("/authorizations").auth(password("alice")).send().await;
    refused.expect(403);
    assert_eq!(refused.message(), TOO_MANY);
}

async fn failed_logins_are_logged_without_their_secrets() {
    let log = LogBuffer::new();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::INFO)
        .with_ansi(false)
        .with_writer(log.clone())
        .finish();
    // The test's runtime has one thread, on which the server's tasks log too.
    let _guard = tracing::subscriber::set_default(subscriber);
    let server = TestServer::start_with(Options {
        failed_auth_limit: 4,
        lockout_threshold: 2,
        ..Options::default()
    })
    .await;
    server.add_user("alice").await;
    let seed = server.add_2fa_user("bob").await;
    let api = server.root();
    let current = seed.code_at(START);
    let wrong_code = if current == "999999" { "999998" } else { "999999" };
    let guesses = ["first-wrong-guess-x1", "second-wrong-guess-x2"];
    for guess in guesses {
        assert_eq!(status(&api, basic("alice", guess)).await, 401);
    }
    assert_eq!(status(&api, password("alice")).await, 403, "locked");
    assert_eq!(
        api.get("/authorizations")
            .auth(password("bob"))
            .otp(wrong_code)
            .send()
            .await
            .status,
        401
    );
    assert_eq!(status(&api, password("bob")).await, 401, "a code is asked for");
    assert_eq!(status(&api, basic("nobody\nforged line", PASSWORD)).await, 401);
    assert_eq!(status(&api, password("alice")).await, 403, "over the budget");
    assert_eq!(status(&api, password("alice")).await, 403, "still over the budget");

    let all = log.contents();
    let auth: Vec<&str> = all.lines().filter(|l| l.contains("grantd::auth")).collect();
    let find = |what: &[&str]| auth.iter().filter(|l| what.iter().all(|w| l.contains(w))).count();
    let ip = "ip=127.0.0.1";
    assert_eq!(
        find(&[" INFO ", ip, "login=\"alice\"", "reason=\"wrong password\""]),
        2,
        "{all}"
    );
    assert_eq!(
        find(&[" WARN ", ip, "login=\"alice\"", "user locked out", "lock_seconds=900"]),
        1,
        "{all}"
    );
    assert_eq!(find(&[ip, "login=\"alice\"", "reason=\"locked\""]), 1, "{all}");
    assert_eq!(find(&[ip, "login=\"bob\"", "reason=\"wrong code\""]), 1, "{all}");
    assert_eq!(
        find(&[ip, r#"login="nobody\nforged line""#, "reason=\"unknown login\""]),
        1,
        "the login is escaped: {all}"
    );
    assert!(!all.contains("\nforged line"), "{all}");
    assert_eq!(
        find(&[" WARN ", ip, "over its failed-authentication budget", "limit=4"]),
        1,
        "one warning a window: {all}"
    );
    assert_eq!(
        find(&[
            ip,
            "login=\"alice\"",
            "reason=\"over the address's failed-authentication budget\""
        ]),
        2,
        "{all}"
    );
    assert_eq!(find(&["login=\"bob\""]), 1, "a missing code is not a failure: {all}");
    for secret in guesses.iter().copied().chain([PASSWORD]) {
        assert!(!all.contains(secret), "{secret} in the log: {all}");
    }
    for code in [current.as_str(), wrong_code] {
        assert!(auth.iter().all(|l| !l.contains(code)), "{code} in the log: {all}");
    }
}

store_tests!(
    an_address_over_its_budget_gets_no_password_check_and_moves_no_lock_out,
    the_budget_holds_with_rate_limits_off_and_zero_turns_it_off,
    wrong_passwords_codes_and_unknown_logins_count_and_nothing_else_does,
    failed_logins_are_logged_without_their_secrets,
);
