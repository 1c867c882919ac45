//! Minting the web application flow's authorization codes (FLOWS 18, 21): a code is 20
//! lower-case hexadecimal characters, handed to the app once in the redirect, stored as its
//! digest, good for ten minutes and one exchange, bound to the app, the person, the redirect URI
//! and the PKCE challenge.

use super::{ServiceResult, Services};
use crate::model::{App, NewOAuthCode, OAuthCode, Scopes, User};
use crate::secret::Opaque;

/// How long a code may wait for its exchange (FLOWS 21).
pub const CODE_LIFETIME: time::Duration = time::Duration::minutes(10);

impl Services {
    /// Mints a code for `app` on behalf of `user`, for `scopes`, sent to `redirect_uri`, with
    /// the PKCE `code_challenge` (S256) if the authorize request had one.
    pub async fn issue_code(
        &self,
        user: &User,
        app: &App,
        redirect_uri: &str,
        scopes: Scopes,
        code_challenge: Option<String>,
    ) -> ServiceResult<Opaque> {
        let now = self.clock.now();
        let code = Opaque::code();
        self.store
            .create_code(NewOAuthCode {
                digest: code.digest(),
                code: OAuthCode {
                    app_id: app.id,
                    user_id: user.id,
                    redirect_uri: redirect_uri.to_owned(),
                    scopes,
                    code_challenge,
                    created_at: now,
                    expires_at: now + CODE_LIFETIME,
                },
            })
            .await?;
        Ok(code)
    }
}
