//! The JSON shapes of GitHub's REST API (schemas of `spec/openapi.json`): authorizations,
//! grants, users and the hypermedia root. Every `url` is absolute on the base URL the client
//! used (BEHAVIOR 3, 86); every timestamp is ISO 8601 UTC without fraction (BEHAVIOR 4).

use base64::Engine as _;
use grantd_core::model::{AppSummary, Authorization, Grant, Scopes, User, PAT_CLIENT_ID};
use serde::Serialize;
use std::sync::Arc;
use time::OffsetDateTime;

/// Where the synthesised `app` of a personal access token points (BEHAVIOR 35).
const PAT_APP_URL: &str =
    "https://docs.github.com/enterprise-server@3.19/rest/oauth-authorizations/oauth-authorizations";

/// The base URLs of one request: the API base (with `/api/v3` on the Enterprise layout) and the
/// site (for `html_url`).
#[derive(Debug, Clone)]
pub struct Bases {
    /// API base, no trailing slash.
    pub api: Arc<str>,
    /// Site base, no trailing slash.
    pub site: Arc<str>,
}

/// `2011-09-06T17:26:27Z`.
pub fn timestamp(t: OffsetDateTime) -> String {
    Timestamp(t).to_string()
}

/// A timestamp serialised as `2011-09-06T17:26:27Z` (BEHAVIOR 4) without building a `String`.
#[derive(Debug, Clone, Copy)]
struct Timestamp(OffsetDateTime);

impl Timestamp {
    /// The 20 bytes, for years 0 to 9999 (other years go through `write!`).
    fn ascii(self) -> Option<[u8; 20]> {
        let t = self.0.to_offset(time::UtcOffset::UTC);
        let year = u32::try_from(t.year()).ok().filter(|y| *y <= 9999)?;
        let mut out = *b"0000-00-00T00:00:00Z";
        let mut put = |at: usize, value: u32, width: usize| {
            let mut v = value;
            for i in (at..at + width).rev() {
                // A digit: `v % 10` is below 10.
                out[i] = b'0' + (v % 10) as u8;
                v /= 10;
            }
        };
        put(0, year, 4);
        put(5, u32::from(u8::from(t.month())), 2);
        put(8, u32::from(t.day()), 2);
        put(11, u32::from(t.hour()), 2);
        put(14, u32::from(t.minute()), 2);
        put(17, u32::from(t.second()), 2);
        Some(out)
    }
}

impl std::fmt::Display for Timestamp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.ascii() {
            Some(bytes) => f.write_str(std::str::from_utf8(&bytes).map_err(|_| std::fmt::Error)?),
            None => {
                let t = self.0.to_offset(time::UtcOffset::UTC);
                write!(
                    f,
                    "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
                    t.year(),
                    u8::from(t.month()),
                    t.day(),
                    t.hour(),
                    t.minute(),
                    t.second()
                )
            }
        }
    }
}

impl Serialize for Timestamp {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self.ascii() {
            Some(bytes) => s.serialize_str(std::str::from_utf8(&bytes).map_err(serde::ser::Error::custom)?),
            None => s.collect_str(self),
        }
    }
}

/// The last part of a [`Url`] before its fixed tail.
#[derive(Debug, Clone, Copy)]
enum Name<'a> {
    Text(&'a str),
    Id(i64),
}

/// An absolute URL, `head` + `mid` + `name` + `tail`, written straight into the answer instead of
/// being built as a `String` first (a user shows a dozen of them).
#[derive(Debug, Clone, Copy)]
pub struct Url<'a> {
    head: &'a str,
    mid: &'static str,
    name: Name<'a>,
    tail: &'static str,
}

impl<'a> Url<'a> {
    const fn new(head: &'a str, mid: &'static str, name: Name<'a>, tail: &'static str) -> Self {
        Self { head, mid, name, tail }
    }
}

