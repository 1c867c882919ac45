//! Database identifiers as distinct types, so a user id is never passed where a grant id belongs.

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(pub i64);

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.0.fmt(f)
            }
        }
    };
}

id_type!(
    /// A user's numeric id (GitHub's `id` of a user).
    UserId
);
id_type!(
    /// An OAuth app's row id (not its public `client_id`).
    AppId
);
id_type!(
    /// An authorization's id, as in `/authorizations/{authorization_id}`.
    AuthorizationId
);
id_type!(
    /// A grant's id, as in `/applications/grants/{grant_id}`.
    GrantId
);
