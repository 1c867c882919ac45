//! Authentication, evaluated before routing (BEHAVIOR 20): what credentials a path needs, how
//! they are read from the `Authorization` header (BEHAVIOR 9, 14), and the identities handlers
//! receive.
//!
//! - `/authorizations*`, `/applications/grants*`: Basic login + password (+ `X-GitHub-OTP`) only
//!   (BEHAVIOR 6); a token there is the 403 of BEHAVIOR 7, whether sent as Basic password or as
//!   `Authorization: token …` (a decision: BEHAVIOR 7 leaves the second UNCONFIRMED).
//! - `/applications/{client_id}/…`: the app's Basic `client_id:client_secret` (BEHAVIOR 8).
//! - `/user`: `token X` / `bearer X` (any case), Basic `login:token`, Basic `token:x-oauth-basic`,
//!   or Basic login + password (+ OTP).

use crate::error::ApiError;
use base64::Engine as _;
use grantd_core::model::{Authorization, User};
use grantd_core::secret::ClientSecret;
use grantd_core::service::{AppCredentials, Services};
use http::HeaderMap;
use secrecy::{ExposeSecret, SecretString};

/// What a path requires.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PathAuth {
    /// Login and password.
    Password,
    /// The app named in the path.
    App(String),
    /// A token, or login and password.
    TokenOrPassword,
    /// Nothing.
    Public,
}

/// Which credentials `path` (without the `/api/v3` prefix) needs.
pub fn classify(path: &str) -> PathAuth {
    let under = |prefix: &str| path == prefix || path.strip_prefix(prefix).is_some_and(|rest| rest.starts_with('/'));
    if under("/authorizations") || under("/applications/grants") {
        return PathAuth::Password;
    }
    if let Some(rest) = path.strip_prefix("/applications/") {
        if let Some((client_id, _)) = rest.split_once('/') {
            if !client_id.is_empty() {
                return PathAuth::App(client_id.to_owned());
            }
        }
    }
    if path == "/user" {
        return PathAuth::TokenOrPassword;
    }
    PathAuth::Public
}

/// Credentials read from the `Authorization` header.
pub enum Credentials {
    /// None sent.
    Missing,
    /// `Basic base64(user:password)`.
    Basic { user: String, password: SecretString },
    /// `token X` or `bearer X`.
    Token(SecretString),
    /// A header that cannot be read.
    Malformed,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Missing => f.write_str("Missing"),
            Self::Basic { user, .. } => write!(f, "Basic({user}, [redacted])"),
            Self::Token(_) => f.write_str("Token([redacted])"),
            Self::Malformed => f.write_str("Malformed"),
        }
    }
}

/// Reads the `Authorization` header; the scheme is case-insensitive (BEHAVIOR 9).
pub fn credentials(headers: &HeaderMap) -> Credentials {
    let Some(value) = headers.get(http::header::AUTHORIZATION) else {
        return Credentials::Missing;
    };
    let Ok(value) = value.to_str() else {
        return Credentials::Malformed;
    };
    let value = value.trim();
    let (scheme, rest) = value.split_once(' ').unwrap_or((value, ""));
    let rest = rest.trim();
    if scheme.eq_ignore_ascii_case("basic") {
        const ENGINE: base64::engine::GeneralPurpose = base64::engine::GeneralPurpose::new(
            &base64::alphabet::STANDARD,
            base64::engine::GeneralPurposeConfig::new()
                .with_decode_padding_mode(base64::engine::DecodePaddingMode::Indifferent),
        );
        let Ok(decoded) = ENGINE.decode(rest) else {
            return Credentials::Malformed;
        };
        let Ok(decoded) = String::from_utf8(decoded) else {
            return Credentials::Malformed;
        };
        let Some((user, password)) = decoded.split_once(':') else {
            return Credentials::Malformed;
        };
        if user.contains('\0') {
            return Credentials::Malformed;
        }
        return Credentials::Basic {
            user: user.to_owned(),
            password: SecretString::from(password.to_owned()),
        };
    }
    if (scheme.eq_ignore_ascii_case("token") || scheme.eq_ignore_ascii_case("bearer")) && !rest.is_empty() {
        return Credentials::Token(SecretString::from(rest.to_owned()));
    }
    Credentials::Malformed
}

/// The user a request acts for, set before routing.
#[derive(Debug, Clone)]
pub struct AuthUser {
    /// The user.
    pub user: User,
    /// The token used, if the request was token-authenticated (for `X-OAuth-Scopes`).
    pub token: Option<Authorization>,
}

/// The app a request acts for, set before routing.
#[derive(Debug, Clone)]
pub struct AuthApp(pub AppCredentials);

/// Who a request was authenticated as.
#[derive(Debug, Clone)]
pub enum Identity {
    /// A user.
    User(Box<AuthUser>),
    /// An OAuth app.
    App(AuthApp),
    /// No one (a public path).
    Anonymous,
}

impl Identity {
    /// The key the rate limiter counts this identity under, if any.
    pub fn rate_key(&self) -> Option<String> {
        match self {
            Self::User(u) => Some(format!("user:{}", u.user.id)),
            Self::App(a) => Some(format!("app:{}", a.0.app.id)),
            Self::Anonymous => None,
        }
    }
}