impl Url<'_> {
    /// Writes the URL at the end of `out`.
    fn write_to(&self, out: &mut String) {
        let mut id = itoa::Buffer::new();
        let name = match self.name {
            Name::Text(t) => t,
            Name::Id(n) => id.format(n),
        };
        out.reserve(self.head.len() + self.mid.len() + name.len() + self.tail.len());
        out.push_str(self.head);
        out.push_str(self.mid);
        out.push_str(name);
        out.push_str(self.tail);
    }
}

impl std::fmt::Display for Url<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut out = String::new();
        self.write_to(&mut out);
        f.write_str(&out)
    }
}

impl Serialize for Url<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        // One string in one piece: serde_json escapes a piece at a time, and pieces written
        // through `collect_str` each pay for the formatting machinery.
        let mut out = String::new();
        self.write_to(&mut out);
        s.serialize_str(&out)
    }
}

/// A token digest as 64 lowercase hexadecimal digits (`hashed_token`).
#[derive(Debug, Clone, Copy)]
struct Hex<'a>(&'a [u8; 32]);

impl Serialize for Hex<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        const DIGITS: &[u8; 16] = b"0123456789abcdef";
        let mut out = [0u8; 64];
        for (i, b) in self.0.iter().enumerate() {
            out[2 * i] = DIGITS[usize::from(b >> 4)];
            out[2 * i + 1] = DIGITS[usize::from(b & 0xf)];
        }
        s.serialize_str(std::str::from_utf8(&out).map_err(serde::ser::Error::custom)?)
    }
}

/// `app{client_id,name,url}`.
#[derive(Debug, Serialize)]
pub struct AppView<'a> {
    client_id: &'a str,
    name: &'a str,
    url: &'a str,
}

impl<'a> AppView<'a> {
    fn of(app: Option<&'a AppSummary>, note: Option<&'a str>) -> Self {
        match app {
            Some(app) => Self {
                client_id: &app.client_id.0,
                name: &app.name,
                url: &app.url,
            },
            None => Self {
                client_id: PAT_CLIENT_ID,
                name: note.unwrap_or_default(),
                url: PAT_APP_URL,
            },
        }
    }
}

/// The `authorization` schema.
#[derive(Debug, Serialize)]
pub struct AuthorizationView<'a> {
    id: i64,
    url: Url<'a>,
    scopes: &'a [String],
    token: &'a str,
    token_last_eight: &'a str,
    hashed_token: Hex<'a>,
    app: AppView<'a>,
    note: Option<&'a str>,
    note_url: Option<&'a str>,
    updated_at: Timestamp,
    created_at: Timestamp,
    fingerprint: Option<&'a str>,
    expires_at: Option<Timestamp>,
    #[serde(skip_serializing_if = "Option::is_none")]
    user: Option<SimpleUserView<'a>>,
    installation: Option<()>,
}

impl<'a> AuthorizationView<'a> {
    /// `token` is the full token where GitHub shows it (create, reset, check), otherwise `""`
    /// (BEHAVIOR 32); `user` is shown on check and reset (BEHAVIOR 45).
    pub fn new(a: &'a Authorization, bases: &'a Bases, token: Option<&'a str>, user: Option<&'a User>) -> Self {
        Self {
            id: a.id.0,
            url: Url::new(&bases.api, "/authorizations/", Name::Id(a.id.0), ""),
            scopes: a.scopes.as_slice(),
            token: token.unwrap_or_default(),
            token_last_eight: &a.token_last_eight,
            hashed_token: Hex(&a.token_digest.0),
            app: AppView::of(a.app.as_ref(), a.note.as_deref()),
            note: a.note.as_deref(),
            note_url: a.note_url.as_deref(),
            updated_at: Timestamp(a.updated_at),
            created_at: Timestamp(a.created_at),
            fingerprint: a.fingerprint.as_deref(),
            expires_at: a.expires_at.map(Timestamp),
            user: user.map(|u| SimpleUserView::new(u, bases)),
            installation: None,
        }
    }

