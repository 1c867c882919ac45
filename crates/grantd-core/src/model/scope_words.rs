//! What each scope lets an app do, in words, for the consent page (FLOWS 16), after GitHub's
//! documentation of OAuth app scopes. The page lists a normalised list of scopes, so a parent
//! stands for its children (BEHAVIOR 60) and each line is one group.

/// The sentence for `scope`; a scope added with `--extra-scopes` has none of its own.
pub fn describe(scope: &str) -> &'static str {
    match scope {
        "site_admin" => "Administer this grantd server as a site administrator",
        "repo" => "Full control of private repositories",
        "repo:status" => "Read and write commit statuses",
        "repo_deployment" => "Read and write deployment statuses",
        "public_repo" => "Read and write public repositories",
        "repo:invite" => "Accept and decline repository invitations",
        "security_events" => "Read and write security events",
        "admin:repo_hook" => "Full control of repository hooks",
        "write:repo_hook" => "Write repository hooks",
        "read:repo_hook" => "Read repository hooks",
        "admin:org" => "Full control of organizations and teams",
        "write:org" => "Read and write organization membership and projects",
        "read:org" => "Read organization membership and projects",
        "admin:public_key" => "Full control of your public SSH keys",
        "write:public_key" => "Write your public SSH keys",
        "read:public_key" => "Read your public SSH keys",
        "admin:org_hook" => "Full control of organization hooks",
        "gist" => "Create gists",
        "notifications" => "Access your notifications",
        "user" => "Update all your profile data",
        "read:user" => "Read all your profile data",
        "user:email" => "Read your e-mail addresses",
        "user:follow" => "Follow and unfollow users",
        "project" => "Full control of projects",
        "read:project" => "Read projects",
        "delete_repo" => "Delete repositories",
        "write:packages" => "Upload packages",
        "read:packages" => "Download packages",
        "delete:packages" => "Delete packages",
        "admin:gpg_key" => "Full control of your public GPG keys",
        "write:gpg_key" => "Write your public GPG keys",
        "read:gpg_key" => "Read your public GPG keys",
        "workflow" => "Update Actions workflow files",
        "admin:enterprise" => "Full control of enterprises",
        "manage_runners:enterprise" => "Manage enterprise runners and runner groups",
        "manage_billing:enterprise" => "Read and write enterprise billing data",
        "read:enterprise" => "Read enterprise profile data",
        "read:audit_log" => "Read audit log data",
        "codespace" => "Full control of codespaces",
        "admin:business" => "Full control of enterprise settings",
        "admin:pre_receive_hook" => "Full control of pre-receive hooks",
        "write:discussion" => "Read and write team discussions",
        "read:discussion" => "Read team discussions",
        _ => "A scope this server's administrator added",
    }
}

/// What an authorization with no scope lets an app do.
pub const NO_SCOPE: &str = "Read your public profile information";

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::KNOWN_SCOPES;

    #[test]
    fn every_known_scope_has_words_of_its_own() {
        let extra = describe("not-a-github-scope");
        for scope in KNOWN_SCOPES {
            assert_ne!(describe(scope), extra, "{scope}");
        }
    }
}
