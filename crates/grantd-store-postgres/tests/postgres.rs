//! What the PostgreSQL store does beyond the shared conformance suite: opening fails fast and on
//! one line, migrations are safe for instances starting together, a database migrated by a newer
//! grantd is refused, the schema's unique rules carry the names the store maps to conflicts, and
//! a whole installation copies between SQLite and PostgreSQL.
//! The tests that need a server skip loudly without `GRANTD_TEST_POSTGRES_URL`.

use grantd_core::model::{App, AuthorizationFlow, ClientId, GrantId, NewApp, NewAuthorization, NewUser, Scopes, User};
use grantd_core::secret::TokenDigest;
use grantd_core::store::{Conflict, Snapshot, SnapshotStore, Store, StoreError};
use grantd_store_postgres::{OpenError, PgConfig, PgStore};
use grantd_store_sqlite::{SqliteConfig, SqliteStore};
use grantd_test_support::postgres::Schema;
use grantd_test_support::sqlite::TempSqlite;
use std::time::{Duration, Instant};
use time::OffsetDateTime;

#[tokio::test]
async fn an_unreachable_server_fails_within_the_connect_timeout_on_one_line() {
    let config = PgConfig {
        connect_timeout: Duration::from_secs(1),
        ..PgConfig::default()
    };
    let started = Instant::now();
    // Port 1 on the loopback: nothing listens, every attempt is refused.
    let err = PgStore::open("postgres://postgres@127.0.0.1:1/test", &config)
        .await
        .expect_err("nothing listens there");
    let elapsed = started.elapsed();
    assert!(matches!(err, OpenError::Connect(_)), "{err:?}");
    assert!(elapsed < Duration::from_secs(3), "took {elapsed:?}");
    let message = err.to_string();
    assert!(!message.contains('\n'), "one line: {message:?}");
    assert!(message.contains("127.0.0.1:1"), "names the server: {message}");
    assert!(message.to_lowercase().contains("refused"), "names the cause: {message}");
}

#[tokio::test]
async fn a_silent_server_fails_within_the_connect_timeout_on_one_line() {
    let config = PgConfig {
        connect_timeout: Duration::from_secs(1),
        ..PgConfig::default()
    };
    let started = Instant::now();
    // TEST-NET-1 (RFC 5737) is never routed: the connection attempt gets no answer at all (or an
    // immediate "unreachable", depending on the network).
    let err = PgStore::open("postgres://postgres@192.0.2.1:5432/test", &config)
        .await
        .expect_err("nothing answers there");
    let elapsed = started.elapsed();
    assert!(matches!(err, OpenError::Connect(_)), "{err:?}");
    assert!(elapsed < Duration::from_secs(3), "took {elapsed:?}");
    let message = err.to_string();
    assert!(!message.contains('\n'), "one line: {message:?}");
    assert!(message.contains("192.0.2.1:5432"), "names the server: {message}");
    eprintln!("{message}");
}

