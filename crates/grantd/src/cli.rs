//! The command line: `grantd serve`, `grantd migrate`, and the administration of users and apps,
//! which call the same services as the HTTP layer. Every flag can also be set with a `GRANTD_*`
//! environment variable.

use crate::server;
use anyhow::{bail, Context};
use clap::{Args, Parser, Subcommand};
use grantd_core::clock::SystemClock;
use grantd_core::model::{App, ScopeRegistry, User};
use grantd_core::secret::PasswordPolicy;
use grantd_core::service::{ServiceConfig, ServiceError, Services};
use grantd_http::{AppState, HttpConfig, RateLimits};
use secrecy::SecretString;
use serde_json::json;
use std::io::Read;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

/// A self-hosted, GitHub-compatible OAuth authorization server.
#[derive(Debug, Parser)]
#[command(name = "grantd", version, about)]
pub struct Cli {
    /// Database URL: `sqlite://PATH` or `postgres://USER@HOST/DB` (created/migrated on start).
    #[arg(long, global = true, env = "GRANTD_DATABASE_URL", default_value = server::DEFAULT_DATABASE_URL)]
    pub database_url: String,

    /// File holding the key that seals two-factor secrets (64 hexadecimal characters; created
    /// when missing). Default: `master.key` beside the SQLite database.
    #[arg(long, global = true, env = "GRANTD_MASTER_KEY_FILE")]
    pub master_key_file: Option<PathBuf>,

    /// The master key itself, in hexadecimal (overrides --master-key-file).
    #[arg(long, global = true, env = "GRANTD_MASTER_KEY", hide_env_values = true)]
    pub master_key: Option<String>,

    /// Largest number of pooled database connections.
    #[arg(long, global = true, env = "GRANTD_DB_MAX_CONNECTIONS", default_value_t = 10)]
    pub db_max_connections: u32,

    /// How long a request waits for a database connection (SQLite: for a write lock).
    #[arg(long, global = true, env = "GRANTD_DB_ACQUIRE_TIMEOUT", default_value = "10s", value_parser = humantime::parse_duration)]
    pub db_acquire_timeout: Duration,

    /// SQLite: page cache of each reader connection (one per CPU), in MiB. Token lookups keep
    /// the upper pages of the token index here: about 1.9 MiB a million tokens.
    #[arg(long, global = true, env = "GRANTD_SQLITE_CACHE_MIB", default_value_t = grantd_store_sqlite::DEFAULT_READER_CACHE_MIB, value_parser = clap::value_parser!(u32).range(1..))]
    pub sqlite_cache_mib: u32,

    /// How long connecting to PostgreSQL may take before grantd gives up.
    #[arg(long, global = true, env = "GRANTD_DB_CONNECT_TIMEOUT", default_value = "10s", value_parser = humantime::parse_duration)]
    pub db_connect_timeout: Duration,

    /// Print machine-readable JSON.
    #[arg(long, global = true)]
    pub json: bool,

    /// The command.
    #[command(subcommand)]
    pub command: Command,
}

/// grantd's commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the HTTP server.
    Serve(ServeArgs),
    /// Create or upgrade the database schema, then exit.
    Migrate,
    /// Manage users.
    #[command(subcommand)]
    User(UserCommand),
    /// Manage OAuth apps.
    #[command(subcommand)]
    App(AppCommand),
    /// Copy everything from --database-url into another, empty database (for example from
    /// SQLite to PostgreSQL). Stop grantd first; keep the same master key.
    Copy {
        /// The target database URL; it is created or migrated, and must hold no user and no app.
        #[arg(long)]
        to: String,
    },
}

