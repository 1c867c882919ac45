//! The command line as one documented configuration: clap structs for `grantd serve`,
//! `grantd migrate`, `grantd copy` and the administration of users and apps (each command's code
//! is in [`crate::commands`]). Every flag can also be set with a `GRANTD_*` environment variable.

use crate::server;
use clap::{Args, Parser, Subcommand};
use std::net::SocketAddr;
use std::path::PathBuf;
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
    Serve(Box<ServeArgs>),
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
    /// Serve `GET /metrics` on this address only (default: on --listen, beside the API).
    #[arg(long, env = "GRANTD_METRICS_LISTEN")]
    pub metrics_listen: Option<SocketAddr>,
    /// Longest time a request may take (e.g. `30s`).
    #[arg(long, env = "GRANTD_REQUEST_TIMEOUT", default_value = "30s", value_parser = humantime::parse_duration)]
    pub request_timeout: Duration,
    /// Longest a connection may go without a request: to send a request's headers from
    /// connecting or after the last answer (slow or idle clients are disconnected).
    #[arg(long, env = "GRANTD_HEADER_READ_TIMEOUT", default_value = "10s", value_parser = humantime::parse_duration)]
    pub header_read_timeout: Duration,
    /// Serve HTTP/2 with prior knowledge (in clear text) besides HTTP/1.1.
    #[arg(long, env = "GRANTD_HTTP2")]
    pub http2: bool,
    /// Most connections open at once; more are closed at once (default: half the file
    /// descriptor limit, at most 16384).
    #[arg(long, env = "GRANTD_MAX_CONNECTIONS", value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..))]
    pub max_connections: Option<usize>,
    /// Most connections open at once from one IP address (IPv6: one /64); 0 turns the limit off.
    #[arg(long, env = "GRANTD_MAX_CONNECTIONS_PER_IP", default_value_t = server::DEFAULT_MAX_PER_IP)]
    pub max_connections_per_ip: usize,
    /// Largest request body in bytes.
    #[arg(long, env = "GRANTD_MAX_BODY_BYTES", default_value_t = 1024 * 1024)]
    pub max_body_bytes: usize,
    /// Requests per hour for each authenticated user or app: `github` for GitHub.com's limits
    /// (5000, and 60 without valid credentials), a number, or `0`: off, the default (as on
    /// GitHub Enterprise Server).
    #[arg(long, env = "GRANTD_RATE_LIMIT", value_name = "github|N", default_value = "0")]
    pub rate_limit: RateLimitSetting,
    /// Requests per hour for each IP address without valid credentials; 0 turns it off
    /// (default: 60 with `--rate-limit github`, off otherwise).
    #[arg(long, env = "GRANTD_RATE_LIMIT_ANONYMOUS")]
    pub rate_limit_anonymous: Option<u32>,
    /// `POST /credentials/revoke` calls per hour per client address; 0 = no limit.
    #[arg(long, env = "GRANTD_CREDENTIALS_REVOKE_LIMIT", default_value_t = 60)]
    pub credentials_revoke_limit: u32,
    /// Proxies in front of grantd (networks in CIDR notation or addresses, comma-separated): for
    /// a request from one of them, the client is the right-most `X-Forwarded-For` hop that is not
    /// itself a trusted proxy. Without this, `X-Forwarded-For` is ignored.
    #[arg(
        long,
        env = "GRANTD_TRUSTED_PROXY",
        value_name = "CIDR",
        num_args = 1..,
        value_delimiter = ',',
        value_parser = grantd_http::client_ip::parse_network
    )]
    pub trusted_proxy: Vec<ipnet::IpNet>,
    /// Lifetime of new tokens (e.g. `90d`); tokens never expire when unset, as on GitHub.
    #[arg(long, env = "GRANTD_TOKEN_LIFETIME", value_parser = humantime::parse_duration)]
    pub token_lifetime: Option<Duration>,
    /// Extra scope names to accept besides GitHub Enterprise's (comma-separated).
    #[arg(long, env = "GRANTD_EXTRA_SCOPES", value_delimiter = ',')]
    pub extra_scopes: Vec<String>,
    /// Failed logins within 15 minutes that lock a user out for 15 minutes.
    #[arg(long, env = "GRANTD_LOCKOUT_THRESHOLD", default_value_t = 10)]
    pub lockout_threshold: i64,
    /// Failed password logins (wrong password or code, unknown login) per client IP address
    /// (IPv6: per /64) and hour, counted in this process; beyond them the address's password
    /// logins are refused without checking the password. 0 turns it off.
    #[arg(long, env = "GRANTD_FAILED_AUTH_LIMIT", default_value_t = grantd_core::service::FailedAuthPolicy::default().limit)]
    pub failed_auth_limit: u32,
    /// A browser session unused this long is over (e.g. `8h`).
    #[arg(long, env = "GRANTD_SESSION_IDLE_TIMEOUT", default_value = "24h", value_parser = humantime::parse_duration)]
    pub session_idle_timeout: Duration,
    /// A browser session is over this long after sign-in, however much it is used.
    #[arg(long, env = "GRANTD_SESSION_LIFETIME", default_value = "14d", value_parser = humantime::parse_duration)]
    pub session_lifetime: Duration,
    /// Password hashes computed at once (default: the number of CPUs).
    #[arg(long, env = "GRANTD_PASSWORD_CONCURRENCY")]
    pub password_concurrency: Option<usize>,
    /// A TOML file of users, apps and personal access tokens to create or update at start (for
    /// client libraries' test suites; see the README's "Fixtures for client test suites").
    #[arg(long, env = "GRANTD_FIXTURES", value_name = "FILE")]
    pub fixtures: Option<std::path::PathBuf>,
    /// Stop the server's clock at this time (RFC 3339, e.g. `2030-01-01T00:00:00Z`) so
    /// time-dependent answers repeat; only with --fixtures.
    #[arg(long, env = "GRANTD_FROZEN_CLOCK", value_name = "TIME", requires = "fixtures", value_parser = parse_rfc3339)]
    pub frozen_clock: Option<time::OffsetDateTime>,
    /// Log format.
    #[arg(long, env = "GRANTD_LOG_FORMAT", default_value = "text", value_parser = ["text", "json"])]
    pub log_format: String,
}

