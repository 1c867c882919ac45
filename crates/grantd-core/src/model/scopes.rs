//! OAuth scopes: the names GitHub Enterprise knows (BEHAVIOR 59), the parent/child tree
//! (BEHAVIOR 60) and normalisation (BEHAVIOR 61).
//!
//! Decisions where BEHAVIOR is UNCONFIRMED (recorded in the README too):
//! - an unknown scope name is refused with 422 `invalid` on field `scopes` (BEHAVIOR 62); extra
//!   names can be allowed with `--extra-scopes`;
//! - `write:X` implies `read:X` for normalisation, as GitHub's docs describe `write:` scopes as
//!   "read and write" access (BEHAVIOR 61).

use std::collections::BTreeSet;

/// The scope names of GitHub Enterprise Server (BEHAVIOR 59), including the older GHES names
/// seen in GitHub's own example data.
pub const KNOWN_SCOPES: &[&str] = &[
    "site_admin",
    "repo",
    "repo:status",
    "repo_deployment",
    "public_repo",
    "repo:invite",
    "security_events",
    "admin:repo_hook",
    "write:repo_hook",
    "read:repo_hook",
    "admin:org",
    "write:org",
    "read:org",
    "admin:public_key",
    "write:public_key",
    "read:public_key",
    "admin:org_hook",
    "gist",
    "notifications",
    "user",
    "read:user",
    "user:email",
    "user:follow",
    "project",
    "read:project",
    "delete_repo",
    "write:packages",
    "read:packages",
    "delete:packages",
    "admin:gpg_key",
    "write:gpg_key",
    "read:gpg_key",
    "workflow",
    "admin:enterprise",
    "manage_runners:enterprise",
    "manage_billing:enterprise",
    "read:enterprise",
    "read:audit_log",
    "codespace",
    "admin:business",
    "admin:pre_receive_hook",
    "write:discussion",
    "read:discussion",
];

/// Parent → children, from the table of GitHub's scopes documentation (BEHAVIOR 60).
const TREE: &[(&str, &[&str])] = &[
    (
        "repo",
        &[
            "repo:status",
            "repo_deployment",
            "public_repo",
            "repo:invite",
            "security_events",
        ],
    ),
    ("admin:repo_hook", &["write:repo_hook", "read:repo_hook"]),
    ("admin:org", &["write:org", "read:org"]),
    ("admin:public_key", &["write:public_key", "read:public_key"]),
    ("user", &["read:user", "user:email", "user:follow"]),
    ("project", &["read:project"]),
    ("admin:gpg_key", &["write:gpg_key", "read:gpg_key"]),
    (
        "admin:enterprise",
        &[
            "manage_runners:enterprise",
            "manage_billing:enterprise",
            "read:enterprise",
        ],
    ),
    ("write:discussion", &["read:discussion"]),
];

/// A normalised list of scopes: no duplicates, no scope implied by another one in the list.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Scopes(Vec<String>);

impl Scopes {
    /// The empty list ("no scope": read-only public access).
    pub fn empty() -> Self {
        Self(Vec::new())
    }

    /// The scope names, in the order they were requested.
    pub fn as_slice(&self) -> &[String] {
        &self.0
    }

    /// Whether the list holds no scope.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The storage form: names joined by `,`.
    pub fn to_storage(&self) -> String {
        self.0.join(",")
    }

    /// Reads the storage form back. The names were validated when stored, so they are not
    /// validated again (a scope later removed from the configuration stays readable).
    pub fn from_storage(stored: &str) -> Self {
        Self(stored.split(',').filter(|s| !s.is_empty()).map(str::to_owned).collect())
    }

    /// The `X-OAuth-Scopes` form: names joined by `", "` (BEHAVIOR 63, 84).
    pub fn header_value(&self) -> String {
        self.0.join(", ")
    }

    /// Whether this list grants `scope`, directly or through a parent scope.
    pub fn grants(&self, scope: &str) -> bool {
        self.0.iter().any(|s| s == scope || implies(s, scope))
    }
}

/// Why a list of scopes was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScopeError {
    /// A name that is not a known scope.
    #[error("unknown scope {0:?}")]
    Unknown(String),
}

/// The scope names this server accepts, and the rules that normalise lists of them.
#[derive(Debug, Clone)]
pub struct ScopeRegistry {
    known: BTreeSet<String>,
}

impl Default for ScopeRegistry {
    fn default() -> Self {
        Self::new(std::iter::empty::<String>())
    }
}

impl ScopeRegistry {
    /// GitHub Enterprise's scope names plus `extra` ones.
    pub fn new(extra: impl IntoIterator<Item = impl Into<String>>) -> Self {
        let mut known: BTreeSet<String> = KNOWN_SCOPES.iter().map(|s| (*s).to_owned()).collect();
        known.extend(extra.into_iter().map(Into::into).filter(|s: &String| !s.is_empty()));
        Self { known }
    }

