//! Tests of what this store does its own way: the inline reads and their statements, and the
//! app cache. The shared behaviour is the conformance suite's (`tests/conformance.rs`).

use crate::inline::{read_app, APP_BY_CLIENT_ID, TOKEN};
use crate::{SqliteConfig, SqliteStore};
use grantd_core::model::{ClientId, NewApp};
use grantd_core::store::{AppStore, Store};
use time::OffsetDateTime;

async fn store() -> (SqliteStore, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let url = format!("sqlite://{}", dir.path().join("grantd.db").display());
    let store = SqliteStore::open(&url, &SqliteConfig::default()).await.expect("open");
    store.migrate().await.expect("migrate");
    (store, dir)
}

fn new_app(client_id: &str, digest: u8, name: &str) -> NewApp {
    NewApp {
        client_id: ClientId(client_id.into()),
        client_secret_digest: [digest; 32],
        name: name.into(),
        url: "https://example.com".into(),
        callbacks: Vec::new(),
        now: OffsetDateTime::now_utc(),
    }
}

#[tokio::test]
async fn inline_statements_number_their_parameters_in_order_and_have_the_mapped_columns() {
    let (store, _dir) = store().await;
    let readers = store.readers.as_ref().expect("a file database has readers");
    // rusqlite binds by position; SQLite numbers `$n` in the order they first appear.
    for (sql, params, columns) in [(APP_BY_CLIENT_ID, 1, 8), (TOKEN, 2, 17 + 12)] {
        let (names, count) = readers
            .read(|conn| {
                let stmt = conn.prepare(sql)?;
                let names = (1..=stmt.parameter_count())
                    .map(|i| stmt.parameter_name(i).map(str::to_owned))
                    .collect::<Vec<_>>();
                Ok((names, stmt.column_count()))
            })
            .expect("prepare");
        let want = (1..=params).map(|i| Some(format!("${i}"))).collect::<Vec<_>>();
        assert_eq!((names, count), (want, columns), "{sql}");
    }
}

#[tokio::test]
async fn token_lookups_read_only_the_index_that_holds_their_columns() {
    let (store, _dir) = store().await;
    let readers = store.readers.as_ref().expect("a file database has readers");
    let plan = readers
        .read(|conn| {
            let mut stmt = conn.prepare(&format!("EXPLAIN QUERY PLAN {TOKEN}"))?;
            // Unbound parameters are NULL, which does not change the plan.
            let mut rows = stmt.raw_query();
            let mut details = Vec::new();
            while let Some(row) = rows.next()? {
                details.push(row.get::<_, String>(3)?);
            }
            Ok(details)
        })
        .expect("explain");
    // Not a table read after the index: a column added to the lookup (or the index) without
    // the other breaks this (migration 0005).
    assert!(
        plan.iter()
            .any(|d| d == "SEARCH a USING COVERING INDEX authorizations_by_token (token_digest=?)"),
        "{plan:?}"
    );
}

#[tokio::test]
async fn inline_reads_see_what_the_pool_just_committed() {
    let (store, _dir) = store().await;
    let readers = store.readers.clone().expect("a file database has readers");
    let app = store
        .create_app(new_app("inline-test", 7, "Inline"))
        .await
        .expect("create an app");
    // The inline path itself answers (it does not fall back to the pool)...
    let inline = readers
        .read(|reader| read_app(reader, "inline-test"))
        .expect("the inline read runs and the row converts")
        .expect("the app is found");
    assert_eq!(inline.id, app.id);
    assert_eq!(inline.client_secret_digest, [7; 32]);
    // ...even while another connection holds the write lock (WAL readers do not wait).
    let mut tx = store
        .pool
        .begin_with("BEGIN IMMEDIATE")
        .await
        .expect("a write transaction");
    sqlx::query("UPDATE apps SET name = 'Renamed' WHERE id = $1")
        .bind(app.id.0)
        .execute(&mut *tx)
        .await
        .expect("update");
    let during = store
        .app_by_client_id("inline-test")
        .await
        .expect("read")
        .expect("found");
    assert_eq!(during.name, "Inline", "an uncommitted write is not visible");
    tx.commit().await.expect("commit");
    let after = store
        .app_by_client_id("inline-test")
        .await
        .expect("read")
        .expect("found");
    assert_eq!(after.name, "Renamed", "a committed write is visible at once");
}

