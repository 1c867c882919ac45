//! `GET /login/oauth/authorize` in the domain's terms (FLOWS 10-20): checking an authorization
//! request, deciding whether the person must be asked (the consent skip of FLOWS 17), and the
//! redirect that approval or refusal sends the browser to.
//!
//! A request is checked in GitHub's order: an unknown app is a page of its own (FLOWS 13), a
//! `redirect_uri` the app does not have is an error page and never a redirect (FLOWS 14-15), and
//! only then, with a redirect known to be the app's, is anything else wrong (a scope, PKCE)
//! sent back to the app as `error=…` on the redirect.

use super::{ServiceResult, Services};
use crate::model::redirect::{self, RedirectError};
use crate::model::{App, PageRequest, Scopes, User};
use url::Url;

/// The parameters of an authorization request (FLOWS 10); others are ignored.
#[derive(Debug, Clone, Default)]
pub struct AuthorizeParams {
    /// The app's client id.
    pub client_id: Option<String>,
    /// Where to send the browser back to.
    pub redirect_uri: Option<String>,
    /// The scopes asked for, separated by spaces, `+` or commas (FLOWS 11).
    pub scope: Option<String>,
    /// Echoed back on the redirect.
    pub state: Option<String>,
    /// PKCE (FLOWS 20).
    pub code_challenge: Option<String>,
    /// PKCE: only `S256`.
    pub code_challenge_method: Option<String>,
}

/// A checked authorization request.
#[derive(Debug, Clone)]
pub struct AuthorizeRequest {
    /// The app.
    pub app: App,
    /// Where approval or refusal sends the browser.
    pub redirect: Url,
    /// The scopes asked for, normalised.
    pub scopes: Scopes,
    /// Echoed back on the redirect.
    pub state: Option<String>,
    /// The PKCE challenge (S256) to bind the code to.
    pub code_challenge: Option<String>,
}

/// Why an authorization request cannot go on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuthorizeRefusal {
    /// No app has the client id: a 404 page (FLOWS 13).
    UnknownApp,
    /// The redirect URI is not the app's: an error page, never a redirect (FLOWS 14).
    Redirect(RedirectError),
    /// Anything else: sent back to the app on its redirect (RFC 6749 4.1.2.1).
    ToApp {
        /// Where to.
        redirect: Url,
        /// `invalid_request` or `invalid_scope`.
        error: &'static str,
        /// What was wrong.
        description: String,
        /// Echoed back.
        state: Option<String>,
    },
}

impl AuthorizeRefusal {
    /// The redirect of a refusal sent back to the app.
    pub fn redirect_url(&self) -> Option<Url> {
        match self {
            Self::ToApp {
                redirect,
                error,
                description,
                state,
            } => Some(with_params(
                redirect,
                &[("error", error), ("error_description", description)],
                state,
            )),
            _ => None,
        }
    }
}

/// Whether the person must be asked (FLOWS 16-17).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Consent {
    /// The app holds every scope asked for already: approve at once with these scopes.
    Skip(Scopes),
    /// Ask; `granted` is what the app holds already (empty the first time).
    Ask {
        /// What the app holds already.
        granted: Scopes,
    },
}

/// How many tokens an hour for one person and app before the consent page is shown again even
/// when nothing new is asked (FLOWS 17's guard against redirect loops).
const SKIPS_PER_HOUR: usize = 10;

