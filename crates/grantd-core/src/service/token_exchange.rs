//! Exchanging an authorization code for a token (FLOWS 20-24): `POST /login/oauth/access_token`
//! with `grant_type=authorization_code` (or none). The checks run in FLOWS 23's order: the
//! client's credentials, then the code (known, unused, not expired, of this app), then the
//! redirect URI, then PKCE. The token is an ordinary OAuth authorization of the app (FLOWS 24),
//! made by the web flow: a new one at each exchange, however many the person already has.

use super::{ServiceError, Services};
use crate::model::{AuthorizationFlow, NewAuthorization, OAuthCode, Scopes};
use crate::secret::{ClientSecret, Opaque, Token, TokenKind};
use crate::store::{Conflict, StoreError};
use base64::Engine as _;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// How often a new token is drawn when its digest collides with a stored one (never expected).
const TOKEN_ATTEMPTS: usize = 3;

/// Why the token endpoint refuses (FLOWS 23), each with GitHub's `error` and
/// `error_description`; a failure of the server itself is [`OAuthError::Server`].
#[derive(Debug, thiserror::Error)]
pub enum OAuthError {
    /// Unknown client id, or a missing or wrong client secret.
    #[error("incorrect_client_credentials")]
    IncorrectClientCredentials,
    /// Unknown, used, expired or another app's code, or a wrong or missing PKCE verifier.
    #[error("bad_verification_code")]
    BadVerificationCode,
    /// A `redirect_uri` other than the one the code was sent to.
    #[error("redirect_uri_mismatch")]
    RedirectUriMismatch,
    /// A `grant_type` this endpoint does not serve.
    #[error("unsupported_grant_type")]
    UnsupportedGrantType,
    /// The server failed; answered as a 500, never as an OAuth error.
    #[error("internal error")]
    Server(#[from] ServiceError),
}

impl OAuthError {
    /// The `error` code, or `None` for a failure of the server.
    pub fn code(&self) -> Option<&'static str> {
        Some(match self {
            Self::IncorrectClientCredentials => "incorrect_client_credentials",
            Self::BadVerificationCode => "bad_verification_code",
            Self::RedirectUriMismatch => "redirect_uri_mismatch",
            Self::UnsupportedGrantType => "unsupported_grant_type",
            Self::Server(_) => return None,
        })
    }

    /// The `error_description` (FLOWS 23; `unsupported_grant_type`'s wording is grantd's, see
    /// the README's decisions).
    pub fn description(&self) -> Option<&'static str> {
        Some(match self {
            Self::IncorrectClientCredentials => "The client_id and/or client_secret passed are incorrect.",
            Self::BadVerificationCode => "The code passed is incorrect or expired.",
            Self::RedirectUriMismatch => {
                "The redirect_uri MUST match the registered callback URL for this application."
            }
            Self::UnsupportedGrantType => "The grant_type passed is not supported.",
            Self::Server(_) => return None,
        })
    }
}

impl From<StoreError> for OAuthError {
    fn from(e: StoreError) -> Self {
        Self::Server(e.into())
    }
}

/// The parameters of a code exchange, as the client sent them (blank is absent).
#[derive(Debug, Clone, Default)]
pub struct CodeExchange {
    /// The app's client id (from the body or the Basic header).
    pub client_id: Option<String>,
    /// The app's client secret (from the body or the Basic header).
    pub client_secret: Option<ClientSecret>,
    /// The code from the redirect.
    pub code: Option<String>,
    /// The redirect URI, if the client names it again (FLOWS 21).
    pub redirect_uri: Option<String>,
    /// The PKCE verifier (FLOWS 20).
    pub code_verifier: Option<String>,
}

/// A token minted by an exchange.
#[derive(Debug)]
pub struct IssuedToken {
    /// The token, shown to the app this once.
    pub token: Token,
    /// Its scopes, normalised.
    pub scopes: Scopes,
}

impl IssuedToken {
    /// The scopes as the token endpoint writes them (FLOWS 22): comma-separated without spaces,
    /// sorted; empty when there are none.
    pub fn scope_list(&self) -> String {
        let mut names: Vec<&str> = self.scopes.as_slice().iter().map(String::as_str).collect();
        names.sort_unstable();
        names.join(",")
    }
}