/// Settings of `grantd serve`.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "GRANTD_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,
    /// Externally visible base URL used in `url` fields and `Location`/`Link` headers
    /// (default: derived from --listen).
    #[arg(long, env = "GRANTD_PUBLIC_URL")]
    pub public_url: Option<url::Url>,
    /// Longest time a request may take (e.g. `30s`).
    #[arg(long, env = "GRANTD_REQUEST_TIMEOUT", default_value = "30s", value_parser = humantime::parse_duration)]
    pub request_timeout: Duration,
    /// Longest a client may take to send a request's headers (slow clients are disconnected).
    #[arg(long, env = "GRANTD_HEADER_READ_TIMEOUT", default_value = "10s", value_parser = humantime::parse_duration)]
    pub header_read_timeout: Duration,
    /// Largest request body in bytes.
    #[arg(long, env = "GRANTD_MAX_BODY_BYTES", default_value_t = 1024 * 1024)]
    pub max_body_bytes: usize,
    /// Requests per hour for each authenticated user or app; 0 turns rate limiting off.
    #[arg(long, env = "GRANTD_RATE_LIMIT", default_value_t = 5000)]
    pub rate_limit: u32,
    /// Requests per hour for each IP address without valid credentials; 0 turns it off.
    #[arg(long, env = "GRANTD_RATE_LIMIT_ANONYMOUS", default_value_t = 60)]
    pub rate_limit_anonymous: u32,
    /// Lifetime of new tokens (e.g. `90d`); tokens never expire when unset, as on GitHub.
    #[arg(long, env = "GRANTD_TOKEN_LIFETIME", value_parser = humantime::parse_duration)]
    pub token_lifetime: Option<Duration>,
    /// Extra scope names to accept besides GitHub Enterprise's (comma-separated).
    #[arg(long, env = "GRANTD_EXTRA_SCOPES", value_delimiter = ',')]
    pub extra_scopes: Vec<String>,
    /// Failed logins within 15 minutes that lock a user out for 15 minutes.
    #[arg(long, env = "GRANTD_LOCKOUT_THRESHOLD", default_value_t = 10)]
    pub lockout_threshold: i64,
    /// Password hashes computed at once (default: the number of CPUs).
    #[arg(long, env = "GRANTD_PASSWORD_CONCURRENCY")]
    pub password_concurrency: Option<usize>,
    /// Log format.
    #[arg(long, env = "GRANTD_LOG_FORMAT", default_value = "text", value_parser = ["text", "json"])]
    pub log_format: String,
}

/// `grantd user …`.
#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Create a user; the password is read from standard input.
    Add {
        /// Login name.
        login: String,
        /// Read the password from standard input (required: passwords never go on the command line).
        #[arg(long, required = true)]
        password_stdin: bool,
        /// E-mail address.
        #[arg(long)]
        email: Option<String>,
        /// Display name.
        #[arg(long)]
        name: Option<String>,
    },
    /// List users.
    List,
    /// Change a user's password, read from standard input.
    Passwd {
        /// Login name.
        login: String,
        /// Read the password from standard input.
        #[arg(long, required = true)]
        password_stdin: bool,
    },
    /// Remove a user with all their tokens and grants.
    Remove {
        /// Login name.
        login: String,
    },
    /// Two-factor authentication.
    #[command(name = "2fa", subcommand)]
    TwoFactor(TwoFactorCommand),
}

/// `grantd user 2fa …`.
#[derive(Debug, Subcommand)]
pub enum TwoFactorCommand {
    /// Turn TOTP two-factor on; prints the secret and the otpauth:// URL once.
    Enable {
        /// Login name.
        login: String,
    },
    /// Turn two-factor off.
    Disable {
        /// Login name.
        login: String,
    },
}

/// `grantd app …`.
#[derive(Debug, Subcommand)]
pub enum AppCommand {
    /// Register an OAuth app; prints its client id and secret (the secret only this once).
    Add {
        /// The app's name.
        #[arg(long)]
        name: String,
        /// The app's home page.
        #[arg(long)]
        url: String,
        /// The app's callback URL.
        #[arg(long)]
        callback_url: Option<String>,
    },
    /// List OAuth apps.
    List,
    /// Remove an app with all its tokens and grants.
    Remove {
        /// The app's client id.
        client_id: String,
    },
    /// Give an app a new client secret (the old one stops working at once).
    ResetSecret {
        /// The app's client id.
        client_id: String,
    },
}

