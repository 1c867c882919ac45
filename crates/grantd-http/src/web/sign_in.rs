//! Signing in and out (FLOWS B): `GET /login` shows the form (GitHub's field names `login` and
//! `password`), `POST /session` checks it, a user with two-factor on gets the code's own page
//! (`GET`/`POST /sessions/two-factor`, field `app_otp`), and `POST /logout` ends the session.
//! Every attempt counts towards the same lock-out and per-address budget as Basic
//! authentication. Afterwards the browser goes to `return_to`, a path on this server only.

use super::cookies::Jar;
use super::page::{self, csrf_refused, render, see_other};
use super::{csrf, return_to};
use crate::client_ip::ClientIp;
use crate::state::AppState;
use askama::Template;
use axum::extract::{Query, State};
use axum::http::{Extensions, HeaderMap, StatusCode};
use axum::response::Response;
use axum::Form;
use grantd_core::model::{Source, User};
use grantd_core::service::{ServiceError, SignIn};
use secrecy::SecretString;
use serde::Deserialize;

/// The sign-in form.
#[derive(Template)]
#[template(path = "sign_in.html")]
struct SignInPage<'a> {
    csrf: &'a str,
    return_to: &'a str,
    login: &'a str,
    /// The app a sign-in on its behalf continues to, carried on when the form is sent back.
    client_id: Option<&'a str>,
    app_name: Option<&'a str>,
    error: Option<&'a str>,
}

/// The two-factor form.
#[derive(Template)]
#[template(path = "two_factor.html")]
struct TwoFactorPage<'a> {
    csrf: &'a str,
    return_to: &'a str,
    error: Option<&'a str>,
}

/// Where a signed-in browser without anywhere to go lands.
#[derive(Template)]
#[template(path = "signed_in.html")]
struct SignedInPage<'a> {
    csrf: &'a str,
    login: &'a str,
}

/// `GET /login`'s query.
#[derive(Debug, Default, Deserialize)]
pub struct SignInQuery {
    return_to: Option<String>,
    login: Option<String>,
    client_id: Option<String>,
}

/// `POST /session`'s form.
#[derive(Deserialize)]
pub struct SignInForm {
    #[serde(default)]
    authenticity_token: String,
    #[serde(default)]
    login: String,
    #[serde(default)]
    password: String,
    return_to: Option<String>,
    client_id: Option<String>,
}

/// The two-factor form.
#[derive(Deserialize)]
pub struct CodeForm {
    #[serde(default)]
    authenticity_token: String,
    #[serde(default)]
    app_otp: String,
    return_to: Option<String>,
}

/// A form with only its CSRF token (sign-out).
#[derive(Deserialize)]
pub struct TokenOnly {
    #[serde(default)]
    authenticity_token: String,
}

/// `return_to`'s query for the two-factor page.
#[derive(Debug, Default, Deserialize)]
pub struct ReturnTo {
    return_to: Option<String>,
}

fn jar(state: &AppState) -> Jar {
    Jar::for_public_url(&state.config().public_url)
}

/// The browser's signed-in user, if any.
pub async fn signed_in_user(state: &AppState, headers: &HeaderMap) -> Result<Option<User>, Response> {
    let Some(id) = jar(state).session(headers) else {
        return Ok(None);
    };
    match state.services().current_session(&id).await {
        Ok(current) => Ok(current.map(|c| c.user)),
        Err(e) => Err(failure(&e)),
    }
}

/// Renders `template` built with this browser's CSRF token, setting the token's cookie if new.
fn with_csrf(state: &AppState, headers: &HeaderMap, build: impl FnOnce(&str) -> Response) -> Response {
    let jar = jar(state);
    let (token, fresh) = csrf::token(jar, headers);
    let mut response = build(&token);
    if fresh {
        jar.set_csrf(response.headers_mut(), &token);
    }
    response
}

/// `GET /login`: the form, or straight on when already signed in.
pub async fn form(State(state): State<AppState>, headers: HeaderMap, Query(query): Query<SignInQuery>) -> Response {
    let to = return_to::sanitise(query.return_to.as_deref());
    match signed_in_user(&state, &headers).await {
        Err(answer) => return answer,
        Ok(Some(_)) if to != return_to::DEFAULT => return see_other(to),
        Ok(Some(user)) => {
            return with_csrf(&state, &headers, |csrf| {
                render(
                    StatusCode::OK,
                    &SignedInPage {
                        csrf,
                        login: &user.login,
                    },
                )
            })
        }
        Ok(None) => {}
    }
    let app_name = app_name(&state, query.client_id.as_deref()).await;
    with_csrf(&state, &headers, |csrf| {
        render(
            StatusCode::OK,
            &SignInPage {
                csrf,
                return_to: to,
                login: query.login.as_deref().unwrap_or(""),
                client_id: app_name.as_ref().and(query.client_id.as_deref()),
                app_name: app_name.as_deref(),
                error: None,
            },
        )
    })
}

/// The name of the app `client_id` names, if any (a page's context only: no error shown).
async fn app_name(state: &AppState, client_id: Option<&str>) -> Option<String> {
    let client_id = client_id?;
    state.services().app(client_id).await.ok().flatten().map(|app| app.name)
}

