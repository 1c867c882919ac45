//! The `grantd` binary: admin commands on a fresh database, and `serve` answering and shutting
//! down gracefully on SIGTERM.

use serde_json::Value;
use std::io::Write;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

struct Cli {
    dir: tempfile::TempDir,
}

impl Cli {
    fn new() -> Self {
        Self {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    fn db(&self) -> String {
        format!("sqlite://{}", self.dir.path().join("data/grantd.db").display())
    }

    fn run(&self, args: &[&str], stdin: Option<&str>) -> (bool, String, String) {
        let db = self.db();
        let args: Vec<&str> = args.iter().copied().chain(["--database-url", db.as_str()]).collect();
        crate::helpers::run_grantd(&args, &[], stdin)
    }

    #[track_caller]
    fn ok_json(&self, args: &[&str], stdin: Option<&str>) -> Value {
        let (ok, out, err) = self.run(args, stdin);
        assert!(ok, "grantd {args:?} failed: {err}");
        serde_json::from_str(out.trim()).unwrap_or_else(|e| panic!("not JSON ({e}): {out}"))
    }
}

#[test]
fn admin_commands_manage_users_and_apps() {
    let cli = Cli::new();
    let user = cli.ok_json(
        &[
            "user",
            "add",
            "alice",
            "--password-stdin",
            "--email",
            "a@example.com",
            "--json",
        ],
        Some("correct horse battery\n"),
    );
    assert_eq!(user["login"], "alice");
    assert_eq!(user["two_factor_authentication"], false);
    // A taken login, a bad login and a short password are refused with a reason.
    let (ok, _, err) = cli.run(
        &["user", "add", "ALICE", "--password-stdin"],
        Some("another long password"),
    );
    assert!(!ok && err.contains("taken"), "{err}");
    let (ok, _, err) = cli.run(
        &["user", "add", "bad--login", "--password-stdin"],
        Some("another long password"),
    );
    assert!(!ok && err.contains("not a valid login"), "{err}");
    let (ok, _, err) = cli.run(&["user", "add", "carol", "--password-stdin"], Some("short"));
    assert!(!ok && err.contains("at least 8"), "{err}");

    let tfa = cli.ok_json(&["user", "2fa", "enable", "alice", "--json"], None);
    let secret = tfa["secret"].as_str().unwrap();
    assert!(grantd_core::secret::TotpSecret::from_base32(secret).is_some());
    assert!(tfa["otpauth_url"].as_str().unwrap().starts_with("otpauth://totp/"));
    let key = std::fs::read_to_string(cli.dir.path().join("data/master.key")).unwrap();
    assert_eq!(key.trim().len(), 64, "the master key is created beside the database");
    let users = cli.ok_json(&["user", "list", "--json"], None);
    assert_eq!(users[0]["two_factor_authentication"], true);
    cli.ok_json(&["user", "2fa", "disable", "alice", "--json"], None);
    cli.ok_json(
        &["user", "passwd", "alice", "--password-stdin", "--json"],
        Some("a brand new password"),
    );

    let app = cli.ok_json(
        &[
            "app",
            "add",
            "--name",
            "CI",
            "--url",
            "https://ci.example.com",
            "--json",
        ],
        None,
    );
    let client_id = app["client_id"].as_str().unwrap().to_owned();
    assert_eq!(client_id.len(), 20);
    let first_secret = app["client_secret"].as_str().unwrap().to_owned();
    assert_eq!(first_secret.len(), 40);
    assert!(first_secret.bytes().all(|b| b.is_ascii_hexdigit()));
    let (ok, _, err) = cli.run(&["app", "add", "--name", "Bad", "--url", "not a url"], None);
    assert!(!ok && err.contains("not an absolute"), "{err}");
    let apps = cli.ok_json(&["app", "list", "--json"], None);
    assert_eq!(apps[0]["client_id"], client_id.as_str());
    assert!(apps[0].get("client_secret").is_none(), "secrets are never listed");
    let reset = cli.ok_json(&["app", "reset-secret", &client_id, "--json"], None);
    assert_ne!(reset["client_secret"], first_secret.as_str());
    cli.ok_json(&["app", "remove", &client_id, "--json"], None);
    assert_eq!(cli.ok_json(&["app", "list", "--json"], None), serde_json::json!([]));
    cli.ok_json(&["user", "remove", "alice", "--json"], None);
    assert_eq!(cli.ok_json(&["user", "list", "--json"], None), serde_json::json!([]));
    cli.ok_json(&["migrate", "--json"], None);
    let (ok, _, err) = cli.run(&["user", "remove", "nobody"], None);
    assert!(!ok && err.contains("no user"), "{err}");
}

/// The stored app `client_id`, read straight from the command line's database.
fn stored_app(cli: &Cli, client_id: &str) -> grantd_core::model::App {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let store = grantd::server::open_store(&cli.db(), &grantd::server::DbOptions::default())
            .await
            .unwrap();
        store
            .app_by_client_id(client_id)
            .await
            .unwrap()
            .expect("the app exists")
    })
}