    /// The `url` of this authorization (for `Location`).
    pub fn url(&self) -> String {
        self.url.to_string()
    }
}

/// The `application-grant` schema.
#[derive(Debug, Serialize)]
pub struct GrantView<'a> {
    id: i64,
    url: Url<'a>,
    app: AppView<'a>,
    created_at: Timestamp,
    updated_at: Timestamp,
    scopes: &'a [String],
}

impl<'a> GrantView<'a> {
    /// A grant as GitHub shows it.
    pub fn new(g: &'a Grant, bases: &'a Bases) -> Self {
        Self {
            id: g.id.0,
            url: Url::new(&bases.api, "/applications/grants/", Name::Id(g.id.0), ""),
            app: AppView::of(Some(&g.app), None),
            created_at: Timestamp(g.created_at),
            updated_at: Timestamp(g.updated_at),
            scopes: g.scopes.as_slice(),
        }
    }
}

/// The `simple-user` schema.
#[derive(Debug, Serialize)]
pub struct SimpleUserView<'a> {
    login: &'a str,
    id: i64,
    node_id: String,
    avatar_url: Url<'a>,
    gravatar_id: Option<&'a str>,
    url: Url<'a>,
    html_url: Url<'a>,
    followers_url: Url<'a>,
    following_url: Url<'a>,
    gists_url: Url<'a>,
    starred_url: Url<'a>,
    subscriptions_url: Url<'a>,
    organizations_url: Url<'a>,
    repos_url: Url<'a>,
    events_url: Url<'a>,
    received_events_url: Url<'a>,
    #[serde(rename = "type")]
    kind: &'static str,
    site_admin: bool,
    name: Option<&'a str>,
    email: Option<&'a str>,
    user_view_type: &'static str,
}

impl<'a> SimpleUserView<'a> {
    /// A user as shown inside other objects.
    pub fn new(u: &'a User, bases: &'a Bases) -> Self {
        let api = |tail| Url::new(&bases.api, "/users/", Name::Text(&u.login), tail);
        Self {
            login: &u.login,
            id: u.id.0,
            // GitHub's legacy global node id: base64 of "04:User{id}".
            node_id: base64::engine::general_purpose::STANDARD.encode(format!("04:User{}", u.id)),
            avatar_url: Url::new(&bases.site, "/avatars/u/", Name::Id(u.id.0), ""),
            gravatar_id: Some(""),
            url: api(""),
            html_url: Url::new(&bases.site, "/", Name::Text(&u.login), ""),
            followers_url: api("/followers"),
            following_url: api("/following{/other_user}"),
            gists_url: api("/gists{/gist_id}"),
            starred_url: api("/starred{/owner}{/repo}"),
            subscriptions_url: api("/subscriptions"),
            organizations_url: api("/orgs"),
            repos_url: api("/repos"),
            events_url: api("/events{/privacy}"),
            received_events_url: api("/received_events"),
            kind: "User",
            site_admin: false,
            name: u.name.as_deref(),
            email: u.email.as_deref(),
            user_view_type: "public",
        }
    }
}

/// `GET /user`: the `private-user` schema for the owner with the `user` scope or a password,
/// the `public-user` schema otherwise (BEHAVIOR 77).
#[derive(Debug, Serialize)]
pub struct AuthenticatedUserView<'a> {
    #[serde(flatten)]
    base: SimpleUserView<'a>,
    company: Option<String>,
    blog: Option<&'static str>,
    location: Option<String>,
    hireable: Option<bool>,
    bio: Option<String>,
    twitter_username: Option<String>,
    public_repos: u32,
    public_gists: u32,
    followers: u32,
    following: u32,
    created_at: Timestamp,
    updated_at: Timestamp,
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

