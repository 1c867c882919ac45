//! `GET /login/oauth/authorize` and the consent form's `POST` (FLOWS 10-20): a person signed in
//! (else sent to `/login` and back, FLOWS 12) approves or cancels an app's request; an app that
//! holds every scope asked for already is approved without asking (FLOWS 17). An unknown app is
//! a 404 page and a redirect URI that is not the app's an error page, never a redirect (FLOWS
//! 13-14).

use super::cookies::Jar;
use super::csrf;
use super::page::{self, csrf_refused, redirect, render_with_csp, CSP};
use super::sign_in::{encode, failure, signed_in_user};
use crate::state::AppState;
use askama::Template;
use axum::extract::{Query, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::Form;
use grantd_core::model::scope_words;
use grantd_core::model::{Scopes, User};
use grantd_core::service::{denied, AuthorizeParams, AuthorizeRefusal, AuthorizeRequest, Consent};
use serde::Deserialize;

/// The query (or the consent form's fields) of an authorization request.
#[derive(Debug, Default, Deserialize)]
pub struct Params {
    client_id: Option<String>,
    redirect_uri: Option<String>,
    scope: Option<String>,
    state: Option<String>,
    code_challenge: Option<String>,
    code_challenge_method: Option<String>,
    /// A suggested account (FLOWS 10): filled in on the sign-in form.
    login: Option<String>,
    /// `select_account`: always show the consent page, which names the signed-in account.
    prompt: Option<String>,
}

impl Params {
    fn to_service(&self) -> AuthorizeParams {
        AuthorizeParams {
            client_id: self.client_id.clone(),
            redirect_uri: self.redirect_uri.clone(),
            scope: self.scope.clone(),
            state: self.state.clone(),
            code_challenge: self.code_challenge.clone(),
            code_challenge_method: self.code_challenge_method.clone(),
        }
    }

    /// The parameters as the consent form carries them on.
    fn hidden(&self) -> Vec<(&'static str, String)> {
        [
            ("client_id", &self.client_id),
            ("redirect_uri", &self.redirect_uri),
            ("scope", &self.scope),
            ("state", &self.state),
            ("code_challenge", &self.code_challenge),
            ("code_challenge_method", &self.code_challenge_method),
            ("prompt", &self.prompt),
        ]
        .into_iter()
        .filter_map(|(name, value)| value.clone().map(|v| (name, v)))
        .collect()
    }
}

/// The consent form's fields.
#[derive(Debug, Deserialize)]
pub struct Decision {
    #[serde(default)]
    authenticity_token: String,
    #[serde(default)]
    authorize: String,
    #[serde(flatten)]
    params: Params,
}

/// One line of the consent page.
struct ScopeLine {
    words: &'static str,
    name: String,
}

/// The consent page (FLOWS 16).
#[derive(Template)]
#[template(path = "consent.html")]
struct ConsentPage<'a> {
    csrf: &'a str,
    login: &'a str,
    app_name: &'a str,
    app_url: &'a str,
    app_host: &'a str,
    granted_any: bool,
    scopes: Vec<ScopeLine>,
    params: Vec<(&'static str, String)>,
    redirect_origin: String,
}

/// `GET /login/oauth/authorize`.
pub async fn start(
    State(state): State<AppState>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
    Query(params): Query<Params>,
) -> Response {
    let request = match state.services().check_authorize(&params.to_service()).await {
        Ok(request) => request,
        Err(refusal) => return refused(&refusal),
    };
    let user = match signed_in_user(&state, &headers).await {
        Ok(Some(user)) => user,
        Ok(None) => {
            let back = format!("/login/oauth/authorize?{}", raw.unwrap_or_default());
            let client_id = request.app.client_id.0.as_str();
            let mut to = format!("/login?client_id={}&return_to={}", encode(client_id), encode(&back));
            if let Some(login) = params.login.as_deref().filter(|l| !l.is_empty()) {
                to.push_str(&format!("&login={}", encode(login)));
            }
            return redirect(StatusCode::FOUND, &to);
        }
        Err(answer) => return answer,
    };
    let select_account = params.prompt.as_deref() == Some("select_account");
    match state.services().consent(&user, &request).await {
        Ok(Consent::Skip(scopes)) if !select_account => approve(&state, &user, &request, scopes).await,
        // The person asked to see which account approves: every scope asked is listed.
        Ok(Consent::Skip(_)) => consent_page(&state, &headers, &user, &request, &params, &Scopes::empty()),
        Ok(Consent::Ask { granted }) => consent_page(&state, &headers, &user, &request, &params, &granted),
        Err(e) => failure(&e),
    }
}

/// `POST /login/oauth/authorize`: the person's decision.
pub async fn decide(State(state): State<AppState>, headers: HeaderMap, Form(form): Form<Decision>) -> Response {
    if !csrf::verify(
        Jar::for_public_url(&state.config().public_url),
        &headers,
        &form.authenticity_token,
    ) {
        return csrf_refused();
    }
    let request = match state.services().check_authorize(&form.params.to_service()).await {
        Ok(request) => request,
        Err(refusal) => return refused(&refusal),
    };
    let user = match signed_in_user(&state, &headers).await {
        Ok(Some(user)) => user,
        Ok(None) => return page::see_other("/login"),
        Err(answer) => return answer,
    };
    if form.authorize != "1" {
        return redirect(StatusCode::FOUND, denied(&request).as_str());
    }
    // Nothing asked: the token gets what the app holds already (FLOWS 17).
    let scopes = if request.scopes.is_empty() {
        match state.services().consent(&user, &request).await {
            Ok(Consent::Skip(scopes)) => scopes,
            Ok(Consent::Ask { granted }) => granted,
            Err(e) => return failure(&e),
        }
    } else {
        request.scopes.clone()
    };
    approve(&state, &user, &request, scopes).await
}

async fn approve(state: &AppState, user: &User, request: &AuthorizeRequest, scopes: Scopes) -> Response {
    match state.services().approve(user, request, scopes).await {
        Ok(to) => redirect(StatusCode::FOUND, to.as_str()),
        Err(e) => failure(&e),
    }
}

fn consent_page(
    state: &AppState,
    headers: &HeaderMap,
    user: &User,
    request: &AuthorizeRequest,
    params: &Params,
    granted: &Scopes,
) -> Response {
    let jar = Jar::for_public_url(&state.config().public_url);
    let (token, fresh) = csrf::token(jar, headers);
    let new: Vec<ScopeLine> = request
        .scopes
        .as_slice()
        .iter()
        .filter(|s| !granted.grants(s))
        .map(|s| ScopeLine {
            words: scope_words::describe(s),
            name: s.clone(),
        })
        .collect();
    let scopes = if new.is_empty() {
        vec![ScopeLine {
            words: scope_words::NO_SCOPE,
            name: String::new(),
        }]
    } else {
        new
    };
    let app_url = request.app.url.as_str();
    let app_host = url::Url::parse(app_url)
        .ok()
        .and_then(|u| u.host_str().map(str::to_owned))
        .unwrap_or_else(|| app_url.to_owned());
    let redirect_origin = request.redirect.origin().ascii_serialization();
    // The form posts here, and the answer redirects to the app: browsers apply `form-action` to
    // that redirect too, so the app's origin is allowed as well.
    let csp = CSP.replace("form-action 'self'", &format!("form-action 'self' {redirect_origin}"));
    let page = ConsentPage {
        csrf: &token,
        login: &user.login,
        app_name: &request.app.name,
        app_url,
        app_host: &app_host,
        granted_any: !granted.is_empty(),
        scopes,
        params: params.hidden(),
        redirect_origin,
    };
    let mut response = render_with_csp(StatusCode::OK, &page, &csp);
    if fresh {
        jar.set_csrf(response.headers_mut(), &token);
    }
    response
}

/// The answer to a request that cannot go on.
fn refused(refusal: &AuthorizeRefusal) -> Response {
    match refusal {
        AuthorizeRefusal::UnknownApp => page::message(
            StatusCode::NOT_FOUND,
            "Application not found",
            "No application has this client_id.",
            None,
        ),
        AuthorizeRefusal::Redirect(e) => {
            page::message(StatusCode::BAD_REQUEST, "Redirect URI mismatch", &e.to_string(), None)
        }
        AuthorizeRefusal::ToApp { .. } => match refusal.redirect_url() {
            Some(to) => redirect(StatusCode::FOUND, to.as_str()),
            None => page::not_found_page(),
        },
    }
}
