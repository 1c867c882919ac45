//! `grantd serve`: log, open the store, wire the services and serve HTTP until SIGINT or
//! SIGTERM.

use super::{db_options, master_key, redact_url};
use crate::cli::{Cli, ServeArgs};
use crate::{logging, server};
use anyhow::Context;
use grantd_core::clock::{Clock, ManualClock, SystemClock};
use grantd_core::model::ScopeRegistry;
use grantd_core::secret::PasswordPolicy;
use grantd_core::service::{FailedAuthPolicy, ServiceConfig};
use grantd_http::{AppState, HttpConfig, TrustedProxies};
use std::sync::Arc;

/// Runs `grantd serve`. Every line logged is written out before this returns.
pub async fn run(cli: &Cli, args: &ServeArgs) -> anyhow::Result<()> {
    let log = logging::init(&args.log_format);
    let result = serve(cli, args).await;
    drop(log);
    result
}

async fn serve(cli: &Cli, args: &ServeArgs) -> anyhow::Result<()> {
    let key = master_key(cli)?;
    let store = server::open_store(&cli.database_url, &db_options(cli)).await?;
    let config = ServiceConfig {
        scopes: ScopeRegistry::new(args.extra_scopes.iter().map(|s| s.trim().to_owned())),
        lockout: grantd_core::store::LockoutPolicy {
            max_failures: args.lockout_threshold.max(1),
            ..Default::default()
        },
        failed_auth: FailedAuthPolicy {
            limit: args.failed_auth_limit,
            ..FailedAuthPolicy::default()
        },
        token_lifetime: args.token_lifetime,
        sessions: grantd_core::service::SessionPolicy {
            idle: duration(args.session_idle_timeout),
            absolute: duration(args.session_lifetime),
            ..Default::default()
        },
        ..ServiceConfig::default()
    };
    let concurrency = args
        .password_concurrency
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get));
    // Fixtures mode may stop the clock (clap refuses --frozen-clock without --fixtures).
    let clock: Arc<dyn Clock> = match args.frozen_clock {
        Some(at) => Arc::new(ManualClock::at(at.unix_timestamp())),
        None => Arc::new(SystemClock),
    };
    let services = server::services(store, clock, key, config, PasswordPolicy::default(), concurrency)?;
    if let Some(path) = &args.fixtures {
        let applied = crate::fixtures::apply_file(&services, path).await?;
        tracing::info!(
            file = %path.display(),
            users = applied.users,
            apps = applied.apps,
            tokens = applied.tokens,
            frozen_clock = args.frozen_clock.is_some(),
            "fixtures applied"
        );
    }
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
        rate_limits: args.rate_limit.limits(args.rate_limit_anonymous),
        trusted_proxies: TrustedProxies::new(args.trusted_proxy.iter().copied()),
        credentials_revoke_limit: args.credentials_revoke_limit,
        metrics_on_main: args.metrics_listen.is_none(),
        ..HttpConfig::new(&public_url)
    };
    let state = AppState::new(services, http);
    if let Some(address) = args.metrics_listen {
        serve_metrics(address, state.clone()).await?;
    }
    tracing::info!(listen = %local, public_url = %public_url, database = %redact_url(&cli.database_url), "grantd is serving");
    let limits = server::ConnectionLimits {
        header_read_timeout: args.header_read_timeout,
        shutdown_grace: args.request_timeout,
        http2: args.http2,
        max_connections: args.max_connections.unwrap_or_else(server::default_max_connections),
        max_connections_per_ip: args.max_connections_per_ip,
    };
    server::serve(listener, state, limits, server::shutdown_signal()).await
}

/// Serves `GET /metrics` alone on `address`, in the background until the process ends: a
/// scraper's connection needs none of the main listener's caps, and an answer cut off by the
/// shutdown only costs one scrape.
async fn serve_metrics(address: std::net::SocketAddr, state: AppState) -> anyhow::Result<()> {
    let listener = tokio::net::TcpListener::bind(address)
        .await
        .with_context(|| format!("cannot listen for metrics on {address}"))?;
    tracing::info!(metrics_listen = %listener.local_addr()?, "metrics are served on their own listener");
    let app = grantd_http::metrics::router(state);
    tokio::spawn(async move {
        if let Err(e) = axum::serve(listener, app).await {
            tracing::error!(error = %crate::logging::ErrorChain(&e), "the metrics listener failed");
        }
    });
    Ok(())
}

/// A configured duration as the services count it (saturating: no configured duration is
/// anywhere near the bound).
fn duration(d: std::time::Duration) -> time::Duration {
    time::Duration::try_from(d).unwrap_or(time::Duration::MAX)
}