#[tokio::test]
async fn a_malformed_url_is_a_bad_url() {
    let err = PgStore::open("postgres://[::1/test", &PgConfig::default())
        .await
        .expect_err("malformed");
    assert!(matches!(err, OpenError::BadUrl(_)), "{err:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn instances_migrating_together_all_succeed() {
    let Some(schema) = Schema::create_or_skip("postgres::instances_migrating_together_all_succeed").await else {
        return;
    };
    let mut tasks = Vec::new();
    for _ in 0..4 {
        let url = schema.url.clone();
        tasks.push(tokio::spawn(async move {
            let store = PgStore::open(&url, &PgConfig::default()).await.expect("open");
            store.migrate().await
        }));
    }
    for task in tasks {
        task.await.expect("task").expect("every instance migrates");
    }
    let store = PgStore::open(&schema.url, &PgConfig::default()).await.expect("open");
    let applied: Vec<i64> = sqlx::query_scalar("SELECT version FROM _sqlx_migrations ORDER BY version")
        .fetch_all(store.pool())
        .await
        .expect("list migrations");
    let mut expected: Vec<i64> = std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/migrations"))
        .expect("the migrations folder")
        .filter_map(|e| e.ok()?.file_name().to_str()?.split('_').next()?.parse().ok())
        .collect();
    expected.sort_unstable();
    assert!(expected.len() >= 3, "migrations found: {expected:?}");
    assert_eq!(applied, expected, "every migration applied, each once");
    drop(store);
    drop(schema);
}

#[tokio::test]
async fn a_database_migrated_by_a_newer_grantd_is_refused() {
    let Some(schema) = Schema::create_or_skip("postgres::a_database_migrated_by_a_newer_grantd_is_refused").await
    else {
        return;
    };
    let store = PgStore::open(&schema.url, &PgConfig::default()).await.expect("open");
    store.migrate().await.expect("migrate");
    sqlx::query(
        "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) \
         VALUES (99990101000000, 'from the future', TRUE, '\\x00', 0)",
    )
    .execute(store.pool())
    .await
    .expect("record a future migration");
    let err = store.migrate().await.expect_err("an unknown migration");
    assert!(matches!(err, OpenError::Migrate(_)), "{err:?}");
    let message = err.to_string();
    assert!(
        message.contains("99990101000000") && message.contains("newer grantd"),
        "{message}"
    );
    drop(store);
    drop(schema);
}

#[tokio::test]
async fn unique_rules_carry_the_names_the_store_maps_to_conflicts() {
    let Some(schema) =
        Schema::create_or_skip("postgres::unique_rules_carry_the_names_the_store_maps_to_conflicts").await
    else {
        return;
    };
    let store = PgStore::open(&schema.url, &PgConfig::default()).await.expect("open");
    store.migrate().await.expect("migrate");
    let unique: Vec<String> = sqlx::query_scalar(
        "SELECT indexname::TEXT FROM pg_indexes WHERE schemaname = current_schema() \
         AND indexdef LIKE 'CREATE UNIQUE INDEX%' AND indexname NOT LIKE '%_pkey' ORDER BY indexname",
    )
    .fetch_all(store.pool())
    .await
    .expect("list unique indexes");
    // The names of `UNIQUE_RULES` in src/lib.rs, plus the grants' rule that only an upsert writes.
    assert_eq!(
        unique,
        [
            "apps_client_id_key",
            "authorizations_app_fingerprint",
            "authorizations_pat_fingerprint",
            "authorizations_pat_note",
            "authorizations_token_digest_key",
            "grants_user_id_app_id_key",
            "users_login_key_key",
        ]
    );
    drop(store);
    drop(schema);
}

// ---- copying a whole installation (`grantd copy`) ------------------------------------------

/// Fills `store` with a bit of everything: users (one with two-factor), apps, personal and app
/// tokens (one expired), grants, and a deleted row so the ids have a gap.
async fn populate(store: &dyn Store) {
    let now = at(0);
    let octocat = store.create_user(new_user("Octocat", now)).await.expect("create_user");
    let gone = store.create_user(new_user("gone", now)).await.expect("create_user");
    let hubot = store.create_user(new_user("hubot", now)).await.expect("create_user");
    store.delete_user(gone.id).await.expect("delete_user");
    store
        .set_totp(hubot.id, Some(b"sealed seed"), at(1))
        .await
        .expect("set_totp");
    assert!(store.accept_totp_step(hubot.id, 42).await.expect("accept_totp_step"));
    let x = store.create_app(new_app("app-x", now)).await.expect("create_app");
    let y = store.create_app(new_app("app-y", now)).await.expect("create_app");
    let mut pat = token(&octocat, None, "pat");
    pat.note = Some("deploy".into());
    pat.note_url = Some("https://example.com/deploy".into());
    store.create_authorization(pat).await.expect("pat");
    store
        .create_authorization(token(&octocat, Some(&x), "x-1"))
        .await
        .expect("x-1");
    let mut x2 = token(&octocat, Some(&x), "x-2");
    x2.fingerprint = Some("laptop".into());
    x2.scopes = Scopes::from_storage("repo,user");
    x2.expires_at = Some(at(100));
    store.create_authorization(x2).await.expect("x-2");
    store
        .create_authorization(token(&hubot, Some(&y), "y-1"))
        .await
        .expect("y-1");
}

fn at(secs: i64) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(1_700_000_000 + secs).expect("a valid timestamp")
}

fn new_user(login: &str, now: OffsetDateTime) -> NewUser {
    NewUser {
        login: login.into(),
        email: Some(format!("{login}@example.com")),
        email_verified: true,
        name: None,
        password_hash: format!("$argon2id$fake${login}"),
        now,
    }
}

fn new_app(client_id: &str, now: OffsetDateTime) -> NewApp {
    NewApp {
        client_id: ClientId(client_id.into()),
        client_secret_digest: TokenDigest::of(client_id).0,
        name: format!("App {client_id}"),
        url: format!("https://{client_id}.example.com"),
        callbacks: vec![
            url::Url::parse(&format!("https://{client_id}.example.com/callback")).expect("a URL"),
            url::Url::parse("http://127.0.0.1/callback").expect("a URL"),
        ],
        now,
    }
}

