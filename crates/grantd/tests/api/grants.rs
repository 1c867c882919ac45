//! `/applications/grants` (BEHAVIOR 46-49).

use crate::helpers::*;
use serde_json::json;

async fn a_grant_per_app_with_the_union_of_its_tokens_scopes() {
    let server = TestServer::start().await;
    server.add_user("alice").await;
    let (client_id, secret) = server.add_app("App").await;
    for api in server.layouts() {
        api.create_app_token("alice", &client_id, &secret, &format!("a{}", api.base.len()), &["repo"])
            .await;
        api.create_app_token(
            "alice",
            &client_id,
            &secret,
            &format!("b{}", api.base.len()),
            &["user", "repo:status"],
        )
        .await;
        api.create_pat("alice", &format!("pat{}", api.base.len()), &["gist"])
            .await;
        let list = api.get("/applications/grants").auth(password("alice")).send().await;
        list.expect(200);
        let grants = list.body.as_array().unwrap();
        // Personal access tokens have no grant (decision on BEHAVIOR 49).
        assert_eq!(grants.len(), 1);
        let grant = &grants[0];
        assert_eq!(grant["scopes"], json!(["repo", "user"]));
        assert_eq!(grant["app"]["client_id"], client_id);
        let url = format!("{}/applications/grants/{}", api.public_base, grant["id"]);
        assert_eq!(grant["url"], url);
        let one = api
            .get(&format!("/applications/grants/{}", grant["id"]))
            .auth(password("alice"))
            .send()
            .await;
        one.expect(200);
        assert_eq!(one.body["id"], grant["id"]);
        let filtered = api
            .get(&format!("/applications/grants?client_id={client_id}"))
            .auth(password("alice"))
            .send()
            .await;
        assert_eq!(filtered.expect(200).body.as_array().unwrap().len(), 1);
        let other = api
            .get("/applications/grants?client_id=someone-else")
            .auth(password("alice"))
            .send()
            .await;
        assert_eq!(other.body, json!([]));
        // Deleting the grant deletes every token of it (BEHAVIOR 48).
        api.delete(&format!("/applications/grants/{}", grant["id"]))
            .auth(password("alice"))
            .send()
            .await
            .expect(204);
        let left = api.get("/authorizations").auth(password("alice")).send().await;
        let left = left.body.as_array().unwrap();
        assert_eq!(left.len(), 1, "only the personal token remains");
        assert_eq!(left[0]["app"]["client_id"], "00000000000000000000");
        api.delete(&format!("/authorizations/{}", left[0]["id"]))
            .auth(password("alice"))
            .send()
            .await
            .expect(204);
        assert_not_found(
            &api.get(&format!("/applications/grants/{}", grant["id"]))
                .auth(password("alice"))
                .send()
                .await,
        );
    }
}

async fn another_users_grant_is_not_found() {
    let server = TestServer::start().await;
    server.add_user("alice").await;
    server.add_user("bob").await;
    let (client_id, secret) = server.add_app("App").await;
    let api = server.root();
    api.create_app_token("alice", &client_id, &secret, "f", &["repo"]).await;
    let grant = &api
        .get("/applications/grants")
        .auth(password("alice"))
        .send()
        .await
        .body[0];
    assert_not_found(
        &api.get(&format!("/applications/grants/{}", grant["id"]))
            .auth(password("bob"))
            .send()
            .await,
    );
    assert_not_found(
        &api.delete(&format!("/applications/grants/{}", grant["id"]))
            .auth(password("bob"))
            .send()
            .await,
    );
    assert_not_found(
        &api.get("/applications/grants/nope")
            .auth(password("alice"))
            .send()
            .await,
    );
}

async fn grant_disappears_with_its_last_token() {
    let server = TestServer::start().await;
    server.add_user("alice").await;
    let (client_id, secret) = server.add_app("App").await;
    let api = server.root();
    let t = api.create_app_token("alice", &client_id, &secret, "f", &["repo"]).await;
    assert_eq!(
        api.get("/applications/grants")
            .auth(password("alice"))
            .send()
            .await
            .body
            .as_array()
            .unwrap()
            .len(),
        1
    );
    api.delete(&format!("/authorizations/{}", t["id"]))
        .auth(password("alice"))
        .send()
        .await
        .expect(204);
    assert_eq!(
        api.get("/applications/grants")
            .auth(password("alice"))
            .send()
            .await
            .body,
        json!([])
    );
}

store_tests!(
    a_grant_per_app_with_the_union_of_its_tokens_scopes,
    another_users_grant_is_not_found,
    grant_disappears_with_its_last_token,
);