#[test]
fn apps_take_several_callbacks_keep_an_existing_client_id_and_change() {
    let cli = Cli::new();
    let add = |extra: &[&str], stdin: Option<&str>| {
        let mut args = vec!["app", "add", "--name", "Web", "--url", "https://web.example", "--json"];
        args.extend_from_slice(extra);
        cli.run(&args, stdin)
    };
    let (ok, out, err) = add(
        &[
            "--callback-url",
            "https://web.example/cb?tenant=1",
            "--callback-url",
            "http://127.0.0.1/callback",
        ],
        None,
    );
    assert!(ok, "{err}");
    let created: Value = serde_json::from_str(out.trim()).unwrap();
    let web = created["client_id"].as_str().unwrap().to_owned();
    let listed = cli.ok_json(&["app", "list", "--json"], None);
    assert_eq!(
        listed[0]["callback_urls"],
        serde_json::json!(["https://web.example/cb?tenant=1", "http://127.0.0.1/callback"])
    );
    let (ok, _, err) = add(&["--callback-url", "javascript:alert(1)"], None);
    assert!(!ok && err.contains("scheme"), "{err}");

    // gh's public OAuth app (FLOWS 38), registered under its own id and secret.
    let gh_id = "178c6fc778ccc68e1d6a";
    let gh_secret = "34ddeff2b558a23d38fba8a6de74f086ede1cc0b";
    let imported = cli.ok_json(
        &[
            "app",
            "add",
            "--name",
            "GitHub CLI",
            "--url",
            "https://cli.github.com",
            "--callback-url",
            "http://127.0.0.1/callback",
            "--callback-url",
            "http://localhost/",
            "--client-id",
            gh_id,
            "--client-secret-stdin",
            "--json",
        ],
        Some(&format!("  {gh_secret}\n")),
    );
    assert_eq!(imported["client_id"], gh_id);
    assert!(
        imported.get("client_secret").is_none(),
        "a secret given is never printed"
    );
    assert_eq!(
        imported["callback_urls"],
        serde_json::json!(["http://127.0.0.1/callback", "http://localhost/"])
    );
    let stored = stored_app(&cli, gh_id);
    let secret = grantd_core::secret::ClientSecret::from_client(gh_secret);
    assert!(
        secret.matches(&stored.client_secret_digest),
        "the secret is kept, trimmed"
    );
    // A taken id, a bad id, a short secret, and a secret without an id are refused.
    let import = |id: &str, secret: &str| {
        cli.run(
            &[
                "app",
                "add",
                "--name",
                "X",
                "--url",
                "https://x.example",
                "--client-id",
                id,
                "--client-secret-stdin",
            ],
            Some(secret),
        )
    };
    let (ok, _, err) = import(gh_id, "another-secret-of-enough-length");
    assert!(!ok && err.contains("exists already"), "{err}");
    let (ok, _, err) = import(&web, "another-secret-of-enough-length");
    assert!(!ok && err.contains("exists already"), "{err}");
    let (ok, _, err) = import("has/slash", "another-secret-of-enough-length");
    assert!(!ok && err.contains("not a valid client id"), "{err}");
    let (ok, _, err) = import(&"x".repeat(101), "another-secret-of-enough-length");
    assert!(!ok && err.contains("not a valid client id"), "{err}");
    let (ok, _, err) = import("fresh-id", "  nineteen-chars-xx \n");
    assert!(!ok && err.contains("at least 20"), "{err}");
    let (ok, _, err) = cli.run(
        &[
            "app",
            "add",
            "--name",
            "X",
            "--url",
            "https://x.example",
            "--client-secret-stdin",
        ],
        Some("another-secret-of-enough-length"),
    );
    assert!(!ok && err.contains("--client-id"), "{err}");
    assert_eq!(
        cli.ok_json(&["app", "list", "--json"], None).as_array().unwrap().len(),
        2
    );

    // Update: the name alone, then the callbacks replaced, then removed.
    let renamed = cli.ok_json(&["app", "update", &web, "--name", "Web 2", "--json"], None);
    assert_eq!(renamed["name"], "Web 2");
    assert_eq!(renamed["url"], "https://web.example");
    assert_eq!(renamed["callback_urls"].as_array().unwrap().len(), 2);
    let moved = cli.ok_json(
        &[
            "app",
            "update",
            &web,
            "--url",
            "https://new.example",
            "--callback-url",
            "https://new.example/auth",
            "--json",
        ],
        None,
    );
    assert_eq!(moved["name"], "Web 2");
    assert_eq!(moved["url"], "https://new.example");
    assert_eq!(moved["callback_urls"], serde_json::json!(["https://new.example/auth"]));
    assert_eq!(
        stored_app(&cli, &web)
            .callback_urls()
            .iter()
            .map(|u| u.as_str())
            .collect::<Vec<_>>(),
        ["https://new.example/auth"]
    );
    let cleared = cli.ok_json(&["app", "update", &web, "--callback-url", "", "--json"], None);
    assert_eq!(cleared["callback_urls"], serde_json::json!([]));
    let (ok, _, err) = cli.run(&["app", "update", &web], None);
    assert!(!ok && err.contains("nothing to change"), "{err}");
    let (ok, _, err) = cli.run(&["app", "update", "nope", "--name", "N"], None);
    assert!(!ok && err.contains("no app"), "{err}");
    let (ok, _, err) = cli.run(&["app", "update", &web, "--url", "ftp://x"], None);
    assert!(!ok && err.contains("not an absolute http"), "{err}");
}