/// Runs the command line.
pub async fn run(cli: Cli) -> anyhow::Result<()> {
    match &cli.command {
        Command::Serve(args) => serve(&cli, args).await,
        Command::Migrate => {
            server::open_store(&cli.database_url, &db_options(&cli)).await?;
            say(
                &cli,
                &format!("database {} is up to date", redact_url(&cli.database_url)),
                json!({"migrated": true}),
            );
            Ok(())
        }
        Command::User(cmd) => user(&cli, cmd).await,
        Command::Copy { to } => copy(&cli, to).await,
        Command::App(cmd) => app(&cli, cmd).await,
    }
}

fn db_options(cli: &Cli) -> server::DbOptions {
    server::DbOptions {
        max_connections: cli.db_max_connections,
        acquire_timeout: cli.db_acquire_timeout,
        connect_timeout: cli.db_connect_timeout,
        sqlite_reader_cache_mib: cli.sqlite_cache_mib,
    }
}

async fn admin_services(cli: &Cli) -> anyhow::Result<Services> {
    let key = master_key(cli)?;
    let store = server::open_store(&cli.database_url, &db_options(cli)).await?;
    server::services(
        store,
        Arc::new(SystemClock),
        key,
        ServiceConfig::default(),
        PasswordPolicy::default(),
        1,
    )
}

fn master_key(cli: &Cli) -> anyhow::Result<grantd_core::secret::MasterKey> {
    let file = cli
        .master_key_file
        .clone()
        .or_else(|| server::default_key_file(&cli.database_url));
    server::load_master_key(&cli.database_url, cli.master_key.as_deref(), file.as_deref())
}

async fn serve(cli: &Cli, args: &ServeArgs) -> anyhow::Result<()> {
    let log = init_logging(&args.log_format);
    let result = serve_logged(cli, args).await;
    log.flush();
    result
}

async fn serve_logged(cli: &Cli, args: &ServeArgs) -> anyhow::Result<()> {
    let key = master_key(cli)?;
    let store = server::open_store(&cli.database_url, &db_options(cli)).await?;
    let config = ServiceConfig {
        scopes: ScopeRegistry::new(args.extra_scopes.iter().map(|s| s.trim().to_owned())),
        lockout: grantd_core::store::LockoutPolicy {
            max_failures: args.lockout_threshold.max(1),
            ..Default::default()
        },
        token_lifetime: args.token_lifetime,
        ..ServiceConfig::default()
    };
    let concurrency = args
        .password_concurrency
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get));
    let services = server::services(
        store,
        Arc::new(SystemClock),
        key,
        config,
        PasswordPolicy::default(),
        concurrency,
    )?;
    let listener = tokio::net::TcpListener::bind(args.listen)
        .await
        .with_context(|| format!("cannot listen on {}", args.listen))?;
    let local = listener.local_addr()?;
    let public_url = match &args.public_url {
        Some(url) => url.as_str().trim_end_matches('/').to_owned(),
        None => server::default_public_url(local),
    };
    if services.count_users().await? == 0 {
        tracing::warn!(
            "the database has no user yet; create one with: printf '%s' 'PASSWORD' | grantd user add LOGIN --password-stdin --database-url {}",
            redact_url(&cli.database_url)
        );
    }
    let http = HttpConfig {
        request_timeout: args.request_timeout,
        max_body_bytes: args.max_body_bytes,
        rate_limits: RateLimits {
            authenticated: args.rate_limit,
            anonymous: args.rate_limit_anonymous,
        },
        ..HttpConfig::new(&public_url)
    };
    tracing::info!(listen = %local, public_url = %public_url, database = %redact_url(&cli.database_url), "grantd is serving");
    let limits = server::ConnectionLimits {
        header_read_timeout: args.header_read_timeout,
        shutdown_grace: args.request_timeout,
    };
    server::serve(
        listener,
        AppState::new(services, http),
        limits,
        server::shutdown_signal(),
    )
    .await
}

