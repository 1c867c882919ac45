//! Booting a server per test, an HTTP client that validates every answer against the OpenAPI
//! description, and seeding helpers.

use grantd_core::clock::ManualClock;
use grantd_core::model::ScopeRegistry;
use grantd_core::secret::{MasterKey, PasswordPolicy, TotpSecret};
use grantd_core::service::{ServiceConfig, Services};
use grantd_http::{AppState, HttpConfig, RateLimits};
use grantd_test_support::{Backend, TestDatabase};
use reqwest::header::HeaderMap;
use reqwest::Method;
use secrecy::SecretString;
use serde_json::{json, Map, Value};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

/// Runs the `grantd` binary with `args`, extra environment and standard input (master-key
/// variables of the caller's environment are not passed on); returns (success, stdout, stderr).
pub fn run_grantd(args: &[&str], env: &[(&str, &str)], stdin: Option<&str>) -> (bool, String, String) {
    use std::io::Write;
    use std::process::{Command, Stdio};
    let mut child = Command::new(env!("CARGO_BIN_EXE_grantd"))
        .args(args)
        .env_remove("GRANTD_MASTER_KEY")
        .env_remove("GRANTD_MASTER_KEY_FILE")
        .envs(env.iter().copied())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    if let Some(input) = stdin {
        child.stdin.take().unwrap().write_all(input.as_bytes()).unwrap();
    }
    drop(child.stdin.take());
    let out = child.wait_with_output().unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// The password every seeded user has.
pub const PASSWORD: &str = "correct horse battery";
/// A fixed start time, at the start of a TOTP step.
pub const START: i64 = 1_800_000_000;

/// Server options a test may change.
pub struct Options {
    pub rate_limits: RateLimits,
    pub token_lifetime: Option<Duration>,
    pub lockout_threshold: i64,
    /// Failed password logins per client address and hour (`0`: off).
    pub failed_auth_limit: u32,
    pub request_timeout: Duration,
    pub max_body_bytes: usize,
    pub public_url: Option<String>,
    pub header_read_timeout: Duration,
    pub http2: bool,
    pub max_connections: usize,
    pub max_connections_per_ip: usize,
    /// `--trusted-proxy`: networks whose `X-Forwarded-For` names the client.
    pub trusted_proxies: Vec<&'static str>,
    /// `--credentials-revoke-limit`.
    pub credentials_revoke_limit: u32,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            rate_limits: RateLimits {
                authenticated: 100_000,
                anonymous: 100_000,
            },
            token_lifetime: None,
            lockout_threshold: 10,
            failed_auth_limit: 100_000,
            request_timeout: Duration::from_secs(30),
            max_body_bytes: 1024 * 1024,
            public_url: None,
            header_read_timeout: Duration::from_secs(10),
            http2: false,
            max_connections: 1000,
            max_connections_per_ip: 1000,
            trusted_proxies: Vec::new(),
            credentials_revoke_limit: 100_000,
        }
    }
}

tokio::task_local! {
    static BACKEND: Backend;
}

/// Runs `test` with `backend` as the store of every server it starts (the runner of
/// `store_tests!`).
pub async fn on_backend<F: std::future::Future<Output = ()>>(backend: Backend, test: impl FnOnce() -> F) {
    BACKEND.scope(backend, test()).await;
}

/// A fresh database for one test on the test's store (SQLite outside `store_tests!`): its URL,
/// and the guard deleting it when dropped.
pub async fn fresh_database() -> (String, TestDatabase) {
    let database = TestDatabase::create(BACKEND.try_with(|b| *b).unwrap_or(Backend::Sqlite)).await;
    (database.url().to_owned(), database)
}

/// A running server with its own database.
pub struct TestServer {
    pub url: String,
    pub public_url: String,
    pub clock: Arc<ManualClock>,
    pub services: Services,
    /// The database's URL.
    pub database_url: String,
    _database: TestDatabase,
}

impl TestServer {
    pub async fn start() -> Self {
        Self::start_with(Options::default()).await
    }

