//! The minimal reference server of the check-token benchmark: only the real work of a check.
//!
//! `POST /applications/{client_id}/token` with Basic `client_id:client_secret` and
//! `{"access_token": …}`: parse the Basic header, compare the secret's SHA-256 with the app's
//! stored digest (constant time), parse the JSON body, SHA-256 the token, look its row up by digest
//! in the same SQLite file grantd uses, and serialise a ~640-byte authorization answer. No routing
//! table beyond that one path, no middleware, no rate limiting, no logging. The app's row is read
//! once at start-up. The lookup is the fastest this machine allows: a cached prepared statement
//! on a rusqlite connection used on the request's own thread (no hand-off to a database thread),
//! joined with the user in one statement.

use anyhow::Context;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::Router;
use base64::Engine;
use clap::Parser;
use rusqlite::{Connection, OpenFlags, OptionalExtension};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use subtle::ConstantTimeEq;

/// Minimal check-token server over a grantd SQLite database.
#[derive(Debug, Parser)]
#[command(name = "reference")]
struct Args {
    /// The grantd database (`sqlite://PATH`), seeded by `bench/seed`.
    #[arg(long)]
    database_url: String,
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8091")]
    listen: SocketAddr,
    /// Database connections (one is used at a time per runtime thread).
    #[arg(long, default_value_t = 4)]
    connections: usize,
}

struct AppRow {
    id: i64,
    client_id: String,
    secret_digest: [u8; 32],
    name: String,
    url: String,
}

struct Shared {
    connections: Vec<Mutex<Connection>>,
    app: AppRow,
    base: String,
}

#[derive(Deserialize)]
struct CheckBody {
    access_token: String,
}

#[derive(Serialize)]
struct AppView<'a> {
    client_id: &'a str,
    name: &'a str,
    url: &'a str,
}

#[derive(Serialize)]
struct UserView {
    login: String,
    id: i64,
    url: String,
    #[serde(rename = "type")]
    kind: &'static str,
    site_admin: bool,
}

#[derive(Serialize)]
struct AuthorizationView<'a> {
    id: i64,
    url: String,
    scopes: Vec<&'a str>,
    token: &'a str,
    token_last_eight: String,
    hashed_token: String,
    app: AppView<'a>,
    note: Option<String>,
    note_url: Option<String>,
    updated_at: String,
    created_at: String,
    fingerprint: Option<String>,
    expires_at: Option<String>,
    user: UserView,
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the runtime")?
        .block_on(run(args))
}

async fn run(args: Args) -> anyhow::Result<()> {
    let path = args
        .database_url
        .strip_prefix("sqlite://")
        .context("the database URL must be sqlite://PATH")?;
    let connections = (0..args.connections.max(1))
        .map(|_| {
            let conn = Connection::open_with_flags(
                path,
                OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
            )?;
            conn.pragma_update(None, "query_only", true)?;
            Ok(Mutex::new(conn))
        })
        .collect::<anyhow::Result<Vec<_>>>()
        .context("opening the database")?;
    let app = {
        let conn = connections[0].lock().map_err(|_| anyhow::anyhow!("poisoned"))?;
        conn.query_row(
            "SELECT id, client_id, client_secret_digest, name, url FROM apps ORDER BY id LIMIT 1",
            [],
            |row| {
                let digest: Vec<u8> = row.get("client_secret_digest")?;
                Ok(AppRow {
                    id: row.get("id")?,
                    client_id: row.get("client_id")?,
                    secret_digest: digest.try_into().unwrap_or([0; 32]),
                    name: row.get("name")?,
                    url: row.get("url")?,
                })
            },
        )
        .context("reading the app (seed the database first)")?
    };
    let shared = Arc::new(Shared {
        connections,
        app,
        base: format!("http://{}", args.listen),
    });
    let router = Router::new()
        .route("/applications/{client_id}/token", post(check))
        .with_state(shared);
    let listener = tokio::net::TcpListener::bind(args.listen).await?;
    eprintln!("reference: listening on {}", args.listen);
    axum::serve(listener, router).await?;
    Ok(())
}

fn status(code: StatusCode) -> Response {
    (code, [("content-type", "application/json")], "{\"message\":\"error\"}").into_response()
}