async fn copy(cli: &Cli, to: &str) -> anyhow::Result<()> {
    if to == cli.database_url {
        bail!("--to names the database being copied");
    }
    let source = server::open_full_store(&cli.database_url, &db_options(cli)).await?;
    let target = server::open_full_store(to, &db_options(cli)).await?;
    let snapshot = source.export().await.context("reading the source database")?;
    target.import(&snapshot).await.map_err(|e| match e {
        grantd_core::store::StoreError::Conflict(grantd_core::store::Conflict::NotEmpty) => {
            anyhow::anyhow!(
                "the target database {} already holds users or apps; copy only into an empty one",
                redact_url(to)
            )
        }
        other => anyhow::anyhow!("writing the target database: {other}"),
    })?;
    let counts = json!({
        "users": snapshot.users.len(),
        "apps": snapshot.apps.len(),
        "grants": snapshot.grants.len(),
        "authorizations": snapshot.authorizations.len(),
    });
    say(
        cli,
        &format!(
            "copied {} users, {} apps, {} grants and {} authorizations to {}",
            snapshot.users.len(),
            snapshot.apps.len(),
            snapshot.grants.len(),
            snapshot.authorizations.len(),
            redact_url(to)
        ),
        counts,
    );
    Ok(())
}

/// Logging to standard error at the level `GRANTD_LOG` names (`info` by default; also per target,
/// `grantd_http=debug,sqlx=warn`). A `Targets` filter rather than an `EnvFilter`: it decides by
/// level and target alone, which keeps the request log cheap (span-field filtering, which only
/// `EnvFilter` has, cost several microseconds a request). Colours only on a terminal. The text
/// format is tracing-subscriber's default, with the request log written by a faster path
/// ([`crate::log_format`]), and its lines written in batches: the writer returned is to be
/// flushed when the server stops.
fn init_logging(format: &str) -> crate::log_format::BatchedStderr {
    use std::io::IsTerminal as _;
    use tracing_subscriber::layer::SubscriberExt as _;
    use tracing_subscriber::util::SubscriberInitExt as _;
    let spec = std::env::var("GRANTD_LOG").unwrap_or_default();
    let filter = spec
        .trim()
        .parse::<tracing_subscriber::filter::Targets>()
        .ok()
        .filter(|_| !spec.trim().is_empty())
        .unwrap_or_else(|| tracing_subscriber::filter::Targets::new().with_default(tracing::Level::INFO));
    let ansi = std::io::stderr().is_terminal();
    let registry = tracing_subscriber::registry().with(filter);
    let out = crate::log_format::BatchedStderr::new();
    let _ = if format == "json" {
        registry
            .with(tracing_subscriber::fmt::layer().json().with_writer(out.clone()))
            .try_init()
    } else {
        registry
            .with(
                tracing_subscriber::fmt::layer()
                    .with_ansi(ansi)
                    .event_format(crate::log_format::AccessFast::default())
                    .with_writer(out.clone()),
            )
            .try_init()
    };
    out
}

/// A database URL with any password replaced, for logs.
fn redact_url(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut u) if u.password().is_some() => {
            let _ = u.set_password(Some("[redacted]"));
            u.to_string()
        }
        _ => url.to_owned(),
    }
}

fn read_password() -> anyhow::Result<SecretString> {
    let mut text = String::new();
    std::io::stdin()
        .read_to_string(&mut text)
        .context("reading the password from standard input")?;
    // One trailing newline (from `echo`) is not part of the password.
    let text = text
        .strip_suffix('\n')
        .map(|t| t.strip_suffix('\r').unwrap_or(t))
        .unwrap_or(&text);
    Ok(SecretString::from(text.to_owned()))
}

fn admin_error(e: ServiceError) -> anyhow::Error {
    anyhow::anyhow!("{e}")
}

fn say(cli: &Cli, text: &str, value: serde_json::Value) {
    if cli.json {
        println!("{value}");
    } else {
        println!("{text}");
    }
}

fn user_json(u: &User) -> serde_json::Value {
    json!({
        "id": u.id.0,
        "login": u.login,
        "email": u.email,
        "name": u.name,
        "two_factor_authentication": u.two_factor_enabled(),
        "created_at": grantd_http::views::timestamp(u.created_at),
    })
}

fn app_json(a: &App) -> serde_json::Value {
    json!({
        "client_id": a.client_id.0,
        "name": a.name,
        "url": a.url,
        "callback_url": a.callback_url,
        "created_at": grantd_http::views::timestamp(a.created_at),
    })
}