impl Services {
    /// Exchanges a code of the web application flow for a new token of its app (FLOWS 20-24).
    /// The code is taken out of the store before it is checked further, so it is used at most
    /// once, whatever the answer.
    pub async fn exchange_code(&self, req: CodeExchange) -> Result<IssuedToken, OAuthError> {
        let client_id = req.client_id.as_deref().map(str::trim).filter(|c| !c.is_empty());
        let secret = req.client_secret.as_ref().filter(|s| !s.expose().is_empty());
        let (Some(client_id), Some(secret)) = (client_id, secret) else {
            return Err(OAuthError::IncorrectClientCredentials);
        };
        // A NUL character cannot be in any client id (nor be looked up in PostgreSQL).
        if client_id.contains('\0') {
            return Err(OAuthError::IncorrectClientCredentials);
        }
        let app = match self.store.app_by_client_id(client_id).await? {
            Some(app) if secret.matches(&app.client_secret_digest) => app,
            _ => return Err(OAuthError::IncorrectClientCredentials),
        };
        let code = req.code.as_deref().map(str::trim).and_then(Opaque::from_client);
        let Some(code) = code else {
            return Err(OAuthError::BadVerificationCode);
        };
        let now = self.clock.now();
        let stored = match self.store.take_code(&code.digest()).await? {
            Some(c) if c.app_id == app.id && now < c.expires_at => c,
            _ => return Err(OAuthError::BadVerificationCode),
        };
        if let Some(uri) = req.redirect_uri.as_deref().map(str::trim).filter(|u| !u.is_empty()) {
            if !same_redirect(uri, &stored.redirect_uri) {
                return Err(OAuthError::RedirectUriMismatch);
            }
        }
        if !pkce_satisfied(&stored, req.code_verifier.as_deref()) {
            return Err(OAuthError::BadVerificationCode);
        }
        let Some(user) = self.store.user_by_id(stored.user_id).await? else {
            return Err(OAuthError::BadVerificationCode);
        };
        for _ in 0..TOKEN_ATTEMPTS {
            let now = self.clock.now();
            let token = Token::generate(TokenKind::OAuth);
            let new = NewAuthorization {
                user_id: user.id,
                app: Some(app.summary()),
                scopes: stored.scopes.clone(),
                token_digest: token.digest(),
                token_last_eight: token.last_eight(),
                note: None,
                note_url: None,
                fingerprint: None,
                now,
                expires_at: self.expiry(now),
                flow: AuthorizationFlow::Web,
            };
            match self.store.create_authorization(new).await {
                Ok(made) => {
                    return Ok(IssuedToken {
                        token,
                        scopes: made.scopes,
                    })
                }
                Err(StoreError::Conflict(Conflict::Token)) => continue,
                Err(e) => return Err(e.into()),
            }
        }
        Err(ServiceError::internal("token digest collided repeatedly").into())
    }
}

/// Whether the PKCE verifier fits the code's challenge (FLOWS 20): without a stored challenge any
/// verifier (or none) is ignored; with one, `BASE64URL(SHA256(verifier))` without padding must
/// equal it.
fn pkce_satisfied(code: &OAuthCode, verifier: Option<&str>) -> bool {
    let Some(challenge) = code.code_challenge.as_deref() else {
        return true;
    };
    let Some(verifier) = verifier.filter(|v| !v.is_empty()) else {
        return false;
    };
    let computed = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
    computed.as_bytes().ct_eq(challenge.as_bytes()).into()
}

/// Whether the `redirect_uri` of a token request names the URL the code was sent to. The code
/// was sent to the URL as the URL standard writes it (authorize parses the app's request), so
/// both are compared that way: `HTTP://Host:80/cb` and `http://host/cb` are one URL.
fn same_redirect(sent: &str, stored: &str) -> bool {
    match (url::Url::parse(sent), url::Url::parse(stored)) {
        (Ok(a), Ok(b)) => a == b,
        _ => sent == stored,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{AppId, UserId};
    use time::OffsetDateTime;

    fn code(challenge: Option<&str>) -> OAuthCode {
        OAuthCode {
            app_id: AppId(1),
            user_id: UserId(1),
            redirect_uri: "https://example.com/cb".into(),
            scopes: Scopes::empty(),
            code_challenge: challenge.map(str::to_owned),
            created_at: OffsetDateTime::UNIX_EPOCH,
            expires_at: OffsetDateTime::UNIX_EPOCH,
        }
    }

    #[test]
    fn pkce_checks_the_s256_challenge_of_rfc_7636() {
        // RFC 7636 appendix B.
        let verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
        let challenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
        assert!(pkce_satisfied(&code(Some(challenge)), Some(verifier)));
        assert!(!pkce_satisfied(
            &code(Some(challenge)),
            Some("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXj")
        ));
        assert!(!pkce_satisfied(&code(Some(challenge)), None));
        assert!(!pkce_satisfied(&code(Some(challenge)), Some("")));
        assert!(
            !pkce_satisfied(&code(Some(challenge)), Some(challenge)),
            "plain is not S256"
        );
        assert!(
            pkce_satisfied(&code(None), Some(verifier)),
            "a verifier without a challenge is ignored"
        );
        assert!(pkce_satisfied(&code(None), None));
    }

    #[test]
    fn scopes_are_written_sorted_and_comma_separated() {
        let issued = |list: &str| IssuedToken {
            token: Token::generate(TokenKind::OAuth),
            scopes: Scopes::from_storage(list),
        };
        assert_eq!(issued("repo,gist,user:email").scope_list(), "gist,repo,user:email");
        assert_eq!(issued("").scope_list(), "");
    }
}