    pub async fn start_with(options: Options) -> Self {
        let (database_url, database) = fresh_database().await;
        let store = grantd::server::open_store(&database_url, &grantd::server::DbOptions::default())
            .await
            .unwrap();
        let clock = Arc::new(ManualClock::at(START));
        let config = ServiceConfig {
            scopes: ScopeRegistry::default(),
            lockout: grantd_core::store::LockoutPolicy {
                max_failures: options.lockout_threshold,
                ..Default::default()
            },
            failed_auth: grantd_core::service::FailedAuthPolicy {
                limit: options.failed_auth_limit,
                ..Default::default()
            },
            token_lifetime: options.token_lifetime,
            ..ServiceConfig::default()
        };
        // A cheap Argon2id cost keeps the suite fast; the production cost is tested in grantd-core.
        let policy = PasswordPolicy {
            memory_kib: 1024,
            iterations: 1,
            parallelism: 1,
        };
        let services =
            grantd::server::services(store, clock.clone(), MasterKey::generate(), config, policy, 4).unwrap();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let url = format!("http://{addr}");
        let public_url = options.public_url.clone().unwrap_or_else(|| url.clone());
        let http = HttpConfig {
            rate_limits: options.rate_limits,
            request_timeout: options.request_timeout,
            max_body_bytes: options.max_body_bytes,
            trusted_proxies: grantd_http::TrustedProxies::new(
                options
                    .trusted_proxies
                    .iter()
                    .map(|n| grantd_http::client_ip::parse_network(n).unwrap()),
            ),
            credentials_revoke_limit: options.credentials_revoke_limit,
            ..HttpConfig::new(&public_url)
        };
        let state = AppState::new(services.clone(), http);
        let limits = grantd::server::ConnectionLimits {
            header_read_timeout: options.header_read_timeout,
            http2: options.http2,
            max_connections: options.max_connections,
            max_connections_per_ip: options.max_connections_per_ip,
            ..Default::default()
        };
        tokio::spawn(grantd::server::serve(listener, state, limits, std::future::pending()));
        Self {
            url,
            public_url,
            clock,
            services,
            database_url,
            _database: database,
        }
    }

    /// Takes the database's write lock from a connection of its own, as a long transaction of
    /// another process would: grantd's writes wait for it, its reads go on. SQLite: `BEGIN
    /// IMMEDIATE`; PostgreSQL: the lock grantd's own import takes.
    pub async fn hold_write_lock(&self) -> WriteLock {
        use sqlx::Connection as _;
        if self.database_url.starts_with("sqlite:") {
            let mut conn = sqlx::SqliteConnection::connect(&self.database_url).await.unwrap();
            sqlx::raw_sql("BEGIN IMMEDIATE").execute(&mut conn).await.unwrap();
            WriteLock::Sqlite(conn)
        } else {
            let mut conn = sqlx::PgConnection::connect(&self.database_url).await.unwrap();
            sqlx::raw_sql("BEGIN; LOCK TABLE users, apps, grants, authorizations IN SHARE ROW EXCLUSIVE MODE")
                .execute(&mut conn)
                .await
                .unwrap();
            WriteLock::Postgres(conn)
        }
    }

    /// The client on the github.com layout.
    pub fn root(&self) -> Api {
        Api::new(&self.url, &self.public_url)
    }

    /// The client on the Enterprise layout.
    pub fn enterprise(&self) -> Api {
        Api::new(&format!("{}/api/v3", self.url), &format!("{}/api/v3", self.public_url))
    }

    /// Both layouts.
    pub fn layouts(&self) -> [Api; 2] {
        [self.root(), self.enterprise()]
    }

    pub async fn add_user(&self, login: &str) {
        self.services
            .add_user(
                login,
                SecretString::from(PASSWORD),
                Some(format!("{login}@example.com")),
                false,
                None,
            )
            .await
            .unwrap();
    }

    /// Adds a user with two-factor on; returns the seed.
    pub async fn add_2fa_user(&self, login: &str) -> TotpSecret {
        self.add_user(login).await;
        let enabled = self.services.enable_two_factor(login).await.unwrap();
        TotpSecret::from_base32(&enabled.secret.to_base32()).unwrap()
    }

    /// Registers an app; returns (client_id, client_secret).
    /// Registers an app with callback URLs; returns (client_id, client_secret).
    pub async fn add_app_with_callbacks(&self, name: &str, callbacks: &[&str]) -> (String, String) {
        let callbacks: Vec<String> = callbacks.iter().map(|c| (*c).to_owned()).collect();
        let (app, secret) = self
            .services
            .add_app(name, "https://example.com/app", &callbacks)
            .await
            .unwrap();
        (app.client_id.0, secret.expose().to_owned())
    }

    pub async fn add_app(&self, name: &str) -> (String, String) {
        let (app, secret) = self
            .services
            .add_app(name, "https://example.com/app", &[])
            .await
            .unwrap();
        (app.client_id.0, secret.expose().to_owned())
    }
}

/// A database write lock held by [`TestServer::hold_write_lock`].
pub enum WriteLock {
    Sqlite(sqlx::SqliteConnection),
    Postgres(sqlx::PgConnection),
}