async fn check(
    State(s): State<Arc<Shared>>,
    Path(client_id): Path<String>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    // Basic client_id:client_secret, checked against the stored digest.
    let Some((id, secret)) = basic(&headers) else {
        return status(StatusCode::UNAUTHORIZED);
    };
    if id != s.app.client_id || client_id != s.app.client_id {
        return status(StatusCode::NOT_FOUND);
    }
    let given: [u8; 32] = Sha256::digest(secret.as_bytes()).into();
    if !bool::from(given.ct_eq(&s.app.secret_digest)) {
        return status(StatusCode::NOT_FOUND);
    }
    let Ok(parsed) = serde_json::from_slice::<CheckBody>(&body) else {
        return status(StatusCode::UNPROCESSABLE_ENTITY);
    };
    let digest: [u8; 32] = Sha256::digest(parsed.access_token.as_bytes()).into();
    let answer = lookup(&s, &digest, |row| view(&s, row, &parsed.access_token, &digest));
    match answer {
        Ok(Some(json)) => (
            StatusCode::OK,
            [("content-type", "application/json; charset=utf-8")],
            json,
        )
            .into_response(),
        Ok(None) => status(StatusCode::NOT_FOUND),
        Err(_) => status(StatusCode::INTERNAL_SERVER_ERROR),
    }
}

/// Looks the token's row up on a free connection and turns it into the answer.
fn lookup(
    s: &Shared,
    digest: &[u8; 32],
    f: impl FnOnce(&rusqlite::Row<'_>) -> rusqlite::Result<Vec<u8>>,
) -> anyhow::Result<Option<Vec<u8>>> {
    let n = s.connections.len();
    let conn = (0..n)
        .find_map(|i| s.connections[i].try_lock().ok())
        .map_or_else(|| s.connections[0].lock().map_err(|_| anyhow::anyhow!("poisoned")), Ok)?;
    let mut stmt = conn.prepare_cached(
        "SELECT a.id, a.token_last_eight, a.scopes, a.note, a.note_url, a.fingerprint, a.created_at, a.updated_at, \
         a.expires_at, u.id AS user_id, u.login FROM authorizations a JOIN users u ON u.id = a.user_id \
         WHERE a.token_digest = ? AND a.app_id = ?",
    )?;
    Ok(stmt.query_row(rusqlite::params![&digest[..], s.app.id], f).optional()?)
}

fn view(s: &Shared, row: &rusqlite::Row<'_>, token: &str, digest: &[u8; 32]) -> rusqlite::Result<Vec<u8>> {
    let id: i64 = row.get("id")?;
    let scopes: String = row.get("scopes")?;
    let user_id: i64 = row.get("user_id")?;
    let login: String = row.get("login")?;
    let view = AuthorizationView {
        id,
        url: format!("{}/authorizations/{id}", s.base),
        scopes: scopes.split(',').filter(|x| !x.is_empty()).collect(),
        token,
        token_last_eight: row.get("token_last_eight")?,
        hashed_token: hex::encode(digest),
        app: AppView {
            client_id: &s.app.client_id,
            name: &s.app.name,
            url: &s.app.url,
        },
        note: row.get("note")?,
        note_url: row.get("note_url")?,
        updated_at: timestamp(row.get("updated_at")?),
        created_at: timestamp(row.get("created_at")?),
        fingerprint: row.get("fingerprint")?,
        expires_at: row.get::<_, Option<i64>>("expires_at")?.map(timestamp),
        user: UserView {
            url: format!("{}/users/{login}", s.base),
            login,
            id: user_id,
            kind: "User",
            site_admin: false,
        },
    };
    serde_json::to_vec(&view).map_err(|e| rusqlite::Error::ToSqlConversionFailure(Box::new(e)))
}

/// `YYYY-MM-DDTHH:MM:SSZ` from Unix seconds (civil-from-days, no time-zone database).
fn timestamp(secs: i64) -> String {
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

fn basic(headers: &HeaderMap) -> Option<(String, String)> {
    let value = headers.get("authorization")?.to_str().ok()?;
    let (scheme, rest) = value.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = base64::engine::general_purpose::STANDARD.decode(rest.trim()).ok()?;
    let text = String::from_utf8(decoded).ok()?;
    let (id, secret) = text.split_once(':')?;
    Some((id.to_owned(), secret.to_owned()))
}
