//! Step 8: the handler of the request's operation runs ([`crate::routes::call`]; none: 404,
//! BEHAVIOR 23), within the time limit (BEHAVIOR 30), a panic answered with a logged 500.
//!
//! A handler that writes runs as a task of its own: when the client goes away or the time limit
//! passes, the work already started (a database transaction above all) runs to its end instead
//! of being dropped half-way. A handler that only reads ([`crate::urls::Operation::read_only`])
//! has nothing to finish and runs in the request's own task, which spares a task and a wake-up
//! per request (a token check's most frequent path).

use crate::error::ApiError;
use crate::state::AppState;
use crate::urls::Endpoint;
use axum::extract::Request;
use axum::response::{IntoResponse, Response};
use std::future::Future;
use std::time::Duration;

/// Runs the handler of `endpoint` for `req`; see the module documentation.
pub async fn handler(endpoint: Option<Endpoint>, req: Request, state: AppState, read_only: bool) -> Response {
    let timeout = state.config().request_timeout;
    match endpoint {
        Some(endpoint) => within(crate::routes::call(endpoint, req, state), timeout, read_only).await,
        None => ApiError::NotFound.into_response(),
    }
}

/// Runs `handler` within `timeout`, in this task when `inline`; a panic becomes a logged 500.
async fn within(handler: impl Future<Output = Response> + Send + 'static, timeout: Duration, inline: bool) -> Response {
    use futures_util::FutureExt as _;
    let panicked = |what: String| ApiError::internal(format!("request handler failed: {what}")).into_response();
    if inline {
        match tokio::time::timeout(timeout, std::panic::AssertUnwindSafe(handler).catch_unwind()).await {
            Ok(Ok(response)) => response,
            Ok(Err(panic)) => panicked(panic_message(panic.as_ref())),
            Err(_) => ApiError::Timeout.into_response(),
        }
    } else {
        match tokio::time::timeout(timeout, tokio::spawn(handler)).await {
            Ok(Ok(response)) => response,
            Ok(Err(e)) => panicked(e.to_string()),
            Err(_) => ApiError::Timeout.into_response(),
        }
    }
}

/// A panic's message, as tokio's `JoinError` shows it.
fn panic_message(panic: &(dyn std::any::Any + Send)) -> String {
    let text = panic
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| panic.downcast_ref::<String>().map(String::as_str))
        .unwrap_or("a panic");
    format!("panicked: {text}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::StatusCode;

    #[tokio::test]
    async fn handlers_that_panic_or_overrun_are_answered_either_way() {
        let short = Duration::from_millis(50);
        for inline in [true, false] {
            let ok = within(async { StatusCode::OK.into_response() }, short, inline).await;
            assert_eq!(ok.status(), StatusCode::OK);
            let failed = within(async { panic!("boom") }, short, inline).await;
            assert_eq!(failed.status(), StatusCode::INTERNAL_SERVER_ERROR, "inline: {inline}");
            let cause = failed
                .extensions()
                .get::<crate::error::InternalCause>()
                .expect("a cause to log");
            assert!(cause.to_string().contains("boom"), "{cause}");
            let slow = within(
                async {
                    tokio::time::sleep(Duration::from_secs(5)).await;
                    StatusCode::OK.into_response()
                },
                short,
                inline,
            )
            .await;
            assert_eq!(
                slow.status(),
                ApiError::Timeout.into_response().status(),
                "inline: {inline}"
            );
        }
    }
}