    /// Validates and normalises requested scopes (BEHAVIOR 61): surrounding blanks trimmed, empty
    /// names ignored, duplicates and scopes implied by another requested scope dropped, order kept.
    pub fn normalise<S: AsRef<str>>(&self, requested: &[S]) -> Result<Scopes, ScopeError> {
        let mut names: Vec<&str> = Vec::with_capacity(requested.len());
        for raw in requested {
            let name = raw.as_ref().trim();
            if name.is_empty() || names.contains(&name) {
                continue;
            }
            if !self.known.contains(name) {
                return Err(ScopeError::Unknown(name.to_owned()));
            }
            names.push(name);
        }
        Ok(Scopes(reduce(&names)))
    }
}

/// Drops every name implied by another name of the list, keeping the order.
fn reduce(names: &[&str]) -> Vec<String> {
    names
        .iter()
        .filter(|name| !names.iter().any(|other| implies(other, name)))
        .map(|name| (*name).to_owned())
        .collect()
}

/// The union of several normalised lists, itself normalised and sorted (a grant's scopes,
/// BEHAVIOR 47).
pub fn union<'a>(lists: impl IntoIterator<Item = &'a Scopes>) -> Scopes {
    let all: BTreeSet<&str> = lists.into_iter().flat_map(|s| s.0.iter().map(String::as_str)).collect();
    let names: Vec<&str> = all.into_iter().collect();
    Scopes(reduce(&names))
}

impl Scopes {
    /// See [`union`].
    pub fn union<'a>(lists: impl IntoIterator<Item = &'a Scopes>) -> Scopes {
        union(lists)
    }
}

/// Whether scope `a` implies a different scope `b`: `b` is a descendant of `a` in the tree, or `a`
/// is `write:X` and `b` is `read:X`.
fn implies(a: &str, b: &str) -> bool {
    if a == b {
        return false;
    }
    if let (Some(x), Some(y)) = (a.strip_prefix("write:"), b.strip_prefix("read:")) {
        if x == y {
            return true;
        }
    }
    TREE.iter()
        .filter(|(parent, _)| *parent == a)
        .flat_map(|(_, children)| children.iter())
        .any(|child| *child == b || implies(child, b))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn norm(input: &[&str]) -> Vec<String> {
        ScopeRegistry::default().normalise(input).expect("valid scopes").0
    }

    #[test]
    fn github_docs_example_drops_child_of_requested_parent() {
        // BEHAVIOR 61: `user,gist,user:email` is stored as `user,gist`.
        assert_eq!(norm(&["user", "gist", "user:email"]), ["user", "gist"]);
    }

    #[test]
    fn duplicates_and_blanks_are_dropped_and_order_kept() {
        assert_eq!(norm(&["gist", "repo", "gist", " ", "repo"]), ["gist", "repo"]);
    }

    #[test]
    fn every_child_of_the_tree_is_implied_by_its_parent() {
        for (parent, children) in TREE {
            for child in *children {
                assert_eq!(norm(&[child, parent]), [*parent], "{parent} should imply {child}");
            }
        }
    }

    #[test]
    fn write_implies_read_but_not_the_other_way() {
        assert_eq!(norm(&["read:packages", "write:packages"]), ["write:packages"]);
        assert_eq!(norm(&["read:org", "write:org"]), ["write:org"]);
        assert_eq!(norm(&["read:packages"]), ["read:packages"]);
    }

    #[test]
    fn siblings_are_kept() {
        assert_eq!(norm(&["repo:status", "public_repo"]), ["repo:status", "public_repo"]);
    }

    #[test]
    fn unknown_scope_is_refused() {
        let err = ScopeRegistry::default()
            .normalise(&["repo", "rep0"])
            .expect_err("unknown");
        assert_eq!(err, ScopeError::Unknown("rep0".into()));
    }

    #[test]
    fn extra_scopes_can_be_configured() {
        let reg = ScopeRegistry::new(["copilot"]);
        assert_eq!(reg.normalise(&["copilot"]).expect("configured").0, ["copilot"]);
    }

    #[test]
    fn union_of_token_scopes_is_normalised_and_sorted() {
        let a = Scopes::from_storage("user,repo:status");
        let b = Scopes::from_storage("repo,read:user");
        assert_eq!(Scopes::union([&a, &b]).0, ["repo", "user"]);
    }

    #[test]
    fn grants_follows_the_tree() {
        let s = Scopes::from_storage("repo,user");
        assert!(s.grants("public_repo"));
        assert!(s.grants("user"));
        assert!(s.grants("read:user"));
        assert!(!s.grants("gist"));
    }

    #[test]
    fn storage_round_trip_and_header_form() {
        let s = Scopes::from_storage("repo,user");
        assert_eq!(s.to_storage(), "repo,user");
        assert_eq!(s.header_value(), "repo, user");
        assert!(Scopes::from_storage("").is_empty());
    }
}