#[test]
fn user_email_addresses_are_set_marked_and_removed() {
    let cli = Cli::new();
    let user = cli.ok_json(
        &[
            "user",
            "add",
            "alice",
            "--password-stdin",
            "--email",
            "a@example.com",
            "--email-verified",
            "--json",
        ],
        Some("correct horse battery\n"),
    );
    assert_eq!(
        (&user["email"], &user["email_verified"]),
        (&"a@example.com".into(), &true.into())
    );
    let (ok, _, err) = cli.run(
        &["user", "add", "bob", "--password-stdin", "--email-verified"],
        Some("correct horse battery"),
    );
    assert!(!ok && err.contains("--email"), "{err}");

    let email = |extra: &[&str]| {
        let mut args = vec!["user", "email", "alice", "--json"];
        args.extend_from_slice(extra);
        cli.run(&args, None)
    };
    let json = |(ok, out, err): (bool, String, String)| -> Value {
        assert!(ok, "{err}");
        serde_json::from_str(out.trim()).unwrap()
    };
    let changed = json(email(&["b@example.org"]));
    assert_eq!(
        (&changed["email"], &changed["email_verified"]),
        (&"b@example.org".into(), &false.into()),
        "a new address is unverified unless said otherwise"
    );
    let marked = json(email(&["--verified"]));
    assert_eq!(
        (&marked["email"], &marked["email_verified"]),
        (&"b@example.org".into(), &true.into())
    );
    let unmarked = json(email(&["--unverified"]));
    assert_eq!(unmarked["email_verified"], false);
    let both = json(email(&["c@example.net", "--verified"]));
    assert_eq!(
        (&both["email"], &both["email_verified"]),
        (&"c@example.net".into(), &true.into())
    );
    let listed = cli.ok_json(&["user", "list", "--json"], None);
    assert_eq!(listed[0]["email_verified"], true);
    let removed = json(email(&["--remove"]));
    assert_eq!(
        (&removed["email"], &removed["email_verified"]),
        (&Value::Null, &false.into())
    );
    let (ok, _, err) = email(&["--verified"]);
    assert!(!ok && err.contains("no e-mail address"), "{err}");
    let (ok, _, err) = email(&["not-an-address"]);
    assert!(!ok && err.contains("not an e-mail address"), "{err}");
    let (ok, _, err) = email(&[]);
    assert!(!ok && err.contains("required"), "{err}");
    let (ok, _, err) = email(&["--verified", "--unverified"]);
    assert!(!ok && err.contains("cannot be used with"), "{err}");
}

