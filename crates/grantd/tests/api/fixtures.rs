//! `grantd serve --fixtures FILE [--frozen-clock TIME]`, booting the real binary: a file applied
//! twice gives the same state (and undoes changes made in between), a bad file is refused with
//! the line at fault, and the frozen clock is refused without fixtures.

use grantd_core::secret::{MasterKey, TotpSecret};
use serde_json::Value;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// BEHAVIOR 56's published token: a `ghp_` value whose checksum holds.
const TOKEN: &str = "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";
const SEED: &str = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP";
const APP_SECRET: &str = "fixture-secret-0123456789abcdef";
const FROZEN: &str = "2030-01-01T00:00:00Z";
/// `FROZEN` in Unix seconds (the start of a TOTP step).
const FROZEN_UNIX: i64 = 1_893_456_000;

fn fixtures_file() -> String {
    format!(
        r#"# A client suite's world.
[[users]]
login = "alice"
password = "alice's password"
email = "alice@example.com"
email_verified = true

[[users]]
login = "bob"
password = "bob's password"
totp_secret = "{SEED}"

[[apps]]
name = "Client CI"
url = "https://client.example"
client_id = "Iv1.clientci"
client_secret = "{APP_SECRET}"
callback_urls = ["http://127.0.0.1:9000/callback"]

[[tokens]]
user = "alice"
token = "{TOKEN}"
note = "client CI"
scopes = ["repo", "user"]
"#
    )
}

/// A directory with a database, a master key and a fixtures file.
struct World {
    dir: tempfile::TempDir,
    key: String,
}

impl World {
    fn new(fixtures: &str) -> Self {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("fixtures.toml"), fixtures).unwrap();
        Self {
            dir,
            key: MasterKey::generate().to_hex(),
        }
    }

    fn db(&self) -> String {
        format!("sqlite://{}", self.dir.path().join("grantd.db").display())
    }

    fn file(&self) -> String {
        self.dir.path().join("fixtures.toml").display().to_string()
    }

    /// Runs an admin command on the world's database.
    fn grantd(&self, args: &[&str], stdin: Option<&str>) -> (bool, String, String) {
        let db = self.db();
        let args: Vec<&str> = args.iter().copied().chain(["--database-url", &db]).collect();
        crate::helpers::run_grantd(&args, &[("GRANTD_MASTER_KEY", &self.key)], stdin)
    }

    /// `grantd serve --fixtures` with `extra` arguments, until it answers.
    async fn serve(&self, extra: &[&str]) -> Server {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let file = self.file();
        let child = Command::new(env!("CARGO_BIN_EXE_grantd"))
            .args([
                "serve",
                "--listen",
                &format!("127.0.0.1:{port}"),
                "--database-url",
                &self.db(),
            ])
            .args(["--fixtures", &file])
            .args(extra)
            .env("GRANTD_MASTER_KEY", &self.key)
            .env("GRANTD_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let server = Server {
            child,
            url: format!("http://127.0.0.1:{port}"),
        };
        let deadline = Instant::now() + Duration::from_secs(30);
        while reqwest::get(&server.url).await.is_err() {
            assert!(Instant::now() < deadline, "grantd serve --fixtures did not start");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        server
    }
}