impl WriteLock {
    /// Closes the connection, which rolls its transaction back in either database.
    pub async fn release(self) {
        use sqlx::Connection as _;
        match self {
            Self::Sqlite(conn) => conn.close().await.unwrap(),
            Self::Postgres(conn) => conn.close().await.unwrap(),
        }
    }
}

/// How a request authenticates.
#[derive(Clone)]
pub enum Auth {
    None,
    Basic(String, String),
    Token(String),
    Raw(String),
}

pub fn basic(user: &str, password: &str) -> Auth {
    Auth::Basic(user.to_owned(), password.to_owned())
}

pub fn password(user: &str) -> Auth {
    basic(user, PASSWORD)
}

pub fn token(t: &str) -> Auth {
    Auth::Token(t.to_owned())
}

/// A client for one layout.
#[derive(Clone)]
pub struct Api {
    http: reqwest::Client,
    /// Where requests go.
    pub base: String,
    /// The base the server should use in links.
    pub public_base: String,
}

/// An answer.
#[derive(Debug)]
pub struct Resp {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Value,
    pub raw: Vec<u8>,
}

impl Resp {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    pub fn message(&self) -> &str {
        self.body["message"].as_str().unwrap_or("")
    }

    /// Asserts the status, showing the body on failure.
    #[track_caller]
    pub fn expect(&self, status: u16) -> &Self {
        assert_eq!(
            self.status,
            status,
            "unexpected status; body: {}",
            String::from_utf8_lossy(&self.raw)
        );
        self
    }

    /// The first validation error's (resource, field, code).
    pub fn first_error(&self) -> (String, String, String) {
        let e = &self.body["errors"][0];
        let s = |k: &str| e[k].as_str().unwrap_or("").to_owned();
        (s("resource"), s("field"), s("code"))
    }
}

/// A request being built.
pub struct Req {
    api: Api,
    method: Method,
    path: String,
    auth: Auth,
    body: Option<Vec<u8>>,
    headers: Vec<(String, String)>,
    check_schema: bool,
}

impl Api {
    fn new(base: &str, public_base: &str) -> Self {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(30))
            .build()
            .unwrap();
        Self {
            http,
            base: base.to_owned(),
            public_base: public_base.to_owned(),
        }
    }

    /// The same client, connecting from `local` (another loopback address is another client
    /// address to the server).
    pub fn connecting_from(&self, local: std::net::IpAddr) -> Self {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(30))
            .local_address(local)
            .build()
            .unwrap();
        Self { http, ..self.clone() }
    }

    pub fn request(&self, method: Method, path: &str) -> Req {
        Req {
            api: self.clone(),
            method,
            path: path.to_owned(),
            auth: Auth::None,
            body: None,
            headers: Vec::new(),
            check_schema: true,
        }
    }

    pub fn get(&self, path: &str) -> Req {
        self.request(Method::GET, path)
    }
    pub fn post(&self, path: &str) -> Req {
        self.request(Method::POST, path)
    }
    pub fn put(&self, path: &str) -> Req {
        self.request(Method::PUT, path)
    }
    pub fn patch(&self, path: &str) -> Req {
        self.request(Method::PATCH, path)
    }
    pub fn delete(&self, path: &str) -> Req {
        self.request(Method::DELETE, path)
    }

    /// Creates a personal access token for `login` and returns the answer's body.
    pub async fn create_pat(&self, login: &str, note: &str, scopes: &[&str]) -> Value {
        self.post("/authorizations")
            .auth(password(login))
            .json(json!({"note": note, "scopes": scopes}))
            .send()
            .await
            .expect(201)
            .body
            .clone()
    }

    /// Creates an OAuth-app token for `login` through get-or-create and returns the body.
    pub async fn create_app_token(
        &self,
        login: &str,
        client_id: &str,
        secret: &str,
        fingerprint: &str,
        scopes: &[&str],
    ) -> Value {
        self.put(&format!("/authorizations/clients/{client_id}/{fingerprint}"))
            .auth(password(login))
            .json(json!({"client_secret": secret, "scopes": scopes}))
            .send()
            .await
            .expect(201)
            .body
            .clone()
    }
}

impl Req {
    pub fn auth(mut self, auth: Auth) -> Self {
        self.auth = auth;
        self
    }

    pub fn json(mut self, body: Value) -> Self {
        self.body = Some(serde_json::to_vec(&body).unwrap());
        self
    }