async fn user(cli: &Cli, cmd: &UserCommand) -> anyhow::Result<()> {
    let services = admin_services(cli).await?;
    match cmd {
        UserCommand::Add {
            login,
            password_stdin,
            email,
            name,
        } => {
            if !password_stdin {
                bail!("pass the password on standard input with --password-stdin");
            }
            let password = read_password()?;
            let user = services
                .add_user(login, password, email.clone(), name.clone())
                .await
                .map_err(admin_error)?;
            say(
                cli,
                &format!("created user {} (id {})", user.login, user.id),
                user_json(&user),
            );
        }
        UserCommand::List => {
            let users = services.list_users().await.map_err(admin_error)?;
            if cli.json {
                println!("{}", serde_json::Value::Array(users.iter().map(user_json).collect()));
            } else {
                for u in &users {
                    let tfa = if u.two_factor_enabled() { "2fa" } else { "-" };
                    println!("{}\t{}\t{}\t{}", u.id, u.login, u.email.as_deref().unwrap_or("-"), tfa);
                }
            }
        }
        UserCommand::Passwd { login, password_stdin } => {
            if !password_stdin {
                bail!("pass the password on standard input with --password-stdin");
            }
            let password = read_password()?;
            let user = services.set_password(login, password).await.map_err(admin_error)?;
            say(
                cli,
                &format!("changed the password of {}", user.login),
                json!({"login": user.login}),
            );
        }
        UserCommand::Remove { login } => {
            let user = services.remove_user(login).await.map_err(admin_error)?;
            say(
                cli,
                &format!("removed user {} with all their tokens", user.login),
                json!({"login": user.login, "removed": true}),
            );
        }
        UserCommand::TwoFactor(TwoFactorCommand::Enable { login }) => {
            let enabled = services.enable_two_factor(login).await.map_err(admin_error)?;
            let secret = enabled.secret.to_base32();
            say(
                cli,
                &format!(
                    "two-factor authentication is on for {login}\nsecret:      {secret}\notpauth URL: {}",
                    enabled.otpauth_url
                ),
                json!({"secret": secret, "otpauth_url": enabled.otpauth_url}),
            );
        }
        UserCommand::TwoFactor(TwoFactorCommand::Disable { login }) => {
            let user = services.disable_two_factor(login).await.map_err(admin_error)?;
            say(
                cli,
                &format!("two-factor authentication is off for {}", user.login),
                json!({"login": user.login, "two_factor_authentication": false}),
            );
        }
    }
    Ok(())
}

async fn app(cli: &Cli, cmd: &AppCommand) -> anyhow::Result<()> {
    let services = admin_services(cli).await?;
    match cmd {
        AppCommand::Add {
            name,
            url,
            callback_url,
        } => {
            let (app, secret) = services
                .add_app(name, url, callback_url.as_deref())
                .await
                .map_err(admin_error)?;
            say(
                cli,
                &format!(
                    "created app {}\nclient_id:     {}\nclient_secret: {}\n(the secret is shown only now)",
                    app.name,
                    app.client_id,
                    secret.expose()
                ),
                json!({"client_id": app.client_id.0, "client_secret": secret.expose()}),
            );
        }
        AppCommand::List => {
            let apps = services.list_apps().await.map_err(admin_error)?;
            if cli.json {
                println!("{}", serde_json::Value::Array(apps.iter().map(app_json).collect()));
            } else {
                for a in &apps {
                    println!("{}\t{}\t{}", a.client_id, a.name, a.url);
                }
            }
        }
        AppCommand::Remove { client_id } => {
            let app = services.remove_app(client_id).await.map_err(admin_error)?;
            say(
                cli,
                &format!("removed app {} ({}) with all its tokens", app.name, app.client_id),
                json!({"client_id": app.client_id.0, "removed": true}),
            );
        }
        AppCommand::ResetSecret { client_id } => {
            let (app, secret) = services.reset_app_secret(client_id).await.map_err(admin_error)?;
            say(
                cli,
                &format!(
                    "new client_secret for {}: {}\n(the old secret no longer works)",
                    app.client_id,
                    secret.expose()
                ),
                json!({"client_id": app.client_id.0, "client_secret": secret.expose()}),
            );
        }
    }
    Ok(())
}