/// `POST /session`: checks the login and password.
pub async fn submit(
    State(state): State<AppState>,
    headers: HeaderMap,
    extensions: Extensions,
    Form(form): Form<SignInForm>,
) -> Response {
    let jar = jar(&state);
    if !csrf::verify(jar, &headers, &form.authenticity_token) {
        return csrf_refused();
    }
    let to = return_to::sanitise(form.return_to.as_deref()).to_owned();
    let source = Source::new(ClientIp::of(&extensions));
    let result = state
        .services()
        .sign_in(form.login.trim(), SecretString::from(form.password), source)
        .await;
    let lasts = state.services().session_policy();
    match result {
        Ok(SignIn::SignedIn(id)) => {
            let mut response = see_other(&to);
            jar.set_session(response.headers_mut(), &id, lasts.absolute);
            response
        }
        Ok(SignIn::CodeNeeded(id)) => {
            let mut response = see_other(&format!("/sessions/two-factor?return_to={}", encode(&to)));
            jar.set_session(response.headers_mut(), &id, lasts.pending);
            response
        }
        Err(e) => {
            let (status, message) = refusal(&e);
            // A refused sign-in for an app still says which app it continues to.
            let app_name = app_name(&state, form.client_id.as_deref()).await;
            with_csrf(&state, &headers, |csrf| {
                render(
                    status,
                    &SignInPage {
                        csrf,
                        return_to: &to,
                        login: form.login.trim(),
                        client_id: app_name.as_ref().and(form.client_id.as_deref()),
                        app_name: app_name.as_deref(),
                        error: Some(message),
                    },
                )
            })
        }
    }
}

/// `GET /sessions/two-factor`: the code's form.
pub async fn code_form(State(state): State<AppState>, headers: HeaderMap, Query(query): Query<ReturnTo>) -> Response {
    let to = return_to::sanitise(query.return_to.as_deref());
    if jar(&state).session(&headers).is_none() {
        return see_other(&format!("/login?return_to={}", encode(to)));
    }
    with_csrf(&state, &headers, |csrf| {
        render(
            StatusCode::OK,
            &TwoFactorPage {
                csrf,
                return_to: to,
                error: None,
            },
        )
    })
}

/// `POST /sessions/two-factor`: checks the code and completes the sign-in.
pub async fn submit_code(
    State(state): State<AppState>,
    headers: HeaderMap,
    extensions: Extensions,
    Form(form): Form<CodeForm>,
) -> Response {
    let jar = jar(&state);
    if !csrf::verify(jar, &headers, &form.authenticity_token) {
        return csrf_refused();
    }
    let to = return_to::sanitise(form.return_to.as_deref()).to_owned();
    let Some(id) = jar.session(&headers) else {
        return see_other(&format!("/login?return_to={}", encode(&to)));
    };
    let code: String = form.app_otp.chars().filter(|c| !c.is_whitespace()).collect();
    let source = Source::new(ClientIp::of(&extensions));
    match state.services().sign_in_second_factor(&id, &code, source).await {
        Ok(()) => {
            let mut response = see_other(&to);
            jar.set_session(response.headers_mut(), &id, state.services().session_policy().absolute);
            response
        }
        // The pending sign-in is over (or there never was one): start again.
        Err(ServiceError::BadCredentials) => {
            let mut response = see_other(&format!("/login?return_to={}", encode(&to)));
            jar.clear_session(response.headers_mut());
            response
        }
        Err(e) => {
            let (status, message) = match e {
                ServiceError::OtpRequired => (StatusCode::UNAUTHORIZED, "Two-factor authentication failed."),
                ref other => refusal(other),
            };
            with_csrf(&state, &headers, |csrf| {
                render(
                    status,
                    &TwoFactorPage {
                        csrf,
                        return_to: &to,
                        error: Some(message),
                    },
                )
            })
        }
    }
}

/// `POST /logout`: ends the session.
pub async fn sign_out(State(state): State<AppState>, headers: HeaderMap, Form(form): Form<TokenOnly>) -> Response {
    let jar = jar(&state);
    if !csrf::verify(jar, &headers, &form.authenticity_token) {
        return csrf_refused();
    }
    if let Some(id) = jar.session(&headers) {
        if let Err(e) = state.services().sign_out(&id).await {
            return failure(&e);
        }
    }
    let mut response = see_other("/login");
    jar.clear_session(response.headers_mut());
    response
}

/// The status and message of a refused sign-in.
fn refusal(e: &ServiceError) -> (StatusCode, &'static str) {
    match e {
        ServiceError::LockedOut => (
            StatusCode::FORBIDDEN,
            "Too many failed sign-in attempts. Please try again later.",
        ),
        ServiceError::Busy => (
            StatusCode::SERVICE_UNAVAILABLE,
            "The server is busy. Please try again in a moment.",
        ),
        _ => (StatusCode::UNAUTHORIZED, "Incorrect username or password."),
    }
}

/// A page for a failure of the server itself (its cause is logged).
pub fn failure(e: &ServiceError) -> Response {
    tracing::error!(error = %e, "a page could not be served");
    page::message(
        StatusCode::INTERNAL_SERVER_ERROR,
        "Something went wrong",
        "The server could not complete this request. Please try again.",
        None,
    )
}

/// `s` percent-encoded for a query parameter.
pub fn encode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}
