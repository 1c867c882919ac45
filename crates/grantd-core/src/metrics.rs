//! The metric families the services record, in one registry ([`registry`]) that the HTTP layer
//! renders in Prometheus' text format (and adds its own families to).
//!
//! Every family is made, and each of its fixed label values resolved, once ([`families`]):
//! recording is then one atomic addition, with no label lookup, so a token check pays nothing
//! measurable for it. Resolving every label value up front also shows each series at 0 from the
//! first scrape, so a rate over it is defined before the first event.

use prometheus::{IntCounter, IntCounterVec, IntGauge, IntGaugeVec, Opts, Registry};
use std::sync::LazyLock;

/// The registry of grantd's metrics.
pub fn registry() -> &'static Registry {
    &families().registry
}

/// The families, made and registered on first use.
pub fn families() -> &'static Families {
    static FAMILIES: LazyLock<Families> = LazyLock::new(Families::new);
    &FAMILIES
}

/// The services' metric families.
#[derive(Debug)]
pub struct Families {
    registry: Registry,
    /// `grantd_token_checks_total{outcome}`: token checks by an app (`POST
    /// /applications/{client_id}/token`).
    pub token_checks: TokenChecks,
    /// `grantd_token_authentications_total{outcome}`: requests authenticated with a token.
    pub token_authentications: Outcomes2,
    /// `grantd_password_logins_total{outcome}`: password logins, by Basic authentication and by
    /// the sign-in page alike (one check, one lock-out), and the sign-in page's two-factor codes.
    pub logins: Logins,
    /// `grantd_lockouts_total`: users (or unknown logins) locked out by failed logins.
    pub lockouts: IntCounter,
    /// `grantd_password_hashes{state="waiting"|"running"}`: password hashes queued and running.
    pub hashes_waiting: IntGauge,
    /// See [`Self::hashes_waiting`].
    pub hashes_running: IntGauge,
    /// `grantd_db_pool_connections{state="in_use"|"idle"}`, read when scraped.
    pub pool_in_use: IntGauge,
    /// See [`Self::pool_in_use`].
    pub pool_idle: IntGauge,
    /// `grantd_purged_total{what="sessions"|"codes"}`: rows deleted because they were over.
    pub sessions_purged: IntCounter,
    /// See [`Self::sessions_purged`].
    pub codes_purged: IntCounter,
}

/// The outcomes of an app's token check.
#[derive(Debug)]
pub struct TokenChecks {
    /// The token is the app's and live (200).
    pub valid: IntCounter,
    /// The app's credentials hold, the token is not one of its live ones (404).
    pub unknown: IntCounter,
    /// The app's credentials did not hold (or the check failed).
    pub refused: IntCounter,
}

/// A success and a failure.
#[derive(Debug)]
pub struct Outcomes2 {
    /// Succeeded.
    pub success: IntCounter,
    /// Failed.
    pub failure: IntCounter,
}

/// The outcomes of a password login, as the lock-out counts them.
#[derive(Debug)]
pub struct Logins {
    /// Password (and code, when asked) right.
    pub success: IntCounter,
    /// The password was wrong.
    pub wrong_password: IntCounter,
    /// The password was right, the two-factor code wrong.
    pub wrong_code: IntCounter,
    /// No user has the login.
    pub unknown_login: IntCounter,
    /// The user is locked out.
    pub locked: IntCounter,
    /// The client's address is over its failed-authentication budget.
    pub over_budget: IntCounter,
}

impl Families {
    fn new() -> Self {
        let registry = Registry::new();
        let token_checks = counters(
            &registry,
            "grantd_token_checks_total",
            "Token checks by an app, by outcome.",
            "outcome",
        );
        let token_authentications = counters(
            &registry,
            "grantd_token_authentications_total",
            "Requests authenticated with a token, by outcome.",
            "outcome",
        );
        let logins = counters(
            &registry,
            "grantd_password_logins_total",
            "Password logins (Basic authentication and the sign-in page) and two-factor codes, by outcome.",
            "outcome",
        );
        let hashes = gauges(
            &registry,
            "grantd_password_hashes",
            "Password hashes waiting for a slot and running.",
            "state",
        );
        let pool = gauges(
            &registry,
            "grantd_db_pool_connections",
            "The database pool's connections in use and idle, when scraped.",
            "state",
        );
        let purged = counters(
            &registry,
            "grantd_purged_total",
            "Sessions and authorization codes deleted because they were over.",
            "what",
        );
        let lockouts = IntCounter::new(
            "grantd_lockouts_total",
            "Users (and unknown logins) locked out after failed logins.",
        )
        .expect("a valid metric name");
        registry.register(Box::new(lockouts.clone())).expect("registered once");
        Self {
            registry,
            token_checks: TokenChecks {
                valid: token_checks.with_label_values(&["valid"]),
                unknown: token_checks.with_label_values(&["unknown"]),
                refused: token_checks.with_label_values(&["refused"]),
            },
            token_authentications: Outcomes2 {
                success: token_authentications.with_label_values(&["success"]),
                failure: token_authentications.with_label_values(&["failure"]),
            },
            logins: Logins {
                success: logins.with_label_values(&["success"]),
                wrong_password: logins.with_label_values(&["wrong_password"]),
                wrong_code: logins.with_label_values(&["wrong_code"]),
                unknown_login: logins.with_label_values(&["unknown_login"]),
                locked: logins.with_label_values(&["locked"]),
                over_budget: logins.with_label_values(&["over_budget"]),
            },
            lockouts,
            hashes_waiting: hashes.with_label_values(&["waiting"]),
            hashes_running: hashes.with_label_values(&["running"]),
            pool_in_use: pool.with_label_values(&["in_use"]),
            pool_idle: pool.with_label_values(&["idle"]),
            sessions_purged: purged.with_label_values(&["sessions"]),
            codes_purged: purged.with_label_values(&["codes"]),
        }
    }
}

// The names and help texts are constants of this module, valid and registered once (a test
// makes every family), so these cannot fail.
fn counters(registry: &Registry, name: &str, help: &str, label: &str) -> IntCounterVec {
    let family = IntCounterVec::new(Opts::new(name, help), &[label]).expect("a valid metric name");
    registry.register(Box::new(family.clone())).expect("registered once");
    family
}

fn gauges(registry: &Registry, name: &str, help: &str, label: &str) -> IntGaugeVec {
    let family = IntGaugeVec::new(Opts::new(name, help), &[label]).expect("a valid metric name");
    registry.register(Box::new(family.clone())).expect("registered once");
    family
}

/// Adds one to `gauge` until dropped (so a cancelled future still takes its count back).
#[derive(Debug)]
pub struct GaugeGuard(&'static IntGauge);

impl GaugeGuard {
    /// Counts one in `gauge`.
    pub fn enter(gauge: &'static IntGauge) -> Self {
        gauge.inc();
        Self(gauge)
    }
}

impl Drop for GaugeGuard {
    fn drop(&mut self) {
        self.0.dec();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_family_is_made_and_named_grantd() {
        let names: Vec<String> = registry().gather().iter().map(|f| f.name().to_owned()).collect();
        for name in [
            "grantd_token_checks_total",
            "grantd_token_authentications_total",
            "grantd_password_logins_total",
            "grantd_lockouts_total",
            "grantd_password_hashes",
            "grantd_db_pool_connections",
            "grantd_purged_total",
        ] {
            assert!(names.iter().any(|n| n == name), "{name} in {names:?}");
        }
    }
}
