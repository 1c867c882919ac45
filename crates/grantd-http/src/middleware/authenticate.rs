//! Step 6, authentication, before the handler runs (BEHAVIOR 20): the credentials are read from
//! the `Authorization` header (BEHAVIOR 9, 14) and checked as the request's [`Auth`] (from
//! [`crate::urls`]) asks; the [`Identity`] goes to the handler.
//!
//! - `/authorizations*`, `/applications/grants*`: Basic login + password (+ `X-GitHub-OTP`) only
//!   (BEHAVIOR 6); a token there is the 403 of BEHAVIOR 7, whether sent as Basic password or as
//!   `Authorization: token …` (a decision: BEHAVIOR 7 leaves the second UNCONFIRMED).
//! - `/applications/{client_id}/…`: the app's Basic `client_id:client_secret` (BEHAVIOR 8). A
//!   token check ([`Auth::AppWithToken`]) only reads them here: its handler checks them together
//!   with the token, in one store read.
//! - `/user`: `token X` / `bearer X` (any case), Basic `login:token`, Basic `token:x-oauth-basic`,
//!   or Basic login + password (+ OTP).

use crate::error::ApiError;
use crate::identity::{AppBasic, AuthUser, Identity};
use crate::urls::Auth;
use base64::Engine as _;
use grantd_core::model::Source;
use grantd_core::secret::ClientSecret;
use grantd_core::service::Services;
use http::HeaderMap;
use secrecy::{ExposeSecret, SecretString};
use std::net::IpAddr;

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

/// Authenticates a request that needs `auth`; `client_id`: the one in the path, for an app;
/// `enterprise`: whether the client used the Enterprise layout; `ip`: the client's address,
/// whose failed password logins are budgeted.
pub async fn authenticate(
    services: &Services,
    auth: Auth,
    client_id: &str,
    headers: &HeaderMap,
    enterprise: bool,
    ip: Option<IpAddr>,
) -> Result<Identity, ApiError> {
    let source = Source::new(ip);
    let otp = headers.get("x-github-otp").and_then(|v| v.to_str().ok());
    let creds = credentials(headers);
    match auth {
        Auth::Public => Ok(Identity::Anonymous),
        Auth::Unauthenticated => match creds {
            Credentials::Missing => Ok(Identity::Anonymous),
            _ if enterprise => Ok(Identity::Anonymous),
            _ => Err(ApiError::MustNotAuthenticate),
        },
        Auth::Password => match creds {
            Credentials::Missing => Err(ApiError::RequiresAuthentication),
            Credentials::Malformed => Err(ApiError::BadCredentials),
            Credentials::Token(token) => match services.authenticate_token(token.expose_secret()).await {
                Ok(_) => Err(ApiError::TokenNotAllowed),
                Err(e) => Err(e.into()),
            },
            Credentials::Basic { user, password } => password_identity(services, &user, password, otp, source).await,
        },
        Auth::App | Auth::AppWithToken => match creds {
            Credentials::Missing => Err(ApiError::RequiresAuthentication),
            Credentials::Malformed | Credentials::Token(_) => Err(ApiError::BadCredentials),
            Credentials::Basic { user, password } => {
                let secret = ClientSecret::from_client(password.expose_secret());
                if auth == Auth::AppWithToken {
                    // Checked with the token, by the handler (one store read).
                    return Ok(Identity::AppToCheck(Box::new(AppBasic {
                        client_id: user,
                        secret,
                    })));
                }
                let app = services.authenticate_app(client_id, &user, &secret).await?;
                Ok(Identity::App(Box::new(app)))
            }
        },
        Auth::TokenOrPassword => match creds {
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
                    password_identity(services, &user, password, otp, source).await
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
    source: Source,
) -> Result<Identity, ApiError> {
    let outcome = services.login(login, password, otp, source).await?;
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
