//! The JSON shapes of GitHub's REST API (schemas of `spec/openapi.json`): authorizations,
//! grants, users and the hypermedia root. Every `url` is absolute on the base URL the client
//! used (BEHAVIOR 3, 86); every timestamp is ISO 8601 UTC without fraction (BEHAVIOR 4).

use base64::Engine as _;
use grantd_core::model::{AppSummary, Authorization, Grant, Scopes, User, PAT_CLIENT_ID};
use serde::Serialize;
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

/// Where the synthesised `app` of a personal access token points (BEHAVIOR 35).
const PAT_APP_URL: &str =
    "https://docs.github.com/enterprise-server@3.19/rest/oauth-authorizations/oauth-authorizations";

/// The base URLs of one request: the API base (with `/api/v3` on the Enterprise layout) and the
/// site (for `html_url`).
#[derive(Debug, Clone)]
pub struct Bases {
    /// API base, no trailing slash.
    pub api: String,
    /// Site base, no trailing slash.
    pub site: String,
}

/// `2011-09-06T17:26:27Z`.
pub fn timestamp(t: OffsetDateTime) -> String {
    t.format(&Rfc3339).unwrap_or_default()
}

/// `app{client_id,name,url}`.
#[derive(Debug, Serialize)]
pub struct AppView {
    client_id: String,
    name: String,
    url: String,
}

impl AppView {
    fn of(app: Option<&AppSummary>, note: Option<&str>) -> Self {
        match app {
            Some(app) => Self {
                client_id: app.client_id.0.clone(),
                name: app.name.clone(),
                url: app.url.clone(),
            },
            None => Self {
                client_id: PAT_CLIENT_ID.to_owned(),
                name: note.unwrap_or_default().to_owned(),
                url: PAT_APP_URL.to_owned(),
            },
        }
    }
}

/// The `authorization` schema.
#[derive(Debug, Serialize)]
pub struct AuthorizationView {
    id: i64,
    url: String,
    scopes: Vec<String>,
    token: String,
    token_last_eight: String,
    hashed_token: String,
    app: AppView,
    note: Option<String>,
    note_url: Option<String>,
    updated_at: String,
    created_at: String,
    fingerprint: Option<String>,
    expires_at: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    user: Option<SimpleUserView>,
    installation: Option<()>,
}

impl AuthorizationView {
    /// `token` is the full token where GitHub shows it (create, reset, check), otherwise `""`
    /// (BEHAVIOR 32); `user` is shown on check and reset (BEHAVIOR 45).
    pub fn new(a: &Authorization, bases: &Bases, token: Option<&str>, user: Option<&User>) -> Self {
        Self {
            id: a.id.0,
            url: format!("{}/authorizations/{}", bases.api, a.id),
            scopes: a.scopes.as_slice().to_vec(),
            token: token.unwrap_or_default().to_owned(),
            token_last_eight: a.token_last_eight.clone(),
            hashed_token: a.token_digest.to_hex(),
            app: AppView::of(a.app.as_ref(), a.note.as_deref()),
            note: a.note.clone(),
            note_url: a.note_url.clone(),
            updated_at: timestamp(a.updated_at),
            created_at: timestamp(a.created_at),
            fingerprint: a.fingerprint.clone(),
            expires_at: a.expires_at.map(timestamp),
            user: user.map(|u| SimpleUserView::new(u, bases)),
            installation: None,
        }
    }

    /// The `url` of this authorization (for `Location`).
    pub fn url(&self) -> &str {
        &self.url
    }
}

/// The `application-grant` schema.
#[derive(Debug, Serialize)]
pub struct GrantView {
    id: i64,
    url: String,
    app: AppView,
    created_at: String,
    updated_at: String,
    scopes: Vec<String>,
}

impl GrantView {
    /// A grant as GitHub shows it.
    pub fn new(g: &Grant, bases: &Bases) -> Self {
        Self {
            id: g.id.0,
            url: format!("{}/applications/grants/{}", bases.api, g.id),
            app: AppView::of(Some(&g.app), None),
            created_at: timestamp(g.created_at),
            updated_at: timestamp(g.updated_at),
            scopes: g.scopes.as_slice().to_vec(),
        }
    }
}

/// The `simple-user` schema.
#[derive(Debug, Serialize)]
pub struct SimpleUserView {
    login: String,
    id: i64,
    node_id: String,
    avatar_url: String,
    gravatar_id: Option<String>,
    url: String,
    html_url: String,
    followers_url: String,
    following_url: String,
    gists_url: String,
    starred_url: String,
    subscriptions_url: String,
    organizations_url: String,
    repos_url: String,
    events_url: String,
    received_events_url: String,
    #[serde(rename = "type")]
    kind: &'static str,
    site_admin: bool,
    name: Option<String>,
    email: Option<String>,
    user_view_type: &'static str,
}