#[cfg(unix)]
#[test]
fn the_data_folder_and_its_files_are_private_and_a_readable_key_is_reported() {
    use std::os::unix::fs::PermissionsExt;
    let mode = |path: &std::path::Path| std::fs::metadata(path).unwrap().permissions().mode() & 0o777;
    let cli = Cli::new();
    cli.ok_json(
        &["user", "add", "alice", "--password-stdin", "--json"],
        Some("correct horse battery\n"),
    );
    let data = cli.dir.path().join("data");
    assert_eq!(mode(&data), 0o700, "the data folder");
    for file in ["grantd.db", "grantd.db-wal", "grantd.db-shm", "master.key"] {
        let path = data.join(file);
        if path.exists() {
            assert_eq!(mode(&path), 0o600, "{file}");
        } else {
            assert_ne!(file, "grantd.db", "the database exists");
            assert_ne!(file, "master.key", "the key exists");
        }
    }
    let (_, _, quiet) = cli.run(&["user", "list"], None);
    assert!(!quiet.contains("master key"), "{quiet}");
    std::fs::set_permissions(data.join("master.key"), std::fs::Permissions::from_mode(0o644)).unwrap();
    let (ok, _, err) = cli.run(&["user", "list"], None);
    assert!(ok, "{err}");
    assert!(
        err.contains("master key file can be read by other users"),
        "a readable key file is reported: {err}"
    );
}

