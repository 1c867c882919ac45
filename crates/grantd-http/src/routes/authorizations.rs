//! `/authorizations`: a user's tokens, managed with login and password (BEHAVIOR section E).

use super::{list_response, no_content, parse_id, with_location, CurrentUser, PathParams};
use crate::body::JsonObject;
use crate::error::ApiError;
use crate::pagination::{page_request, query_param};
use crate::respond::{json_response, token_json_response};
use crate::state::AppState;
use crate::views::{AuthorizationView, Bases};
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::Extension;
use grantd_core::model::AuthorizationId;
use grantd_core::secret::ClientSecret;
use grantd_core::service::{CreateAuthorization, GetOrCreate, UpdateAuthorization};

/// `GET /authorizations` (BEHAVIOR 43).
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
        .list_authorizations(&auth.user, client_id.as_deref(), page)
        .await?;
    let views: Vec<_> = found
        .items
        .iter()
        .map(|a| AuthorizationView::new(a, &bases, None, None))
        .collect();
    Ok(list_response(
        &views,
        &format!("{}/authorizations", bases.api),
        query.as_deref(),
        page,
        found.total,
    ))
}

/// `POST /authorizations` (BEHAVIOR 35-38).
pub async fn create(
    State(state): State<AppState>,
    CurrentUser(auth): CurrentUser,
    Extension(bases): Extension<Bases>,
    body: JsonObject,
) -> Result<Response, ApiError> {
    let req = CreateAuthorization {
        scopes: body.string_list("scopes")?.unwrap_or_default(),
        note: body.string("note")?,
        note_url: body.string("note_url")?,
        client_id: body.string("client_id")?,
        client_secret: body.string("client_secret")?.map(|s| ClientSecret::from_client(&s)),
        fingerprint: body.string("fingerprint")?,
    };
    let (authorization, token) = state.services().create_authorization(&auth.user, req).await?;
    let view = AuthorizationView::new(&authorization, &bases, Some(token.expose()), None);
    Ok(with_location(
        token_json_response(StatusCode::CREATED, &view),
        &view.url(),
    ))
}

/// `PUT /authorizations/clients/{client_id}` (BEHAVIOR 39).
pub async fn get_or_create(
    State(state): State<AppState>,
    CurrentUser(auth): CurrentUser,
    Extension(bases): Extension<Bases>,
    PathParams(client_id): PathParams<String>,
    body: JsonObject,
) -> Result<Response, ApiError> {
    let fingerprint = body.string("fingerprint")?;
    get_or_create_with(state, auth, bases, client_id, fingerprint, body).await
}

/// `PUT /authorizations/clients/{client_id}/{fingerprint}` (BEHAVIOR 39).
pub async fn get_or_create_with_fingerprint(
    State(state): State<AppState>,
    CurrentUser(auth): CurrentUser,
    Extension(bases): Extension<Bases>,
    PathParams((client_id, fingerprint)): PathParams<(String, String)>,
    body: JsonObject,
) -> Result<Response, ApiError> {
    get_or_create_with(state, auth, bases, client_id, Some(fingerprint), body).await
}

async fn get_or_create_with(
    state: AppState,
    auth: crate::identity::AuthUser,
    bases: Bases,
    client_id: String,
    fingerprint: Option<String>,
    body: JsonObject,
) -> Result<Response, ApiError> {
    let req = GetOrCreate {
        client_id,
        client_secret: body.string("client_secret")?.map(|s| ClientSecret::from_client(&s)),
        fingerprint,
        scopes: body.string_list("scopes")?.unwrap_or_default(),
        note: body.string("note")?,
        note_url: body.string("note_url")?,
    };
    let (authorization, token) = state.services().get_or_create_authorization(&auth.user, req).await?;
    let status = if token.is_some() {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    let view = AuthorizationView::new(&authorization, &bases, token.as_ref().map(|t| t.expose()), None);
    let response = if token.is_some() {
        token_json_response(status, &view)
    } else {
        json_response(status, &view)
    };
    Ok(with_location(response, &view.url()))
}

/// `GET /authorizations/{authorization_id}`.
pub async fn get(
    State(state): State<AppState>,
    CurrentUser(auth): CurrentUser,
    Extension(bases): Extension<Bases>,
    PathParams(id): PathParams<String>,
) -> Result<Response, ApiError> {
    let authorization = state
        .services()
        .authorization(&auth.user, AuthorizationId(parse_id(&id)?))
        .await?;
    Ok(json_response(
        StatusCode::OK,
        &AuthorizationView::new(&authorization, &bases, None, None),
    ))
}

/// `PATCH /authorizations/{authorization_id}`, and `POST` as its alias (BEHAVIOR 40, 41).
pub async fn update(
    State(state): State<AppState>,
    CurrentUser(auth): CurrentUser,
    Extension(bases): Extension<Bases>,
    PathParams(id): PathParams<String>,
    body: JsonObject,
) -> Result<Response, ApiError> {
    let id = AuthorizationId(parse_id(&id)?);
    // github3.py sends `rm_scopes` for removals (BEHAVIOR 82).
    let remove_scopes = match body.string_list("remove_scopes")? {
        Some(list) => Some(list),
        None => body.string_list("rm_scopes")?,
    };
    let req = UpdateAuthorization {
        scopes: body.string_list("scopes")?,
        add_scopes: body.string_list("add_scopes")?,
        remove_scopes,
        note: body.string("note")?,
        note_url: body.string("note_url")?,
        fingerprint: body.string("fingerprint")?,
    };
    let authorization = state.services().update_authorization(&auth.user, id, req).await?;
    Ok(json_response(
        StatusCode::OK,
        &AuthorizationView::new(&authorization, &bases, None, None),
    ))
}

/// `DELETE /authorizations/{authorization_id}` (BEHAVIOR 42).
pub async fn delete(
    State(state): State<AppState>,
    CurrentUser(auth): CurrentUser,
    PathParams(id): PathParams<String>,
) -> Result<Response, ApiError> {
    state
        .services()
        .delete_authorization(&auth.user, AuthorizationId(parse_id(&id)?))
        .await?;
    Ok(no_content())
}