impl<'a> AuthenticatedUserView<'a> {
    /// The view for `u`; `scopes` is `None` for a password login (full access).
    pub fn new(u: &'a User, bases: &'a Bases, scopes: Option<&Scopes>) -> Self {
        let private = scopes.is_none_or(|s| s.grants("read:user"));
        let mut base = SimpleUserView::new(u, bases);
        base.user_view_type = if private { "private" } else { "public" };
        if !private && !scopes.is_some_and(|s| s.grants("user:email")) {
            base.email = None;
        }
        Self {
            base,
            company: None,
            blog: Some(""),
            location: None,
            hireable: None,
            bio: None,
            twitter_username: None,
            public_repos: 0,
            public_gists: 0,
            followers: 0,
            following: 0,
            created_at: Timestamp(u.created_at),
            updated_at: Timestamp(u.updated_at),
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

/// One of `GET /user/emails`'s `email` objects (FLOWS 39).
#[derive(Debug, Serialize)]
pub struct EmailView<'a> {
    email: &'a str,
    primary: bool,
    verified: bool,
    visibility: Option<&'static str>,
}

impl<'a> EmailView<'a> {
    /// The user's addresses: grantd keeps one, which is therefore the primary one. Its
    /// visibility is `public`: grantd shows it in the user objects it returns (BEHAVIOR 77).
    pub fn of(u: &'a User) -> Vec<Self> {
        u.email
            .as_deref()
            .map(|email| Self {
                email,
                primary: true,
                verified: u.email_verified,
                visibility: Some("public"),
            })
            .into_iter()
            .collect()
    }
}

/// `GET /meta` (FLOWS 40): the fields of GitHub Enterprise Server's `api-overview` that hold for
/// grantd. `verifiable_password_authentication`: the API takes a login and password (Basic);
/// `installed_version`: the Enterprise version grantd answers as. GitHub's lists of IP ranges,
/// SSH keys and domains are left out: grantd serves none of those services, and an empty list
/// would claim that there are no such addresses.
pub fn meta() -> serde_json::Value {
    serde_json::json!({
        "verifiable_password_authentication": true,
        "installed_version": crate::middleware::headers::ENTERPRISE_VERSION,
    })
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_are_iso_8601_utc_without_fraction() {
        let t = OffsetDateTime::from_unix_timestamp(1_315_329_987).expect("time");
        assert_eq!(timestamp(t), "2011-09-06T17:26:27Z");
        assert_eq!(timestamp(OffsetDateTime::UNIX_EPOCH), "1970-01-01T00:00:00Z");
        let offset = t.to_offset(time::UtcOffset::from_hms(5, 30, 0).expect("offset"));
        assert_eq!(timestamp(offset), "2011-09-06T17:26:27Z", "always in UTC");
        let first = OffsetDateTime::from_unix_timestamp(-62_167_219_200).expect("year 0");
        assert_eq!(timestamp(first), "0000-01-01T00:00:00Z");
        let last = OffsetDateTime::from_unix_timestamp(253_402_300_799).expect("year 9999");
        assert_eq!(timestamp(last), "9999-12-31T23:59:59Z");
        let before = OffsetDateTime::from_unix_timestamp(-62_167_219_201).expect("year -1");
        assert!(timestamp(before).ends_with("-12-31T23:59:59Z"), "{}", timestamp(before));
    }

    #[test]
    fn urls_and_digests_serialise_as_strings() {
        let url = Url::new("https://h/api/v3", "/users/", Name::Text("a\"b"), "/gists{/gist_id}");
        assert_eq!(
            serde_json::to_string(&url).expect("json"),
            r#""https://h/api/v3/users/a\"b/gists{/gist_id}""#
        );
        assert_eq!(url.to_string(), "https://h/api/v3/users/a\"b/gists{/gist_id}");
        let id = Url::new("http://x", "/authorizations/", Name::Id(-12), "");
        assert_eq!(id.to_string(), "http://x/authorizations/-12");
        let mut digest = [0u8; 32];
        digest[0] = 0xab;
        digest[31] = 0x0f;
        let hex = serde_json::to_string(&Hex(&digest)).expect("json");
        assert_eq!(hex, format!("\"{}\"", hex::encode(digest)));
    }
}
