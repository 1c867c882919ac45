//! The minimal reference server of the check-token benchmark: only the real work of a check.
//!
//! `POST /applications/{client_id}/token` with Basic `client_id:client_secret` and
//! `{"access_token": …}`: parse the Basic header, compare the secret's SHA-256 with the app's
//! stored digest (constant time), parse the JSON body, SHA-256 the token, look its row up by digest
//! in the same SQLite file grantd uses (through sqlx, as grantd does), and serialise a ~640-byte
//! authorization answer. No routing table beyond that one path, no middleware, no rate limiting,
//! no logging. The app's row is read once at start-up.

use anyhow::Context;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::Router;
use base64::Engine;
use clap::Parser;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use sqlx::sqlite::{SqliteConnectOptions, SqlitePoolOptions};
use sqlx::{Row, SqlitePool};
use std::net::SocketAddr;
use std::str::FromStr;
use std::sync::Arc;
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
    /// Pooled connections.
    #[arg(long, default_value_t = 10)]
    max_connections: u32,
}

struct AppRow {
    id: i64,
    client_id: String,
    secret_digest: [u8; 32],
    name: String,
    url: String,
}

struct Shared {
    pool: SqlitePool,
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
    let options = SqliteConnectOptions::from_str(&args.database_url)?.read_only(true);
    let pool = SqlitePoolOptions::new()
        .max_connections(args.max_connections.max(1))
        .connect_with(options)
        .await
        .context("opening the database")?;
    let row = sqlx::query("SELECT id, client_id, client_secret_digest, name, url FROM apps ORDER BY id LIMIT 1")
        .fetch_one(&pool)
        .await
        .context("reading the app (seed the database first)")?;
    let digest: Vec<u8> = row.try_get("client_secret_digest")?;
    let app = AppRow {
        id: row.try_get("id")?,
        client_id: row.try_get("client_id")?,
        secret_digest: digest
            .try_into()
            .map_err(|_| anyhow::anyhow!("client_secret_digest is not 32 bytes"))?,
        name: row.try_get("name")?,
        url: row.try_get("url")?,
    };
    let shared = Arc::new(Shared {
        pool,
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
    let row = sqlx::query(
        "SELECT a.id, a.token_last_eight, a.scopes, a.note, a.note_url, a.fingerprint, a.created_at, a.updated_at, \
         a.expires_at, u.id AS user_id, u.login FROM authorizations a JOIN users u ON u.id = a.user_id \
         WHERE a.token_digest = ? AND a.app_id = ?",
    )
    .bind(&digest[..])
    .bind(s.app.id)
    .fetch_optional(&s.pool)
    .await;
    let row = match row {
        Ok(Some(row)) => row,
        Ok(None) => return status(StatusCode::NOT_FOUND),
        Err(_) => return status(StatusCode::INTERNAL_SERVER_ERROR),
    };
    match view(&s, &row, &parsed.access_token, &digest) {
        Ok(json) => (
            StatusCode::OK,
            [("content-type", "application/json; charset=utf-8")],
            json,
        )
            .into_response(),
        Err(_) => status(StatusCode::INTERNAL_SERVER_ERROR),
    }
}

fn view(s: &Shared, row: &sqlx::sqlite::SqliteRow, token: &str, digest: &[u8; 32]) -> anyhow::Result<Vec<u8>> {
    let id: i64 = row.try_get("id")?;
    let scopes: String = row.try_get("scopes")?;
    let user_id: i64 = row.try_get("user_id")?;
    let login: String = row.try_get("login")?;
    let view = AuthorizationView {
        id,
        url: format!("{}/authorizations/{id}", s.base),
        scopes: scopes.split(',').filter(|x| !x.is_empty()).collect(),
        token,
        token_last_eight: row.try_get("token_last_eight")?,
        hashed_token: hex::encode(digest),
        app: AppView {
            client_id: &s.app.client_id,
            name: &s.app.name,
            url: &s.app.url,
        },
        note: row.try_get("note")?,
        note_url: row.try_get("note_url")?,
        updated_at: timestamp(row.try_get("updated_at")?),
        created_at: timestamp(row.try_get("created_at")?),
        fingerprint: row.try_get("fingerprint")?,
        expires_at: row.try_get::<Option<i64>, _>("expires_at")?.map(timestamp),
        user: UserView {
            url: format!("{}/users/{login}", s.base),
            login,
            id: user_id,
            kind: "User",
            site_admin: false,
        },
    };
    Ok(serde_json::to_vec(&view)?)
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