#[test]
fn unsupported_database_urls_stop_with_a_one_line_reason() {
    let out = Command::new(env!("CARGO_BIN_EXE_grantd"))
        .args(["migrate", "--database-url", "mysql://x"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    assert!(err.contains("unsupported database URL"), "{err}");
}

#[test]
fn an_unreachable_postgresql_stops_serve_quickly_with_a_one_line_reason() {
    // Nothing listens on port 1: the connection is refused, and grantd gives up within the
    // connect timeout instead of hanging.
    let started = Instant::now();
    let out = Command::new(env!("CARGO_BIN_EXE_grantd"))
        .args(["serve", "--listen", "127.0.0.1:0", "--db-connect-timeout", "2s"])
        .args(["--database-url", "postgres://postgres@127.0.0.1:1/grantd"])
        .env("GRANTD_MASTER_KEY", "00".repeat(32))
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(
        started.elapsed() < Duration::from_secs(15),
        "took {:?}",
        started.elapsed()
    );
    let err = String::from_utf8_lossy(&out.stderr);
    let reason: Vec<&str> = err.lines().filter(|l| l.starts_with("grantd:")).collect();
    assert_eq!(reason.len(), 1, "{err}");
    assert!(!err.contains("panicked"), "{err}");
}

#[test]
fn postgresql_needs_a_configured_master_key() {
    let (ok, _, err) = crate::helpers::run_grantd(
        &[
            "user",
            "2fa",
            "enable",
            "alice",
            "--database-url",
            "postgres://postgres@127.0.0.1:1/grantd",
        ],
        &[],
        None,
    );
    assert!(!ok);
    assert!(err.contains("GRANTD_MASTER_KEY") && err.lines().count() == 1, "{err}");
}

#[test]
fn serve_answers_and_shuts_down_gracefully_on_sigterm() {
    let cli = Cli::new();
    cli.ok_json(
        &["user", "add", "alice", "--password-stdin", "--json"],
        Some("correct horse battery"),
    );
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let listen = format!("127.0.0.1:{port}");
    let mut child = Command::new(env!("CARGO_BIN_EXE_grantd"))
        .args(["serve", "--listen", &listen, "--database-url", &cli.db()])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    let body = loop {
        match std::net::TcpStream::connect(&listen) {
            Ok(mut stream) => {
                use std::io::Read;
                stream
                    .write_all(b"GET /api/v3/ HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                    .unwrap();
                let mut text = String::new();
                stream.read_to_string(&mut text).unwrap();
                break text;
            }
            Err(_) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(50)),
            Err(e) => panic!("grantd serve did not start: {e}"),
        }
    };
    assert!(body.starts_with("HTTP/1.1 200"), "{body}");
    assert!(
        body.contains(&format!("http://127.0.0.1:{port}/api/v3/authorizations")),
        "{body}"
    );
    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let deadline = Instant::now() + Duration::from_secs(20);
    let exit = loop {
        if let Some(exit) = child.try_wait().unwrap() {
            break exit;
        }
        assert!(Instant::now() < deadline, "grantd did not stop on SIGTERM");
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(exit.success(), "exit status {exit:?}");
    let mut log = String::new();
    use std::io::Read;
    child.stderr.take().unwrap().read_to_string(&mut log).unwrap();
    assert!(log.contains("shutting down"), "{log}");
    assert!(!log.contains("correct horse battery"));
}

/// `grantd copy` moves an installation (SQLite) to another empty database (SQLite, and
/// PostgreSQL when configured): passwords, two-factor seeds, apps, tokens and grants all work
/// on the copy.
async fn copy_moves_everything_to_an_empty_database() {
    use grantd_core::service::{CreateAuthorization, GetOrCreate, ServiceConfig};
    use grantd_core::{clock::SystemClock, secret::ClientSecret, secret::MasterKey, secret::PasswordPolicy};
    use secrecy::SecretString;
    use std::sync::Arc;

    let key = MasterKey::generate();
    let services_on = |url: String, key: MasterKey| async move {
        let store = grantd::server::open_store(&url, &grantd::server::DbOptions::default())
            .await
            .unwrap();
        let policy = PasswordPolicy {
            memory_kib: 1024,
            iterations: 1,
            parallelism: 1,
        };
        grantd::server::services(store, Arc::new(SystemClock), key, ServiceConfig::default(), policy, 2).unwrap()
    };
    let dir = tempfile::tempdir().unwrap();
    let source_url = format!("sqlite://{}", dir.path().join("source.db").display());
    let source = services_on(source_url.clone(), key.clone()).await;
    let alice = source
        .add_user(
            "alice",
            SecretString::from("correct horse battery"),
            Some("alice@example.com".into()),
            true,
            None,
        )
        .await
        .unwrap();
    source
        .add_user("bob", SecretString::from("another good password"), None, false, None)
        .await
        .unwrap();
    let seed = source.enable_two_factor("bob").await.unwrap().secret;
    let callbacks = [
        "https://app.example/cb?x=1".to_owned(),
        "http://127.0.0.1/callback".to_owned(),
    ];
    let (app, secret) = source.add_app("App", "https://app.example", &callbacks).await.unwrap();
    let (_, pat) = source
        .create_authorization(
            &alice,
            CreateAuthorization {
                note: Some("pat".into()),
                scopes: vec!["repo".into()],
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let (_, app_token) = source
        .get_or_create_authorization(
            &alice,
            GetOrCreate {
                client_id: app.client_id.0.clone(),
                client_secret: Some(ClientSecret::from_client(secret.expose())),
                scopes: vec!["user".into()],
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let app_token = app_token.unwrap();

    let (target_url, _target_guard) = crate::helpers::fresh_database().await;
    let run = |target: String| {
        Command::new(env!("CARGO_BIN_EXE_grantd"))
            .args(["copy", "--to", &target, "--database-url", &source_url, "--json"])
            .env("GRANTD_MASTER_KEY", key.to_hex())
            .output()
            .unwrap()
    };
    let out = run(target_url.clone());
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let counts: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        counts,
        serde_json::json!({"users": 2, "apps": 1, "grants": 1, "authorizations": 2})
    );

    let target = services_on(target_url.clone(), key.clone()).await;
    target
        .login(
            "alice",
            SecretString::from("correct horse battery"),
            None,
            grantd_core::model::Source::unknown(),
        )
        .await
        .unwrap();
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    target
        .login(
            "bob",
            SecretString::from("another good password"),
            Some(&seed.code_at(now)),
            grantd_core::model::Source::unknown(),
        )
        .await
        .unwrap();
    let (authz, owner) = target.authenticate_token(pat.expose()).await.unwrap();
    assert_eq!(
        (owner.login.as_str(), authz.scopes.as_slice()),
        ("alice", &["repo".to_owned()][..])
    );
    let check = target
        .check_token(
            &app.client_id.0,
            &app.client_id.0,
            &ClientSecret::from_client(secret.expose()),
            Some(app_token.expose()),
        )
        .await;
    assert_eq!(check.app, Some(app.id));
    check.result.unwrap();
    let copied_app = &target.list_apps().await.unwrap()[0];
    assert_eq!(
        copied_app
            .callback_urls()
            .iter()
            .map(|u| u.as_str())
            .collect::<Vec<_>>(),
        callbacks,
        "the callback URLs are copied in order"
    );
    let copied_alice = &target.list_users().await.unwrap()[0];
    assert_eq!(
        (copied_alice.email.as_deref(), copied_alice.email_verified),
        (Some("alice@example.com"), true)
    );
    let grants = target
        .list_grants(&alice, None, grantd_core::model::PageRequest::default())
        .await
        .unwrap();
    assert_eq!(grants.total, 1);
    // New rows continue after the copied ids.
    let (next, _) = target
        .create_authorization(
            &alice,
            CreateAuthorization {
                note: Some("after".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert!(next.id.0 > authz.id.0.max(1));
    // A database that is not empty is refused.
    let again = run(target_url);
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("already holds"));
}

/// Runs one statement on the database at `url`.
async fn execute(url: &str, sql: &str) -> Result<(), sqlx::Error> {
    use sqlx::Connection as _;
    use std::str::FromStr as _;
    if url.starts_with("sqlite:") {
        let options = sqlx::sqlite::SqliteConnectOptions::from_str(url)?.create_if_missing(true);
        let mut conn = sqlx::SqliteConnection::connect_with(&options).await?;
        sqlx::query(sql).execute(&mut conn).await?;
    } else {
        let mut conn = sqlx::PgConnection::connect(url).await?;
        sqlx::query(sql).execute(&mut conn).await?;
    }
    Ok(())
}

/// `grantd copy` will not write into a database that holds another program's tables, and leaves
/// it as it was: no grantd table is made there.
async fn copy_refuses_a_database_that_holds_other_tables() {
    let dir = tempfile::tempdir().unwrap();
    let source_url = format!("sqlite://{}", dir.path().join("source.db").display());
    let (target_url, _target_guard) = crate::helpers::fresh_database().await;
    execute(&target_url, "CREATE TABLE invoices (id BIGINT PRIMARY KEY)")
        .await
        .unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_grantd"))
        .args(["copy", "--to", &target_url, "--database-url", &source_url])
        .env("GRANTD_MASTER_KEY", grantd_core::secret::MasterKey::generate().to_hex())
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "refused");
    assert!(err.contains("tables that are not grantd's (invoices)"), "{err}");
    assert!(
        execute(&target_url, "SELECT 1 FROM users").await.is_err(),
        "grantd's tables were not made in the target"
    );
}

store_tests!(
    copy_moves_everything_to_an_empty_database,
    copy_refuses_a_database_that_holds_other_tables
);
