//! `/applications/grants`: the OAuth apps a user has authorised (BEHAVIOR section F).

use super::{list_response, no_content, parse_id, CurrentUser, PathParams};
use crate::error::ApiError;
use crate::pagination::{page_request, query_param};
use crate::respond::json_response;
use crate::state::AppState;
use crate::views::{Bases, GrantView};
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::Extension;
use grantd_core::model::GrantId;

/// `GET /applications/grants` (BEHAVIOR 49).
pub async fn list(
    State(state): State<AppState>,
    CurrentUser(auth): CurrentUser,
    Extension(bases): Extension<Bases>,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    let page = page_request(query.as_deref());
    let client_id = query_param(query.as_deref(), "client_id");
    let found = state
        .services()
        .list_grants(&auth.user, client_id.as_deref(), page)
        .await?;
    let views: Vec<_> = found.items.iter().map(|g| GrantView::new(g, &bases)).collect();
    Ok(list_response(
        &views,
        &format!("{}/applications/grants", bases.api),
        query.as_deref(),
        page,
        found.total,
    ))
}

/// `GET /applications/grants/{grant_id}`.
pub async fn get(
    State(state): State<AppState>,
    CurrentUser(auth): CurrentUser,
    Extension(bases): Extension<Bases>,
    PathParams(id): PathParams<String>,
) -> Result<Response, ApiError> {
    let grant = state.services().grant(&auth.user, GrantId(parse_id(&id)?)).await?;
    Ok(json_response(StatusCode::OK, &GrantView::new(&grant, &bases)))
}

/// `DELETE /applications/grants/{grant_id}`: the grant and all its tokens (BEHAVIOR 48).
pub async fn delete(
    State(state): State<AppState>,
    CurrentUser(auth): CurrentUser,
    PathParams(id): PathParams<String>,
) -> Result<Response, ApiError> {
    state
        .services()
        .delete_grant(&auth.user, GrantId(parse_id(&id)?))
        .await?;
    Ok(no_content())
}