/// A `grantd serve` process, killed when dropped.
struct Server {
    child: Child,
    url: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Server {
    async fn get(&self, path: &str, auth: Auth<'_>) -> (u16, Value, Option<String>) {
        let req = reqwest::Client::new().get(format!("{}{path}", self.url));
        let req = match auth {
            Auth::Basic(user, password, otp) => {
                let req = req.basic_auth(user, Some(password));
                match otp {
                    Some(code) => req.header("X-GitHub-OTP", code),
                    None => req,
                }
            }
            Auth::Token(token) => req.header("Authorization", format!("token {token}")),
        };
        let resp = req.send().await.unwrap();
        let status = resp.status().as_u16();
        let scopes = resp
            .headers()
            .get("x-oauth-scopes")
            .map(|v| v.to_str().unwrap().to_owned());
        (status, resp.json().await.unwrap_or(Value::Null), scopes)
    }

    /// Creates a token for the fixtures' app through `POST /authorizations`, which checks the
    /// app's client id and secret; the status.
    async fn app_token_status(&self, secret: &str, fingerprint: &str) -> (u16, String) {
        let resp = reqwest::Client::new()
            .post(format!("{}/authorizations", self.url))
            .basic_auth("alice", Some("alice's password"))
            .json(&serde_json::json!({
                "client_id": "Iv1.clientci",
                "client_secret": secret,
                "scopes": ["repo"],
                "note": "through the app",
                "fingerprint": fingerprint,
            }))
            .send()
            .await
            .unwrap();
        (resp.status().as_u16(), resp.text().await.unwrap())
    }

    /// Everything a client suite relies on, as the file says it.
    /// `run` tells the tokens made through the app in each run apart.
    async fn assert_world(&self, run: &str) {
        let (status, alice, _) = self.get("/user", Auth::Basic("alice", "alice's password", None)).await;
        assert_eq!(status, 200, "{alice}");
        assert_eq!(alice["login"], "alice");
        assert_eq!(alice["email"], "alice@example.com");

        let (status, _, _) = self.get("/user", Auth::Basic("bob", "bob's password", None)).await;
        assert_eq!(status, 401, "bob has two-factor on: a password alone is not enough");
        let code = TotpSecret::from_base32(SEED).unwrap().code_at(FROZEN_UNIX);
        let (status, bob, _) = self
            .get("/user", Auth::Basic("bob", "bob's password", Some(&code)))
            .await;
        assert_eq!(status, 200, "the code of the file's seed: {bob}");

        let (status, by_token, scopes) = self.get("/user", Auth::Token(TOKEN)).await;
        assert_eq!(status, 200, "{by_token}");
        assert_eq!(by_token["login"], "alice");
        assert_eq!(scopes.as_deref(), Some("repo, user"));

        let (status, body) = self.app_token_status(APP_SECRET, run).await;
        assert_eq!(status, 201, "{body}");
        // GitHub's answer to a wrong client secret on this endpoint is a 422.
        let (status, body) = self.app_token_status("not-the-secret-at-all-0000", run).await;
        assert_eq!(status, 422, "{body}");
    }

    /// alice's personal access tokens as `GET /authorizations` lists them.
    async fn personal_tokens(&self) -> Vec<Value> {
        let (status, list, _) = self
            .get("/authorizations", Auth::Basic("alice", "alice's password", None))
            .await;
        assert_eq!(status, 200, "{list}");
        list.as_array()
            .unwrap()
            .iter()
            .filter(|a| a["app"]["client_id"] == "00000000000000000000")
            .cloned()
            .collect()
    }
}

enum Auth<'a> {
    Basic(&'a str, &'a str, Option<&'a str>),
    Token(&'a str),
}

fn json_lines(out: &str) -> Value {
    serde_json::from_str(out.trim()).unwrap_or_else(|e| panic!("not JSON ({e}): {out}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fixtures_applied_twice_give_the_same_state_and_undo_changes() {
    let world = World::new(&fixtures_file());
    let first = world.serve(&["--frozen-clock", FROZEN]).await;
    first.assert_world("first").await;
    let pats = first.personal_tokens().await;
    assert_eq!(pats.len(), 1, "{pats:?}");
    assert_eq!(pats[0]["note"], "client CI");
    assert_eq!(pats[0]["created_at"], FROZEN, "the frozen clock dates the token");
    assert_eq!(pats[0]["token_last_eight"], &TOKEN[TOKEN.len() - 8..]);
    drop(first);
    let (ok, users, err) = world.grantd(&["user", "list", "--json"], None);
    assert!(ok, "{err}");
    let (ok, apps, err) = world.grantd(&["app", "list", "--json"], None);
    assert!(ok, "{err}");

    // Between runs a suite (or a person) changes what the file fixes.
    for (args, stdin) in [
        (
            &["user", "passwd", "alice", "--password-stdin"][..],
            Some("another password"),
        ),
        (&["user", "2fa", "disable", "bob"][..], None),
        (&["user", "email", "alice", "--remove"][..], None),
        (&["app", "reset-secret", "Iv1.clientci"][..], None),
        (&["app", "update", "Iv1.clientci", "--name", "Renamed"][..], None),
    ] {
        let (ok, _, err) = world.grantd(args, stdin);
        assert!(ok, "grantd {args:?}: {err}");
    }

    let second = world.serve(&["--frozen-clock", FROZEN]).await;
    // The same frozen step again: applying the seed again forgets the step used in the first run.
    second.assert_world("second").await;
    let again = second.personal_tokens().await;
    assert_eq!(again.len(), 1, "no second token: {again:?}");
    assert_eq!(again[0]["id"], pats[0]["id"], "the same token, kept");
    drop(second);
    let (_, users_again, _) = world.grantd(&["user", "list", "--json"], None);
    let (_, apps_again, _) = world.grantd(&["app", "list", "--json"], None);
    assert_eq!(json_lines(&users_again), json_lines(&users));
    assert_eq!(json_lines(&apps_again), json_lines(&apps));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_frozen_clock_fixtures_use_the_real_time() {
    let world = World::new(&fixtures_file());
    let server = world.serve(&[]).await;
    let pats = server.personal_tokens().await;
    assert_ne!(pats[0]["created_at"], FROZEN);
    let (status, _, _) = server.get("/user", Auth::Token(TOKEN)).await;
    assert_eq!(status, 200);
}

/// `grantd serve --fixtures` on `text`: it must exit refusing, naming `line`.
fn assert_refused(text: &str, line: usize, reason: &str) {
    let world = World::new(text);
    let file = world.file();
    let (ok, _, err) = world.grantd(&["serve", "--listen", "127.0.0.1:0", "--fixtures", &file], None);
    assert!(!ok, "{text}");
    assert!(err.contains(&format!("line {line}:")), "line {line} in: {err}");
    assert!(err.contains(reason), "{reason:?} in: {err}");
    assert!(err.contains(&file), "the file is named: {err}");
}

#[test]
fn a_bad_file_is_refused_with_the_line_at_fault() {
    let good = fixtures_file();
    // A TOML syntax error.
    assert_refused(&good.replace("email_verified = true", "email_verified = "), 6, "");
    // A key grantd does not know.
    assert_refused(
        &good.replace("email_verified = true", "email_verifed = true"),
        6,
        "email_verifed",
    );
    // A token whose checksum fails: the line of its entry's header.
    assert_refused(
        &good.replace(TOKEN, &format!("{}5", &TOKEN[..TOKEN.len() - 1])),
        20,
        "checksum",
    );
    // A seed that is not base32.
    assert_refused(&good.replace(SEED, "not base32!"), 8, "base32");
    // A password the services refuse.
    assert_refused(&good.replace("bob's password", "short"), 8, "at least 8");
    // A client secret too short to be one.
    assert_refused(&good.replace(APP_SECRET, "short"), 13, "client secret");
    // A token for nobody.
    assert_refused(&good.replace("user = \"alice\"", "user = \"nobody\""), 20, "nobody");
    assert!(!Path::new("/nonexistent-fixtures.toml").exists());
    let world = World::new("");
    let (ok, _, err) = world.grantd(
        &[
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--fixtures",
            "/nonexistent-fixtures.toml",
        ],
        None,
    );
    assert!(!ok && err.contains("cannot read the fixtures file"), "{err}");
}

#[test]
fn the_frozen_clock_is_refused_without_fixtures() {
    let world = World::new("");
    let db = world.db();
    let out = Command::new(env!("CARGO_BIN_EXE_grantd"))
        .args(["serve", "--listen", "127.0.0.1:0", "--database-url", &db])
        .args(["--frozen-clock", FROZEN])
        .env("GRANTD_MASTER_KEY", &world.key)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "a usage error, as clap's others: {err}");
    assert!(err.contains("--fixtures"), "{err}");
    assert!(
        !Path::new(&world.dir.path().join("grantd.db")).exists(),
        "nothing was started"
    );

    let file = world.file();
    let (ok, _, err) = world.grantd(
        &[
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--fixtures",
            &file,
            "--frozen-clock",
            "yesterday",
        ],
        None,
    );
    assert!(!ok && err.contains("RFC 3339"), "{err}");
}