fn token(user: &User, app: Option<&App>, token: &str) -> NewAuthorization {
    NewAuthorization {
        user_id: user.id,
        app: app.map(App::summary),
        scopes: Scopes::from_storage("gist"),
        token_digest: TokenDigest::of(token),
        token_last_eight: token.into(),
        note: None,
        note_url: None,
        fingerprint: None,
        now: at(2),
        expires_at: None,
        flow: AuthorizationFlow::Api,
    }
}

/// Every field of every row, secrets included (the model types redact them in `Debug`).
fn rows(s: &Snapshot) -> Vec<String> {
    let mut out = Vec::new();
    for u in &s.users {
        out.push(format!(
            "user {} {} {:?} {} {:?} {} {:?} {} {} {:?} {} {}",
            u.id,
            u.login,
            u.email,
            u.email_verified,
            u.name,
            u.password_hash,
            u.totp_sealed,
            u.totp_last_step,
            u.failed_logins,
            u.locked_until,
            u.created_at,
            u.updated_at
        ));
    }
    for a in &s.apps {
        out.push(format!(
            "app {} {} {:?} {} {} {:?} {} {}",
            a.id, a.client_id, a.client_secret_digest, a.name, a.url, a.callbacks, a.created_at, a.updated_at
        ));
    }
    for g in &s.grants {
        out.push(format!("grant {g:?}"));
    }
    for a in &s.authorizations {
        out.push(format!("authorization {a:?}"));
    }
    out
}

/// SQLite → PostgreSQL → SQLite keeps every row, id and secret, and both targets then create
/// rows with new ids.
#[tokio::test]
async fn a_copy_through_postgres_keeps_every_row_and_id() {
    let Some(schema) = Schema::create_or_skip("postgres::a_copy_through_postgres_keeps_every_row_and_id").await else {
        return;
    };
    let (source_db, back_db) = (TempSqlite::create(), TempSqlite::create());
    let source = SqliteStore::open(source_db.url(), &SqliteConfig::default())
        .await
        .expect("open SQLite");
    source.migrate().await.expect("migrate SQLite");
    populate(&source).await;
    let exported = source.export().await.expect("export from SQLite");
    let grant_ids: Vec<GrantId> = exported.grants.iter().map(|g| g.id).collect();
    assert_eq!(grant_ids, [GrantId(1), GrantId(3)]);

    let pg = PgStore::open(&schema.url, &PgConfig::default()).await.expect("open");
    pg.migrate().await.expect("migrate");
    pg.import(&exported).await.expect("import into PostgreSQL");
    let from_pg = pg.export().await.expect("export from PostgreSQL");
    assert_eq!(rows(&from_pg), rows(&exported), "PostgreSQL holds the same rows");

    let back = SqliteStore::open(back_db.url(), &SqliteConfig::default())
        .await
        .expect("open SQLite");
    back.migrate().await.expect("migrate SQLite");
    back.import(&from_pg).await.expect("import into SQLite");
    assert_eq!(rows(&back.export().await.expect("export")), rows(&exported), "and back");

    // Sequences moved past the imported ids: new rows get the ids SQLite would give them.
    for store in [&pg as &dyn Store, &source, &back] {
        let user = store.create_user(new_user("new", at(5))).await.expect("create_user");
        assert_eq!(user.id.0, 4, "after users 1..=3 (2 deleted)");
        let app = store.create_app(new_app("app-z", at(5))).await.expect("create_app");
        assert_eq!(app.id.0, 3);
        let pat = store
            .create_authorization(token(&user, None, "new-pat"))
            .await
            .expect("create_authorization");
        assert_eq!(pat.id.0, 5);
        let z = store
            .create_authorization(token(&user, Some(&app), "new-z"))
            .await
            .expect("create_authorization");
        // After grants 1 and 3: the grant upsert of the second token of app-x took id 2, in
        // SQLite (AUTOINCREMENT) as in PostgreSQL (the identity's sequence).
        assert_eq!(z.grant_id, Some(GrantId(4)), "{store:?}");
    }

    let err = pg.import(&exported).await.expect_err("not empty");
    assert!(matches!(err, StoreError::Conflict(Conflict::NotEmpty)), "{err:?}");
    drop(pg);
    drop(schema);
}
