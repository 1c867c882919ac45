//! Health and readiness for load balancers and orchestrators: `GET /healthz` says the process
//! answers (200 `{"status":"ok"}`, no database access), `GET /readyz` says the database answers
//! too (200, or 503 when it does not).
//!
//! They are grantd's, not GitHub's: served beside the API like the pages ([`crate::web::Split`]
//! sends them here), so none of the API's steps apply — no authentication, no rate limit, no
//! CORS, no GitHub headers — and they are not in the API's OpenAPI description. Both paths are
//! outside the API's URL space in both layouts (`/api/v3/healthz` stays the API's 404).

use crate::state::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use serde_json::json;

/// The liveness path.
pub const HEALTHZ: &str = "/healthz";
/// The readiness path.
pub const READYZ: &str = "/readyz";

/// Whether `path` is one of these two.
pub fn serves(path: &str) -> bool {
    path == HEALTHZ || path == READYZ
}

/// The two routes.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route(HEALTHZ, get(healthz))
        .route(READYZ, get(readyz))
        .with_state(state)
}

/// The process is alive: it answers without touching the database.
async fn healthz() -> Response {
    answer(StatusCode::OK, "ok")
}

/// The database answers a query; a probe sees 503 (and the log says why) while it does not.
async fn readyz(State(state): State<AppState>) -> Response {
    match state.services().ping_store().await {
        Ok(()) => answer(StatusCode::OK, "ok"),
        Err(e) => {
            tracing::warn!(error = %e, "readiness: the database does not answer");
            answer(StatusCode::SERVICE_UNAVAILABLE, "unavailable")
        }
    }
}

fn answer(status: StatusCode, word: &str) -> Response {
    use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE};
    // Never cached by a proxy between the probe and grantd.
    let headers = [
        (CONTENT_TYPE, "application/json; charset=utf-8"),
        (CACHE_CONTROL, "no-store"),
    ];
    (status, headers, json!({ "status": word }).to_string()).into_response()
}

#[cfg(test)]
mod tests {
    use super::serves;

    #[test]
    fn only_the_two_paths_are_health_paths() {
        assert!(serves("/healthz") && serves("/readyz"));
        for other in ["/", "/healthz/", "/api/v3/healthz", "/readyz/x", "/health"] {
            assert!(!serves(other), "{other}");
        }
    }
}