impl SimpleUserView {
    /// A user as shown inside other objects.
    pub fn new(u: &User, bases: &Bases) -> Self {
        let api = format!("{}/users/{}", bases.api, u.login);
        Self {
            login: u.login.clone(),
            id: u.id.0,
            // GitHub's legacy global node id: base64 of "04:User{id}".
            node_id: base64::engine::general_purpose::STANDARD.encode(format!("04:User{}", u.id)),
            avatar_url: format!("{}/avatars/u/{}", bases.site, u.id),
            gravatar_id: Some(String::new()),
            html_url: format!("{}/{}", bases.site, u.login),
            followers_url: format!("{api}/followers"),
            following_url: format!("{api}/following{{/other_user}}"),
            gists_url: format!("{api}/gists{{/gist_id}}"),
            starred_url: format!("{api}/starred{{/owner}}{{/repo}}"),
            subscriptions_url: format!("{api}/subscriptions"),
            organizations_url: format!("{api}/orgs"),
            repos_url: format!("{api}/repos"),
            events_url: format!("{api}/events{{/privacy}}"),
            received_events_url: format!("{api}/received_events"),
            url: api,
            kind: "User",
            site_admin: false,
            name: u.name.clone(),
            email: u.email.clone(),
            user_view_type: "public",
        }
    }
}

/// `GET /user`: the `private-user` schema for the owner with the `user` scope or a password,
/// the `public-user` schema otherwise (BEHAVIOR 77).
#[derive(Debug, Serialize)]
pub struct AuthenticatedUserView {
    #[serde(flatten)]
    base: SimpleUserView,
    company: Option<String>,
    blog: Option<String>,
    location: Option<String>,
    hireable: Option<bool>,
    bio: Option<String>,
    twitter_username: Option<String>,
    public_repos: u32,
    public_gists: u32,
    followers: u32,
    following: u32,
    created_at: String,
    updated_at: String,
    #[serde(flatten)]
    private: Option<PrivateFields>,
}

#[derive(Debug, Serialize)]
struct PrivateFields {
    private_gists: u32,
    total_private_repos: u32,
    owned_private_repos: u32,
    disk_usage: u32,
    collaborators: u32,
    two_factor_authentication: bool,
}

impl AuthenticatedUserView {
    /// The view for `u`; `scopes` is `None` for a password login (full access).
    pub fn new(u: &User, bases: &Bases, scopes: Option<&Scopes>) -> Self {
        let private = scopes.is_none_or(|s| s.grants("read:user"));
        let mut base = SimpleUserView::new(u, bases);
        base.user_view_type = if private { "private" } else { "public" };
        if !private && !scopes.is_some_and(|s| s.grants("user:email")) {
            base.email = None;
        }
        Self {
            base,
            company: None,
            blog: Some(String::new()),
            location: None,
            hireable: None,
            bio: None,
            twitter_username: None,
            public_repos: 0,
            public_gists: 0,
            followers: 0,
            following: 0,
            created_at: timestamp(u.created_at),
            updated_at: timestamp(u.updated_at),
            private: private.then(|| PrivateFields {
                private_gists: 0,
                total_private_repos: 0,
                owned_private_repos: 0,
                disk_usage: 0,
                collaborators: 0,
                two_factor_authentication: u.two_factor_enabled(),
            }),
        }
    }
}

/// `GET /`: the hypermedia root (BEHAVIOR 76).
pub fn root(bases: &Bases) -> serde_json::Value {
    let a = &bases.api;
    let s = &bases.site;
    serde_json::json!({
        "current_user_url": format!("{a}/user"),
        "current_user_authorizations_html_url": format!("{s}/settings/connections/applications{{/client_id}}"),
        "authorizations_url": format!("{a}/authorizations"),
        "code_search_url": format!("{a}/search/code?q={{query}}{{&page,per_page,sort,order}}"),
        "commit_search_url": format!("{a}/search/commits?q={{query}}{{&page,per_page,sort,order}}"),
        "emails_url": format!("{a}/user/emails"),
        "emojis_url": format!("{a}/emojis"),
        "events_url": format!("{a}/events"),
        "feeds_url": format!("{a}/feeds"),
        "followers_url": format!("{a}/user/followers"),
        "following_url": format!("{a}/user/following{{/target}}"),
        "gists_url": format!("{a}/gists{{/gist_id}}"),
        "hub_url": format!("{a}/hub"),
        "issue_search_url": format!("{a}/search/issues?q={{query}}{{&page,per_page,sort,order}}"),
        "issues_url": format!("{a}/issues"),
        "keys_url": format!("{a}/user/keys"),
        "label_search_url": format!("{a}/search/labels?q={{query}}&repository_id={{repository_id}}{{&page,per_page}}"),
        "notifications_url": format!("{a}/notifications"),
        "organization_url": format!("{a}/orgs/{{org}}"),
        "organization_repositories_url": format!("{a}/orgs/{{org}}/repos{{?type,page,per_page,sort}}"),
        "organization_teams_url": format!("{a}/orgs/{{org}}/teams"),
        "public_gists_url": format!("{a}/gists/public"),
        "rate_limit_url": format!("{a}/rate_limit"),
        "repository_url": format!("{a}/repos/{{owner}}/{{repo}}"),
        "repository_search_url": format!("{a}/search/repositories?q={{query}}{{&page,per_page,sort,order}}"),
        "current_user_repositories_url": format!("{a}/user/repos{{?type,page,per_page,sort}}"),
        "starred_url": format!("{a}/user/starred{{/owner}}{{/repo}}"),
        "starred_gists_url": format!("{a}/gists/starred"),
        "topic_search_url": format!("{a}/search/topics?q={{query}}{{&page,per_page}}"),
        "user_url": format!("{a}/users/{{user}}"),
        "user_organizations_url": format!("{a}/user/orgs"),
        "user_repositories_url": format!("{a}/users/{{user}}/repos{{?type,page,per_page,sort}}"),
        "user_search_url": format!("{a}/search/users?q={{query}}{{&page,per_page,sort,order}}"),
    })
}