#[tokio::test]
async fn cached_apps_follow_every_commit_from_this_process_or_another() {
    let (store, dir) = store().await;
    let app = store
        .create_app(new_app("cached", 1, "Cached"))
        .await
        .expect("create an app");
    let digest = |store: &SqliteStore| {
        let store = store.clone();
        async move {
            let by_id = store.app_by_client_id("cached").await.expect("read");
            let checked = store
                .app_token_check("cached", None, OffsetDateTime::now_utc())
                .await
                .expect("check")
                .app;
            let by_id = by_id.map(|a| a.client_secret_digest);
            assert_eq!(by_id, checked.map(|a| a.client_secret_digest), "both reads agree");
            by_id
        }
    };
    // Enough reads that every reader connection has the app cached.
    for _ in 0..8 {
        assert_eq!(digest(&store).await, Some([1; 32]));
    }
    store
        .set_app_secret(app.id, &[2; 32], OffsetDateTime::now_utc())
        .await
        .expect("rotate");
    for _ in 0..8 {
        assert_eq!(digest(&store).await, Some([2; 32]), "a rotated secret counts at once");
    }
    // Another process (`grantd app …` beside the server): a connection of its own.
    let other = rusqlite::Connection::open(dir.path().join("grantd.db")).expect("open");
    other
        .execute(
            "UPDATE apps SET client_secret_digest = ?1 WHERE id = ?2",
            rusqlite::params![[3u8; 32], app.id.0],
        )
        .expect("update");
    for _ in 0..8 {
        assert_eq!(
            digest(&store).await,
            Some([3; 32]),
            "another process's commit counts at once"
        );
    }
    store.delete_app(app.id).await.expect("delete");
    for _ in 0..8 {
        assert_eq!(digest(&store).await, None, "a deleted app is gone at once");
    }
}

/// Migration 0008 on a database made by the migrations before it: an app keeps its one callback
/// URL as its first, one without keeps none, and every user's address starts unverified.
#[test]
fn migration_0008_keeps_each_apps_callback_as_its_first() {
    use grantd_core::model::App;
    let conn = rusqlite::Connection::open_in_memory().expect("open");
    for sql in [
        include_str!("../migrations/0001_init.sql"),
        include_str!("../migrations/0002_authorizations_by_user.sql"),
        include_str!("../migrations/0003_authorizations_by_user_in_order.sql"),
        include_str!("../migrations/0004_authorization_counts.sql"),
        include_str!("../migrations/0005_authorizations_by_token.sql"),
        include_str!("../migrations/0006_unknown_logins.sql"),
    ] {
        conn.execute_batch(sql).expect("an earlier migration");
    }
    conn.execute_batch(
        "INSERT INTO apps (client_id, client_secret_digest, name, url, callback_url, created_at, updated_at) \
         VALUES ('with', zeroblob(32), 'With', 'https://w.example', 'https://w.example/cb?x=1', 1, 1), \
                ('without', zeroblob(32), 'Without', 'https://n.example', NULL, 1, 1); \
         INSERT INTO users (login, login_key, email, password_hash, created_at, updated_at) \
         VALUES ('alice', 'alice', 'alice@example.com', 'hash', 1, 1);",
    )
    .expect("rows of before");
    conn.execute_batch(include_str!("../migrations/0008_callbacks_and_verified_emails.sql"))
        .expect("migration 0008");
    let callbacks = |client_id: &str| -> Vec<String> {
        let app: App = crate::inline::read_app(&conn, client_id).expect("read").expect("found");
        app.callback_urls().iter().map(|u| u.as_str().to_owned()).collect()
    };
    assert_eq!(callbacks("with"), ["https://w.example/cb?x=1"]);
    assert!(callbacks("without").is_empty());
    let verified: bool = conn
        .query_row("SELECT email_verified FROM users WHERE login = 'alice'", [], |r| {
            r.get(0)
        })
        .expect("read");
    assert!(!verified);
}
