//! The state every handler shares: the services, the HTTP configuration and the rate limiter.

use crate::client_ip::TrustedProxies;
use crate::middleware::rate_limit::{RateLimiter, RateLimits};
use crate::urls::ENTERPRISE_PREFIX;
use crate::views::Bases;
use grantd_core::service::Services;
use std::sync::Arc;
use std::time::Duration;

/// HTTP settings.
#[derive(Debug, Clone)]
pub struct HttpConfig {
    /// The externally visible base URL, without trailing slash (e.g. `https://git.example.com`).
    pub public_url: String,
    /// How long a request may take before it is answered with 503.
    pub request_timeout: Duration,
    /// Largest request body accepted.
    pub max_body_bytes: usize,
    /// Rate limits.
    pub rate_limits: RateLimits,
    /// Proxies whose `X-Forwarded-For` names the client (none by default).
    pub trusted_proxies: TrustedProxies,
    /// `POST /credentials/revoke` calls per hour per client address (`0`: no limit); GitHub's 60
    /// by default, whatever the API's own rate limits.
    pub credentials_revoke_limit: u32,
    /// Whether `GET /metrics` is served on the main listener (else on one of its own only).
    pub metrics_on_main: bool,
}

impl HttpConfig {
    /// Settings with defaults for everything but the public URL.
    pub fn new(public_url: &str) -> Self {
        Self {
            public_url: public_url.trim_end_matches('/').to_owned(),
            request_timeout: Duration::from_secs(30),
            max_body_bytes: 1024 * 1024,
            rate_limits: RateLimits::default(),
            trusted_proxies: TrustedProxies::default(),
            credentials_revoke_limit: 60,
            metrics_on_main: true,
        }
    }
}

/// Shared state.
#[derive(Debug, Clone)]
pub struct AppState(Arc<Inner>);

#[derive(Debug)]
struct Inner {
    services: Services,
    config: HttpConfig,
    limiter: RateLimiter,
    /// `POST /credentials/revoke`'s own limit, per client address.
    revoke_limiter: RateLimiter,
    /// The base URLs of the github.com layout and of the Enterprise layout.
    bases: [Bases; 2],
}

impl AppState {
    /// Builds the state.
    pub fn new(services: Services, config: HttpConfig) -> Self {
        let limiter = RateLimiter::new(config.rate_limits);
        let revoke_limiter = RateLimiter::new(RateLimits {
            authenticated: 0,
            anonymous: config.credentials_revoke_limit,
        });
        let site: Arc<str> = Arc::from(config.public_url.as_str());
        let bases = [
            Bases {
                api: site.clone(),
                site: site.clone(),
            },
            Bases {
                api: Arc::from(format!("{site}{ENTERPRISE_PREFIX}")),
                site,
            },
        ];
        Self(Arc::new(Inner {
            services,
            config,
            limiter,
            revoke_limiter,
            bases,
        }))
    }

    /// The services.
    pub fn services(&self) -> &Services {
        &self.0.services
    }

    /// The configuration.
    pub fn config(&self) -> &HttpConfig {
        &self.0.config
    }

    /// The base URLs of a request on the Enterprise layout or not (BEHAVIOR 2, 86).
    pub fn bases(&self, enterprise: bool) -> &Bases {
        &self.0.bases[usize::from(enterprise)]
    }

    /// The rate limiter.
    pub fn limiter(&self) -> &RateLimiter {
        &self.0.limiter
    }

    /// `POST /credentials/revoke`'s limiter (its calls are counted by client address only).
    pub fn revoke_limiter(&self) -> &RateLimiter {
        &self.0.revoke_limiter
    }
}