/// Authenticates a request for `path_auth`; `reads_only`: the request only reads (for an app,
/// it checks a token, and a cached app may serve: see [`Services::authenticate_app`]).
pub async fn authenticate(
    services: &Services,
    path_auth: &PathAuth,
    headers: &HeaderMap,
    reads_only: bool,
) -> Result<Identity, ApiError> {
    let otp = headers.get("x-github-otp").and_then(|v| v.to_str().ok());
    let creds = credentials(headers);
    match path_auth {
        PathAuth::Public => Ok(Identity::Anonymous),
        PathAuth::Password => match creds {
            Credentials::Missing => Err(ApiError::RequiresAuthentication),
            Credentials::Malformed => Err(ApiError::BadCredentials),
            Credentials::Token(token) => match services.authenticate_token(token.expose_secret()).await {
                Ok(_) => Err(ApiError::TokenNotAllowed),
                Err(e) => Err(e.into()),
            },
            Credentials::Basic { user, password } => password_identity(services, &user, password, otp).await,
        },
        PathAuth::App(path_client_id) => match creds {
            Credentials::Missing => Err(ApiError::RequiresAuthentication),
            Credentials::Malformed | Credentials::Token(_) => Err(ApiError::BadCredentials),
            Credentials::Basic { user, password } => {
                let secret = ClientSecret::from_client(password.expose_secret());
                let app = services
                    .authenticate_app(path_client_id, &user, &secret, reads_only)
                    .await?;
                Ok(Identity::App(AuthApp(app)))
            }
        },
        PathAuth::TokenOrPassword => match creds {
            Credentials::Missing => Err(ApiError::RequiresAuthentication),
            Credentials::Malformed => Err(ApiError::BadCredentials),
            Credentials::Token(token) => token_identity(services, token.expose_secret(), None).await,
            Credentials::Basic { user, password } => {
                let secret = password.expose_secret();
                if secret == "x-oauth-basic" && Services::looks_like_token(&user) {
                    token_identity(services, &user, None).await
                } else if Services::looks_like_token(secret) {
                    token_identity(services, secret, Some(&user)).await
                } else {
                    password_identity(services, &user, password, otp).await
                }
            }
        },
    }
}

/// A token's identity; with `login`, the token must belong to that login.
async fn token_identity(services: &Services, token: &str, login: Option<&str>) -> Result<Identity, ApiError> {
    let (authorization, user) = services.authenticate_token(token).await?;
    if login.is_some_and(|l| !l.eq_ignore_ascii_case(&user.login)) {
        return Err(ApiError::BadCredentials);
    }
    Ok(Identity::User(Box::new(AuthUser {
        user,
        token: Some(authorization),
    })))
}

/// A password login's identity.
async fn password_identity(
    services: &Services,
    login: &str,
    password: SecretString,
    otp: Option<&str>,
) -> Result<Identity, ApiError> {
    let outcome = services.login(login, password, otp).await?;
    Ok(Identity::User(Box::new(AuthUser {
        user: outcome.user,
        token: None,
    })))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(value: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(http::header::AUTHORIZATION, value.parse().expect("header"));
        h
    }

    #[test]
    fn paths_are_classified() {
        assert_eq!(classify("/authorizations"), PathAuth::Password);
        assert_eq!(classify("/authorizations/1"), PathAuth::Password);
        assert_eq!(classify("/authorizationsx"), PathAuth::Public);
        assert_eq!(classify("/applications/grants/3"), PathAuth::Password);
        assert_eq!(classify("/applications/abc/token"), PathAuth::App("abc".into()));
        assert_eq!(classify("/applications/abc"), PathAuth::Public);
        assert_eq!(classify("/user"), PathAuth::TokenOrPassword);
        assert_eq!(classify("/"), PathAuth::Public);
    }

    #[test]
    fn schemes_are_case_insensitive() {
        assert!(matches!(credentials(&headers("basic YTpi")), Credentials::Basic { user, .. } if user == "a"));
        assert!(matches!(credentials(&headers("BASIC YTpi")), Credentials::Basic { .. }));
        assert!(matches!(credentials(&headers("Basic YTpi")), Credentials::Basic { .. }));
        assert!(matches!(credentials(&headers("token abc")), Credentials::Token(_)));
        assert!(matches!(credentials(&headers("Bearer abc")), Credentials::Token(_)));
        assert!(matches!(credentials(&headers("Basic !!!")), Credentials::Malformed));
        assert!(matches!(
            credentials(&headers("Basic bm9jb2xvbg")),
            Credentials::Malformed
        ));
        assert!(matches!(credentials(&headers("Digest x")), Credentials::Malformed));
        assert!(matches!(credentials(&HeaderMap::new()), Credentials::Missing));
    }

    #[test]
    fn password_may_contain_colons() {
        let h = headers(&format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode("al:p:w")
        ));
        match credentials(&h) {
            Credentials::Basic { user, password } => {
                assert_eq!(user, "al");
                assert_eq!(password.expose_secret(), "p:w");
            }
            other => panic!("unexpected {other:?}"),
        }
    }
}
