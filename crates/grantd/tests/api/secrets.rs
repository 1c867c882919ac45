//! Secrets never leak: a full scenario against `grantd serve` with debug logging, after which no
//! password, token, client secret, TOTP secret or code, master key or Basic credential appears
//! in any log line or error body; and `Debug` of every secret-bearing type is redacted.

use crate::helpers::{fresh_database, run_grantd};
use base64::Engine as _;
use grantd_core::secret::{ClientSecret, MasterKey, Token, TokenKind, TotpSecret};
use serde_json::{json, Value};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const ALICE_PASSWORD: &str = "alice-very-secret-password";
const BOB_PASSWORD: &str = "bob-very-secret-password";

async fn a_full_scenario_leaks_no_secret_into_logs_or_error_bodies() {
    let (db, _guard) = fresh_database().await;
    let key = MasterKey::generate().to_hex();
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
    cli(&["user", "add", "alice", "--password-stdin"], Some(ALICE_PASSWORD));
    cli(&["user", "add", "bob", "--password-stdin"], Some(BOB_PASSWORD));
    let totp = cli(&["user", "2fa", "enable", "bob"], None)["secret"]
        .as_str()
        .unwrap()
        .to_owned();
    let app = cli(&["app", "add", "--name", "A", "--url", "https://a.example"], None);
    let (client_id, client_secret) = (
        app["client_id"].as_str().unwrap().to_owned(),
        app["client_secret"].as_str().unwrap().to_owned(),
    );

    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let log_path = tempfile::NamedTempFile::new().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_grantd"))
        .args(["serve", "--listen", &format!("127.0.0.1:{port}"), "--database-url", &db])
        .env("GRANTD_MASTER_KEY", &key)
        .env("GRANTD_LOG", "debug")
        .stdout(Stdio::null())
        .stderr(log_path.reopen().unwrap())
        .spawn()
        .unwrap();
    let base = format!("http://127.0.0.1:{port}");
    let http = reqwest::Client::new();
    let deadline = Instant::now() + Duration::from_secs(30);
    while http.get(&base).send().await.is_err() {
        assert!(Instant::now() < deadline, "serve did not start");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    let mut secrets = vec![
        ALICE_PASSWORD.to_owned(),
        BOB_PASSWORD.to_owned(),
        totp.clone(),
        client_secret.clone(),
        key.clone(),
    ];
    let mut bodies = Vec::new();
    let send = |rb: reqwest::RequestBuilder| async move {
        let r = rb.send().await.unwrap();
        let status = r.status().as_u16();
        (status, r.text().await.unwrap())
    };
    let (_, pat) = send(
        http.post(format!("{base}/authorizations"))
            .basic_auth("alice", Some(ALICE_PASSWORD))
            .json(&json!({"note": "a", "scopes": ["user"]})),
    )
    .await;
    let pat: Value = serde_json::from_str(&pat).unwrap();
    let pat_token = pat["token"].as_str().unwrap().to_owned();
    let (_, app_token) = send(
        http.put(format!("{base}/api/v3/authorizations/clients/{client_id}"))
            .basic_auth("alice", Some(ALICE_PASSWORD))
            .json(&json!({"client_secret": client_secret})),
    )
    .await;
    let app_token = serde_json::from_str::<Value>(&app_token).unwrap()["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let seed = TotpSecret::from_base32(&totp).unwrap();
    let code = seed.code_at(time::OffsetDateTime::now_utc().unix_timestamp());
    let (_, bob_token) = send(
        http.post(format!("{base}/authorizations"))
            .basic_auth("bob", Some(BOB_PASSWORD))
            .header("X-GitHub-OTP", &code)
            .json(&json!({"note": "b"})),
    )
    .await;
    let bob_token = serde_json::from_str::<Value>(&bob_token).unwrap()["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let (_, reset) = send(
        http.post(format!("{base}/applications/{client_id}/tokens/{app_token}"))
            .basic_auth(&client_id, Some(&client_secret)),
    )
    .await;
    let reset_token = serde_json::from_str::<Value>(&reset).unwrap()["token"]
        .as_str()
        .unwrap()
        .to_owned();
    secrets.extend([
        pat_token.clone(),
        app_token.clone(),
        bob_token.clone(),
        reset_token.clone(),
    ]);

    // Error paths, each with a secret in the request.
    let requests = vec![
        http.get(format!("{base}/authorizations"))
            .basic_auth("alice", Some("alice-wrong-password-123")),
        http.get(format!("{base}/authorizations"))
            .basic_auth("alice", Some(pat_token.as_str())),
        http.get(format!("{base}/authorizations"))
            .basic_auth("bob", Some(BOB_PASSWORD)),
        http.get(format!("{base}/authorizations"))
            .basic_auth("bob", Some(BOB_PASSWORD))
            .header("X-GitHub-OTP", "000000"),
        http.get(format!("{base}/user"))
            .header("Authorization", format!("token {app_token}")),
        http.get(format!("{base}/user"))
            .header("Authorization", format!("bearer {app_token}")),
        http.post(format!("{base}/applications/{client_id}/token"))
            .basic_auth(&client_id, Some("0123456789abcdef0123456789abcdef01234567"))
            .json(&json!({"access_token": reset_token})),
        http.post(format!("{base}/applications/{client_id}/token"))
            .basic_auth(&client_id, Some(&client_secret))
            .json(&json!({"access_token": app_token})),
        http.get(format!("{base}/applications/{client_id}/tokens/{app_token}"))
            .basic_auth(&client_id, Some(&client_secret)),
        http.delete(format!("{base}/applications/{client_id}/grants/{app_token}"))
            .basic_auth(&client_id, Some(&client_secret)),
        http.post(format!("{base}/authorizations"))
            .basic_auth("alice", Some(ALICE_PASSWORD))
            .json(&json!({"client_id": client_id, "client_secret": "f".repeat(40)})),
        http.post(format!("{base}/authorizations"))
            .basic_auth("alice", Some(ALICE_PASSWORD))
            .body(format!("{{\"note\": \"{pat_token}\"")),
    ];
    secrets.push("alice-wrong-password-123".into());
    // Tokens where no route expects one: each segment that could hold a token is redacted.
    let mut requests = requests;
    for path in [
        format!("/authorizations/{pat_token}"),
        format!("/user/{pat_token}"),
        format!("/api/v3/user/{pat_token}"),
        format!("/{pat_token}"),
        format!("/x/{pat_token}/y?q={pat_token}"),
        format!("/applications/{client_id}/token/{pat_token}"),
        format!("/credentials/revoke/{pat_token}"),
        format!("/x/{}", pat_token.to_uppercase()),
        format!("/x/{}", &pat_token[..20]),
    ] {
        requests.push(
            http.get(format!("{base}{path}"))
                .basic_auth("alice", Some(ALICE_PASSWORD)),
        );
    }
    secrets.push(pat_token.to_uppercase());
    secrets.push(pat_token[4..20].to_owned());
    for rb in requests {
        let (status, body) = send(rb).await;
        assert!((400..500).contains(&status), "{status} {body}");
        bodies.push(body);
    }
    let (status, _) = send(
        http.delete(format!("{base}/applications/{client_id}/token"))
            .basic_auth(&client_id, Some(&client_secret))
            .json(&json!({"access_token": reset_token})),
    )
    .await;
    assert_eq!(status, 204);

    Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    child.wait().unwrap();
    let log = std::fs::read_to_string(log_path.path()).unwrap();
    assert!(log.lines().count() > 10, "debug logging produced the log: {log}");
    assert!(
        log.contains("/applications/{client_id}/tokens/{access_token}"),
        "legacy paths are logged by their route, which holds no token"
    );
    // Basic credentials as they travel, too.
    for (user, pass) in [
        ("alice", ALICE_PASSWORD),
        ("bob", BOB_PASSWORD),
        (client_id.as_str(), client_secret.as_str()),
    ] {
        secrets.push(base64::engine::general_purpose::STANDARD.encode(format!("{user}:{pass}")));
    }
    for secret in &secrets {
        assert!(!log.contains(secret.as_str()), "a secret appears in the log: {secret}");
        for body in &bodies {
            assert!(
                !body.contains(secret.as_str()),
                "a secret appears in an error body: {body}"
            );
        }
    }
}

#[test]
fn debug_of_every_secret_bearing_type_is_redacted() {
    let token = Token::generate(TokenKind::OAuth);
    assert!(!format!("{token:?}").contains(token.expose()));
    let client = ClientSecret::generate();
    assert!(!format!("{client:?}").contains(client.expose()));
    let seed = TotpSecret::generate();
    assert!(!format!("{seed:?}").contains(&seed.to_base32()));
    let key = MasterKey::generate();
    assert!(!format!("{key:?}").contains(&key.to_hex()));
    let mut headers = reqwest::header::HeaderMap::new();
    let basic = base64::engine::general_purpose::STANDARD.encode("alice:hunter2-secret");
    headers.insert("authorization", format!("Basic {basic}").parse().unwrap());
    let creds = grantd_http::middleware::authenticate::credentials(&headers);
    assert!(!format!("{creds:?}").contains("hunter2-secret"));
    headers.insert("authorization", format!("token {}", token.expose()).parse().unwrap());
    assert!(!format!("{:?}", grantd_http::middleware::authenticate::credentials(&headers)).contains(token.expose()));
}

store_tests!(a_full_scenario_leaks_no_secret_into_logs_or_error_bodies);