    pub fn raw_body(mut self, body: &[u8]) -> Self {
        self.body = Some(body.to_vec());
        self
    }

    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.to_owned(), value.to_owned()));
        self
    }

    pub fn otp(self, code: &str) -> Self {
        self.header("X-GitHub-OTP", code)
    }

    /// Skips schema validation (for requests whose answer GitHub does not describe, such as HEAD).
    pub fn unchecked(mut self) -> Self {
        self.check_schema = false;
        self
    }

    pub async fn send(self) -> Resp {
        let url = format!("{}{}", self.api.base, self.path);
        let mut rb = self
            .api
            .http
            .request(self.method.clone(), &url)
            .header("User-Agent", "grantd-tests");
        rb = match &self.auth {
            Auth::None => rb,
            Auth::Basic(u, p) => rb.basic_auth(u, Some(p)),
            Auth::Token(t) => rb.header("Authorization", format!("token {t}")),
            Auth::Raw(v) => rb.header("Authorization", v),
        };
        for (k, v) in &self.headers {
            rb = rb.header(k, v);
        }
        if let Some(body) = self.body {
            rb = rb.header("Content-Type", "application/json").body(body);
        }
        let response = rb.send().await.unwrap();
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let raw = response.bytes().await.unwrap().to_vec();
        let body = if raw.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&raw).unwrap_or(Value::Null)
        };
        let resp = Resp {
            status,
            headers,
            body,
            raw,
        };
        if self.check_schema && self.method != Method::HEAD {
            let path = self.path.split('?').next().unwrap_or("");
            validate(&self.method, path, &resp);
        }
        resp
    }
}

// ---- OpenAPI validation --------------------------------------------------------------------

struct Spec {
    doc: Value,
    components: Value,
}

fn spec() -> &'static Spec {
    static SPEC: OnceLock<Spec> = OnceLock::new();
    SPEC.get_or_init(|| {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../spec/openapi.json");
        let doc: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        let components = convert(&doc["components"]);
        Spec { doc, components }
    })
}

/// OpenAPI 3.0 schema → JSON Schema 2020-12: `nullable: true` becomes a union with `null`.
fn convert(v: &Value) -> Value {
    match v {
        Value::Object(map) => {
            let mut out = Map::new();
            for (k, v) in map {
                if k != "nullable" && k != "discriminator" && k != "example" && k != "examples" {
                    out.insert(k.clone(), convert(v));
                }
            }
            if map.get("nullable") == Some(&Value::Bool(true)) {
                json!({"anyOf": [Value::Object(out), {"type": "null"}]})
            } else {
                Value::Object(out)
            }
        }
        Value::Array(items) => Value::Array(items.iter().map(convert).collect()),
        other => other.clone(),
    }
}

/// The spec path template matching `path`, static segments preferred.
fn operation_path(path: &str) -> Option<String> {
    let segments: Vec<&str> = path.trim_end_matches('/').split('/').collect();
    let doc = &spec().doc;
    let mut best: Option<(usize, String)> = None;
    for template in doc["paths"].as_object().unwrap().keys() {
        let t: Vec<&str> = template.trim_end_matches('/').split('/').collect();
        if t.len() != segments.len() {
            continue;
        }
        let mut params = 0;
        let ok = t.iter().zip(&segments).all(|(a, b)| {
            if a.starts_with('{') {
                params += 1;
                true
            } else {
                a == b
            }
        });
        if ok && best.as_ref().is_none_or(|(p, _)| params < *p) {
            best = Some((params, template.clone()));
        }
    }
    best.map(|(_, t)| t)
}

/// Validates an answer against the operation's response schema; statuses the description does
/// not list are checked against GitHub's error schemas.
#[track_caller]
fn validate(method: &Method, path: &str, resp: &Resp) {
    if let Err(e) = check_schema(method, path, resp) {
        panic!("{e}");
    }
}