/// `--rate-limit`: GitHub.com's limits by name, or requests per hour (`0`: off).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RateLimitSetting {
    /// GitHub.com's primary limits ([`grantd_http::RateLimits::GITHUB`]).
    Github,
    /// This many requests per hour for an authenticated user or app; `0` is off.
    PerHour(u32),
}

impl RateLimitSetting {
    /// The limits to serve with, `anonymous` being `--rate-limit-anonymous`: when unset,
    /// GitHub.com's with `github` and off otherwise (a number names one limit, not a mode).
    pub fn limits(self, anonymous: Option<u32>) -> grantd_http::RateLimits {
        let (authenticated, default_anonymous) = match self {
            Self::Github => (
                grantd_http::RateLimits::GITHUB.authenticated,
                grantd_http::RateLimits::GITHUB.anonymous,
            ),
            Self::PerHour(n) => (n, 0),
        };
        grantd_http::RateLimits {
            authenticated,
            anonymous: anonymous.unwrap_or(default_anonymous),
        }
    }
}

impl std::str::FromStr for RateLimitSetting {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if s.eq_ignore_ascii_case("github") {
            return Ok(Self::Github);
        }
        s.parse()
            .map(Self::PerHour)
            .map_err(|_| format!("`{s}` is neither `github` nor a number of requests per hour"))
    }
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
        /// The e-mail address is verified (`GET /user/emails` says so); unverified otherwise.
        #[arg(long, requires = "email")]
        email_verified: bool,
        /// Display name.
        #[arg(long)]
        name: Option<String>,
    },
    /// List users.
    List,
    /// Set, mark or remove a user's e-mail address. A new address is unverified unless
    /// `--verified` is given; without an address, `--verified` or `--unverified` marks the
    /// current one.
    Email {
        /// Login name.
        login: String,
        /// The new address.
        #[arg(required_unless_present_any = ["verified", "unverified", "remove"], conflicts_with = "remove")]
        email: Option<String>,
        /// The address is verified.
        #[arg(long, conflicts_with_all = ["unverified", "remove"])]
        verified: bool,
        /// The address is not verified.
        #[arg(long, conflicts_with = "remove")]
        unverified: bool,
        /// Remove the address.
        #[arg(long)]
        remove: bool,
    },
    /// Lift a user's lock-out after failed logins and forget the failures counted.
    Unlock {
        /// Login name.
        login: String,
    },
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
        /// A callback URL; repeat for several, the first is the default redirect.
        #[arg(long = "callback-url", value_name = "URL")]
        callback_urls: Vec<String>,
        /// Keep this client id (an app moving from another server, or a public client such as
        /// gh's) instead of making a new one; needs `--client-secret-stdin`.
        #[arg(long, requires = "client_secret_stdin")]
        client_id: Option<String>,
        /// Read the app's existing client secret from standard input (with `--client-id`).
        #[arg(long, requires = "client_id")]
        client_secret_stdin: bool,
    },
    /// Change an app's name, home page or callback URLs.
    Update {
        /// The app's client id.
        client_id: String,
        /// New name.
        #[arg(long)]
        name: Option<String>,
        /// New home page.
        #[arg(long)]
        url: Option<String>,
        /// The callback URLs, replacing all of them (repeat for several; `--callback-url ''`
        /// removes them all).
        #[arg(long = "callback-url", value_name = "URL")]
        callback_urls: Option<Vec<String>>,
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

/// An RFC 3339 time (`--frozen-clock`).
fn parse_rfc3339(s: &str) -> Result<time::OffsetDateTime, String> {
    time::OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339)
        .map_err(|e| format!("not an RFC 3339 time such as 2030-01-01T00:00:00Z: {e}"))
}

/// Runs the command line.
pub async fn run(cli: Cli) -> anyhow::Result<()> {
    use crate::commands;
    if !matches!(cli.command, Command::Serve(_)) {
        crate::logging::init_for_command();
    }
    match &cli.command {
        Command::Serve(args) => commands::serve::run(&cli, args).await,
        Command::Migrate => commands::migrate::run(&cli).await,
        Command::User(cmd) => commands::user::run(&cli, cmd).await,
        Command::App(cmd) => commands::app::run(&cli, cmd).await,
        Command::Copy { to } => commands::copy::run(&cli, to).await,
    }
}

#[cfg(test)]
mod tests {
    use super::RateLimitSetting;
    use grantd_http::RateLimits;

    #[test]
    fn rate_limit_takes_github_or_a_number() {
        let parse = |s: &str| s.parse::<RateLimitSetting>();
        assert_eq!(parse("github").map(|r| r.limits(None)), Ok(RateLimits::GITHUB));
        assert_eq!(
            parse("GitHub").map(|r| r.limits(Some(0))),
            Ok(RateLimits {
                authenticated: 5000,
                anonymous: 0
            })
        );
        assert_eq!(parse("0").map(|r| r.limits(None)), Ok(RateLimits::default()));
        assert_eq!(
            parse("7").map(|r| r.limits(Some(3))),
            Ok(RateLimits {
                authenticated: 7,
                anonymous: 3
            })
        );
        assert!(parse("github.com").is_err() && parse("-1").is_err() && parse("").is_err());
    }
}
