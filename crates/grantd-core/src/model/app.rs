//! OAuth apps: the clients that tokens are issued to, identified by a public `client_id` and
//! authenticated by a secret stored only as a digest.

use super::AppId;
use time::OffsetDateTime;
use url::Url;

/// An OAuth app's public identifier: 20 characters (`Iv1.` style ids are accepted on lookup too).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ClientId(pub String);

impl std::fmt::Display for ClientId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// A stored OAuth app.
#[derive(Clone)]
pub struct App {
    /// Row id.
    pub id: AppId,
    /// Public client id.
    pub client_id: ClientId,
    /// SHA-256 digest of the client secret.
    pub client_secret_digest: [u8; 32],
    /// The app's name, shown in authorizations.
    pub name: String,
    /// The app's home page.
    pub url: String,
    /// The app's callback URLs, in the order they were given (see [`App::callback_urls`]).
    pub callbacks: Vec<Url>,
    /// Creation time.
    pub created_at: OffsetDateTime,
    /// Last change.
    pub updated_at: OffsetDateTime,
}

impl App {
    /// The app's callback URLs in order; the first is where an authorization without
    /// `redirect_uri` goes back to. Match a requested `redirect_uri` against them with
    /// [`super::redirect::allowed`] (FLOWS 15).
    pub fn callback_urls(&self) -> &[Url] {
        &self.callbacks
    }

    /// Whether `other` is this app with the same client secret (its credentials still hold).
    pub fn same_credentials(&self, other: &App) -> bool {
        self.id == other.id && self.client_secret_digest == other.client_secret_digest
    }

    /// The `app` object of an authorization or grant.
    pub fn summary(&self) -> AppSummary {
        AppSummary {
            id: self.id,
            client_id: self.client_id.clone(),
            name: self.name.clone(),
            url: self.url.clone(),
        }
    }
}

impl std::fmt::Debug for App {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("App")
            .field("id", &self.id)
            .field("client_id", &self.client_id)
            .field("name", &self.name)
            .field("client_secret_digest", &"[redacted]")
            .finish_non_exhaustive()
    }
}

/// An app's settings to change (`None`: keep).
#[derive(Debug, Clone, Default)]
pub struct AppUpdate {
    /// New name.
    pub name: Option<String>,
    /// New home page.
    pub url: Option<String>,
    /// New callback URLs, replacing all of them.
    pub callbacks: Option<Vec<Url>>,
}

/// The part of an app shown inside authorizations and grants (`app{client_id,name,url}`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppSummary {
    /// Row id.
    pub id: AppId,
    /// Public client id.
    pub client_id: ClientId,
    /// Name.
    pub name: String,
    /// Home page.
    pub url: String,
}

/// What it takes to create an app.
#[derive(Clone)]
pub struct NewApp {
    /// Public client id.
    pub client_id: ClientId,
    /// SHA-256 digest of the client secret.
    pub client_secret_digest: [u8; 32],
    /// Name.
    pub name: String,
    /// Home page.
    pub url: String,
    /// Callback URLs, in order.
    pub callbacks: Vec<Url>,
    /// Creation time.
    pub now: OffsetDateTime,
}

impl std::fmt::Debug for NewApp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewApp")
            .field("client_id", &self.client_id)
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}