impl Services {
    /// Checks an authorization request (no person needed yet).
    pub async fn check_authorize(&self, params: &AuthorizeParams) -> Result<AuthorizeRequest, AuthorizeRefusal> {
        let client_id = params.client_id.as_deref().map(str::trim).unwrap_or("");
        if client_id.is_empty() || client_id.contains('\0') {
            return Err(AuthorizeRefusal::UnknownApp);
        }
        let app = match self.store.app_by_client_id(client_id).await {
            Ok(Some(app)) => app,
            Ok(None) => return Err(AuthorizeRefusal::UnknownApp),
            Err(e) => {
                tracing::error!(error = %e, "cannot look an app up for an authorization request");
                return Err(AuthorizeRefusal::UnknownApp);
            }
        };
        let redirect = redirect::allowed(app.callback_urls(), params.redirect_uri.as_deref())
            .map_err(AuthorizeRefusal::Redirect)?;
        let state = params.state.clone().filter(|s| !s.is_empty());
        let to_app = |error: &'static str, description: String| AuthorizeRefusal::ToApp {
            redirect: redirect.clone(),
            error,
            description,
            state: state.clone(),
        };
        let code_challenge = pkce(params).map_err(|d| to_app("invalid_request", d.to_owned()))?;
        let names: Vec<&str> = params
            .scope
            .as_deref()
            .unwrap_or("")
            .split([' ', '+', ','])
            .map(str::trim)
            // A pseudo-scope that asks for an expiring token (FLOWS 11), never a scope.
            .filter(|s| !s.is_empty() && *s != "offline_access")
            .collect();
        let scopes = self
            .config
            .scopes
            .normalise(&names)
            .map_err(|e| to_app("invalid_scope", format!("The requested scope is invalid: {e}.")))?;
        Ok(AuthorizeRequest {
            app,
            redirect,
            scopes,
            state,
            code_challenge,
        })
    }

    /// Whether `user` must be asked to approve `request` (FLOWS 17): not when the app holds a
    /// grant with every scope asked for (or nothing is asked and it holds one), unless it got
    /// more than ten tokens for this person in the last hour.
    pub async fn consent(&self, user: &User, request: &AuthorizeRequest) -> ServiceResult<Consent> {
        let now = self.clock.now();
        let grants = self
            .store
            .list_grants(user.id, Some(request.app.id), PageRequest::new(1, 1), now)
            .await?;
        let Some(grant) = grants.items.into_iter().next() else {
            return Ok(Consent::Ask {
                granted: Scopes::empty(),
            });
        };
        let covered = request.scopes.as_slice().iter().all(|s| grant.scopes.grants(s));
        let recent = self
            .store
            .list_authorizations(user.id, Some(request.app.id), PageRequest::new(1, 100), now)
            .await?
            .items
            .iter()
            .filter(|a| a.created_at > now - time::Duration::HOUR)
            .count();
        if covered && recent < SKIPS_PER_HOUR {
            let scopes = if request.scopes.is_empty() {
                grant.scopes
            } else {
                request.scopes.clone()
            };
            Ok(Consent::Skip(scopes))
        } else {
            Ok(Consent::Ask { granted: grant.scopes })
        }
    }

    /// Approves `request` for `user` with `scopes`: mints a code and returns the redirect that
    /// hands it to the app (FLOWS 18).
    pub async fn approve(&self, user: &User, request: &AuthorizeRequest, scopes: Scopes) -> ServiceResult<Url> {
        // Sorted, as the token answer names them (FLOWS 22): the token's scopes read the same
        // in its `X-OAuth-Scopes` and its checks.
        let scopes = Scopes::union([&scopes]);
        let code = self
            .issue_code(
                user,
                &request.app,
                request.redirect.as_str(),
                scopes,
                request.code_challenge.clone(),
            )
            .await?;
        Ok(with_params(
            &request.redirect,
            &[("code", code.expose())],
            &request.state,
        ))
    }
}

/// The redirect when the person cancels (FLOWS 19).
pub fn denied(request: &AuthorizeRequest) -> Url {
    with_params(
        &request.redirect,
        &[
            ("error", "access_denied"),
            ("error_description", "The user has denied your application access."),
            (
                "error_uri",
                "https://docs.github.com/apps/managing-oauth-apps/troubleshooting-authorization-request-errors/#access-denied",
            ),
        ],
        &request.state,
    )
}

/// `redirect` with `params` and `state` (if any) added to its query, which it keeps (FLOWS 18).
fn with_params(redirect: &Url, params: &[(&str, &str)], state: &Option<String>) -> Url {
    let mut url = redirect.clone();
    {
        let mut query = url.query_pairs_mut();
        for (k, v) in params {
            query.append_pair(k, v);
        }
        if let Some(state) = state {
            query.append_pair("state", state);
        }
    }
    url
}

/// The PKCE challenge of a request, if any (FLOWS 20): `S256` only, 43 base64url characters,
/// each of the two parameters requiring the other.
fn pkce(params: &AuthorizeParams) -> Result<Option<String>, &'static str> {
    let challenge = params.code_challenge.as_deref().filter(|c| !c.is_empty());
    let method = params.code_challenge_method.as_deref().filter(|m| !m.is_empty());
    match (challenge, method) {
        (None, None) => Ok(None),
        (Some(_), None) => Err("code_challenge_method is required with code_challenge."),
        (None, Some(_)) => Err("code_challenge is required with code_challenge_method."),
        (Some(_), Some(m)) if m != "S256" => Err("Only the S256 code_challenge_method is supported."),
        (Some(c), Some(_)) => {
            let ok = c.len() == 43 && c.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
            if ok {
                Ok(Some(c.to_owned()))
            } else {
                Err("code_challenge must be 43 base64url characters (S256).")
            }
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn params(challenge: Option<&str>, method: Option<&str>) -> AuthorizeParams {
        AuthorizeParams {
            code_challenge: challenge.map(str::to_owned),
            code_challenge_method: method.map(str::to_owned),
            ..AuthorizeParams::default()
        }
    }

    #[test]
    fn pkce_is_s256_with_both_parameters() {
        let good = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
        assert_eq!(pkce(&params(None, None)), Ok(None));
        assert_eq!(pkce(&params(Some(good), Some("S256"))), Ok(Some(good.to_owned())));
        assert!(pkce(&params(Some(good), None)).is_err());
        assert!(pkce(&params(None, Some("S256"))).is_err());
        assert!(pkce(&params(Some(good), Some("plain"))).is_err());
        assert!(pkce(&params(Some(&good[1..]), Some("S256"))).is_err());
        assert!(pkce(&params(Some(&format!("{}=", &good[1..])), Some("S256"))).is_err());
    }

    #[test]
    fn redirects_keep_their_query_and_add_state_last() {
        let base = Url::parse("http://127.0.0.1:4000/cb?x=1").unwrap();
        let url = with_params(&base, &[("code", "abc")], &Some("s t".into()));
        assert_eq!(url.as_str(), "http://127.0.0.1:4000/cb?x=1&code=abc&state=s+t");
        let none = with_params(&base, &[("code", "abc")], &None);
        assert_eq!(none.as_str(), "http://127.0.0.1:4000/cb?x=1&code=abc");
    }
}