fn check_schema(method: &Method, path: &str, resp: &Resp) -> Result<(), String> {
    let path = path.strip_prefix("/api/v3").unwrap_or(path);
    let path = if path.is_empty() { "/" } else { path };
    let s = spec();
    let mut method_key = method.as_str().to_lowercase();
    // `POST /authorizations/{id}` is an alias of PATCH (BEHAVIOR 41).
    if method_key == "post" && path.starts_with("/authorizations/") && !path.starts_with("/authorizations/clients") {
        method_key = "patch".into();
    }
    let operation = operation_path(path).and_then(|t| s.doc["paths"][&t].get(&method_key).cloned());
    let error_schema = |status: u16| {
        if status == 422 {
            json!({"$ref": "#/components/schemas/validation-error"})
        } else {
            json!({"$ref": "#/components/schemas/basic-error"})
        }
    };
    let schema = match &operation {
        Some(op) => match op["responses"].get(resp.status.to_string()) {
            Some(r) => {
                let r = match r.get("$ref").and_then(Value::as_str) {
                    Some(reference) => s.doc.pointer(reference.trim_start_matches('#')).cloned().unwrap(),
                    None => r.clone(),
                };
                match r.pointer("/content/application~1json/schema") {
                    Some(schema) => Some(convert(schema)),
                    None if resp.raw.is_empty() => None,
                    None => {
                        return Err(format!(
                            "{method} {path} {}: the description has no body for this status",
                            resp.status
                        ))
                    }
                }
            }
            None if resp.status >= 400 => Some(error_schema(resp.status)),
            None => {
                return Err(format!(
                    "{method} {path}: status {} is not in the description",
                    resp.status
                ))
            }
        },
        // Paths and methods the description does not have: the 404s of BEHAVIOR 20/23, and the
        // undocumented github3.py endpoint (BEHAVIOR 54), which answers 204.
        None if resp.status >= 400 => Some(error_schema(resp.status)),
        None if resp.raw.is_empty() => None,
        None => return Err(format!("{method} {path}: undocumented answer with a body")),
    };
    if let Some(mut schema) = schema {
        if resp.status == 304 {
            return Ok(());
        }
        let ct = resp.header("content-type").unwrap_or("");
        if ct != "application/json; charset=utf-8" {
            return Err(format!("{method} {path}: content type {ct:?}"));
        }
        let obj = schema.as_object_mut().unwrap();
        obj.insert("components".into(), s.components.clone());
        let validator = jsonschema::options()
            .with_draft(jsonschema::Draft::Draft202012)
            .should_validate_formats(true)
            .build(&schema)
            .unwrap();
        let errors: Vec<String> = validator
            .iter_errors(&resp.body)
            .map(|e| format!("{e} at {}", e.instance_path()))
            .collect();
        if !errors.is_empty() {
            return Err(format!(
                "{method} {path} {}: answer does not match GitHub's schema: {errors:#?}\nbody: {}",
                resp.status,
                String::from_utf8_lossy(&resp.raw)
            ));
        }
    }
    Ok(())
}

/// The validator itself must be able to fail: answers that break GitHub's schema are caught.
#[test]
fn schema_validation_rejects_answers_that_break_the_description() {
    let resp = |status: u16, body: Value| {
        let raw = serde_json::to_vec(&body).unwrap();
        let mut headers = HeaderMap::new();
        headers.insert("content-type", "application/json; charset=utf-8".parse().unwrap());
        Resp {
            status,
            headers,
            body,
            raw,
        }
    };
    let good = json!({
        "id": 1, "url": "http://h/authorizations/1", "scopes": ["repo"], "token": "", "token_last_eight": "12345678",
        "hashed_token": "ab", "app": {"client_id": "00000000000000000000", "name": "n", "url": "https://h"},
        "note": "n", "note_url": null, "updated_at": "2011-09-06T17:26:27Z", "created_at": "2011-09-06T17:26:27Z",
        "fingerprint": null, "expires_at": null
    });
    assert_eq!(
        check_schema(&Method::GET, "/authorizations/1", &resp(200, good.clone())),
        Ok(())
    );
    let mut missing = good.clone();
    missing.as_object_mut().unwrap().remove("token");
    assert!(check_schema(&Method::GET, "/authorizations/1", &resp(200, missing)).is_err());
    let mut bad_time = good.clone();
    bad_time["created_at"] = json!("yesterday");
    assert!(check_schema(&Method::GET, "/authorizations/1", &resp(200, bad_time)).is_err());
    let mut bad_null = good.clone();
    bad_null["url"] = json!(null);
    assert!(check_schema(&Method::GET, "/authorizations/1", &resp(200, bad_null)).is_err());
    assert!(check_schema(&Method::GET, "/authorizations", &resp(200, json!([good]))).is_ok());
    assert!(check_schema(&Method::GET, "/authorizations", &resp(200, json!({"not": "a list"}))).is_err());
    assert!(check_schema(&Method::GET, "/nope", &resp(404, json!({"message": 5}))).is_err());
    assert!(check_schema(
        &Method::POST,
        "/authorizations",
        &resp(422, json!({"message": "Validation Failed"}))
    )
    .is_err());
}

/// Asserts the answer is GitHub's 404.
#[track_caller]
pub fn assert_not_found(resp: &Resp) {
    resp.expect(404);
    assert_eq!(resp.message(), "Not Found");
}
