//! `GET /` and `GET /user` (BEHAVIOR 76, 77).

use crate::helpers::*;

async fn root_lists_hypermedia_on_the_clients_base() {
    let server = TestServer::start().await;
    for api in server.layouts() {
        let resp = api.get("/").send().await;
        resp.expect(200);
        assert_eq!(
            resp.body["authorizations_url"],
            format!("{}/authorizations", api.public_base)
        );
        assert_eq!(resp.body["current_user_url"], format!("{}/user", api.public_base));
    }
    assert_eq!(
        server
            .enterprise()
            .get("/")
            .send()
            .await
            .header("x-github-enterprise-version"),
        Some("3.19.0")
    );
    assert!(server
        .root()
        .get("/")
        .send()
        .await
        .header("x-github-enterprise-version")
        .is_none());
}

async fn user_is_private_with_password_or_user_scope_and_public_otherwise() {
    let server = TestServer::start().await;
    server.add_user("alice").await;
    for api in server.layouts() {
        let private = api.get("/user").auth(password("alice")).send().await;
        private.expect(200);
        assert_eq!(private.body["user_view_type"], "private");
        assert_eq!(private.body["two_factor_authentication"], false);
        assert_eq!(private.body["email"], "alice@example.com");
        assert_eq!(private.body["url"], format!("{}/users/alice", api.public_base));
        let scoped = api
            .create_pat("alice", &format!("s{}", api.base.len()), &["read:user"])
            .await;
        let with_scope = api
            .get("/user")
            .auth(token(scoped["token"].as_str().unwrap()))
            .send()
            .await;
        assert_eq!(with_scope.expect(200).body["user_view_type"], "private");
        let bare = api
            .create_pat("alice", &format!("b{}", api.base.len()), &["repo"])
            .await;
        let public = api
            .get("/user")
            .auth(token(bare["token"].as_str().unwrap()))
            .send()
            .await;
        public.expect(200);
        assert_eq!(public.body["user_view_type"], "public");
        assert!(public.body.get("two_factor_authentication").is_none());
        assert_eq!(public.body["email"], serde_json::Value::Null);
        assert_eq!(public.header("x-oauth-scopes"), Some("repo"));
    }
}

store_tests!(
    root_lists_hypermedia_on_the_clients_base,
    user_is_private_with_password_or_user_scope_and_public_otherwise,
);
