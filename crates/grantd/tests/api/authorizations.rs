//! `/authorizations`: create, get-or-create, list, get, update (PATCH and POST), delete
//! (BEHAVIOR 31-45), on both layouts.

use crate::helpers::*;
use serde_json::json;

async fn create_personal_token_returns_full_token_and_location_on_both_layouts() {
    let server = TestServer::start().await;
    server.add_user("alice").await;
    for (i, api) in server.layouts().iter().enumerate() {
        let resp = api
            .post("/authorizations")
            .auth(password("alice"))
            .json(json!({"note": format!("ci {i}"), "scopes": ["user", "gist", "user:email"], "note_url": "https://ci.example.com"}))
            .send()
            .await;
        resp.expect(201);
        let body = &resp.body;
        let token = body["token"].as_str().unwrap();
        assert!(token.starts_with("ghp_") && token.len() == 40, "{token}");
        assert_eq!(body["token_last_eight"], &token[32..]);
        assert_eq!(
            body["hashed_token"],
            grantd_core::secret::TokenDigest::of(token).to_hex()
        );
        // BEHAVIOR 61: user:email is implied by user.
        assert_eq!(body["scopes"], json!(["user", "gist"]));
        // BEHAVIOR 35: synthesised app.
        assert_eq!(body["app"]["client_id"], "00000000000000000000");
        assert_eq!(body["app"]["name"], format!("ci {i}"));
        let url = format!("{}/authorizations/{}", api.public_base, body["id"]);
        assert_eq!(body["url"], url);
        assert_eq!(resp.header("location"), Some(url.as_str()));
        assert_eq!(body["expires_at"], json!(null));
        assert_eq!(body["fingerprint"], json!(null));
    }
}

async fn personal_token_needs_a_note() {
    let server = TestServer::start().await;
    server.add_user("alice").await;
    for api in server.layouts() {
        for body in [
            json!({"scopes": ["repo"]}),
            json!({"note": "", "scopes": ["repo"]}),
            json!({"note": null}),
        ] {
            let resp = api
                .post("/authorizations")
                .auth(password("alice"))
                .json(body)
                .send()
                .await;
            resp.expect(422);
            assert_eq!(resp.message(), "Validation Failed");
            assert_eq!(
                resp.first_error(),
                ("OauthAccess".into(), "description".into(), "missing_field".into())
            );
        }
    }
}

async fn duplicate_personal_note_is_already_exists_but_other_users_may_reuse_it() {
    let server = TestServer::start().await;
    server.add_user("alice").await;
    server.add_user("bob").await;
    let api = server.root();
    api.create_pat("alice", "deploy", &[]).await;
    let resp = api
        .post("/authorizations")
        .auth(password("alice"))
        .json(json!({"note": "deploy"}))
        .send()
        .await;
    resp.expect(422);
    assert_eq!(
        resp.first_error(),
        ("OauthAccess".into(), "description".into(), "already_exists".into())
    );
    api.create_pat("bob", "deploy", &[]).await;
}

async fn create_for_an_app_with_its_credentials_issues_an_oauth_token() {
    let server = TestServer::start().await;
    server.add_user("alice").await;
    let (client_id, secret) = server.add_app("Deployer").await;
    for (i, api) in server.layouts().iter().enumerate() {
        let resp = api
            .post("/authorizations")
            .auth(password("alice"))
            .json(json!({"client_id": client_id, "client_secret": secret, "scopes": ["repo"], "fingerprint": format!("f{i}")}))
            .send()
            .await;
        resp.expect(201);
        assert!(resp.body["token"].as_str().unwrap().starts_with("gho_"));
        assert_eq!(
            resp.body["app"],
            json!({"client_id": client_id, "name": "Deployer", "url": "https://example.com/app"})
        );
        assert_eq!(resp.body["fingerprint"], format!("f{i}"));
        // The same fingerprint again is a conflict on `fingerprint` (BEHAVIOR 36).
        let again = api
            .post("/authorizations")
            .auth(password("alice"))
            .json(json!({"client_id": client_id, "client_secret": secret, "fingerprint": format!("f{i}")}))
            .send()
            .await;
        again.expect(422);
        assert_eq!(
            again.first_error(),
            ("OauthAccess".into(), "fingerprint".into(), "already_exists".into())
        );
    }
}

async fn wrong_app_credentials_in_the_body_are_githubs_invalid_client_422() {
    let server = TestServer::start().await;
    server.add_user("alice").await;
    let (client_id, _) = server.add_app("Deployer").await;
    let api = server.root();
    for body in [
        json!({"client_id": client_id, "client_secret": "0".repeat(40)}),
        json!({"client_id": "nope", "client_secret": "0".repeat(40)}),
    ] {
        let resp = api
            .post("/authorizations")
            .auth(password("alice"))
            .json(body)
            .send()
            .await;
        resp.expect(422);
        assert_eq!(resp.message(), "Invalid OAuth application client_id or secret.");
    }
    let resp = api
        .post("/authorizations")
        .auth(password("alice"))
        .json(json!({"client_id": client_id}))
        .send()
        .await;
    resp.expect(422);
    assert_eq!(resp.first_error().1, "client_secret");
}

async fn github3py_style_nulls_and_blank_client_id_mean_absent() {
    // BEHAVIOR 37, 82.
    let server = TestServer::start().await;
    server.add_user("alice").await;
    let resp = server
        .root()
        .post("/authorizations")
        .auth(password("alice"))
        .json(json!({"note": "gh3", "note_url": null, "client_id": "", "client_secret": null, "scopes": null}))
        .send()
        .await;
    resp.expect(201);
    assert!(resp.body["token"].as_str().unwrap().starts_with("ghp_"));
    assert_eq!(resp.body["scopes"], json!([]));
}

async fn unknown_scope_and_bad_field_types_are_422_invalid() {
    let server = TestServer::start().await;
    server.add_user("alice").await;
    let api = server.root();
    for (body, field) in [
        (json!({"note": "x", "scopes": ["repo", "not_a_scope"]}), "scopes"),
        (json!({"note": "x", "scopes": "repo"}), "scopes"),
        (json!({"note": "x", "scopes": [1]}), "scopes"),
        (json!({"note": 5}), "note"),
        (json!({"note": "x", "note_url": "not a url"}), "note_url"),
    ] {
        let resp = api
            .post("/authorizations")
            .auth(password("alice"))
            .json(body.clone())
            .send()
            .await;
        resp.expect(422);
        assert_eq!(
            resp.first_error(),
            ("OauthAccess".into(), field.into(), "invalid".into()),
            "{body}"
        );
    }
}

async fn get_or_create_returns_201_with_token_then_200_without() {
    let server = TestServer::start().await;
    server.add_user("alice").await;
    let (client_id, secret) = server.add_app("App").await;
    for api in server.layouts() {
        // Fresh per layout: remove what the previous layout created.
        for a in api
            .get("/authorizations")
            .auth(password("alice"))
            .send()
            .await
            .body
            .as_array()
            .unwrap()
        {
            api.delete(&format!("/authorizations/{}", a["id"]))
                .auth(password("alice"))
                .send()
                .await
                .expect(204);
        }
        let path = format!("/authorizations/clients/{client_id}");
        let first = api
            .put(&path)
            .auth(password("alice"))
            .json(json!({"client_secret": secret, "scopes": ["repo"]}))
            .send()
            .await;
        first.expect(201);
        let token = first.body["token"].as_str().unwrap();
        assert!(token.starts_with("gho_"));
        let url = first.body["url"].as_str().unwrap();
        assert_eq!(first.header("location"), Some(url));
        let second = api
            .put(&path)
            .auth(password("alice"))
            .json(json!({"client_secret": secret, "scopes": ["repo"]}))
            .send()
            .await;
        second.expect(200);
        assert_eq!(second.body["token"], "");
        assert_eq!(second.body["id"], first.body["id"]);
        assert_eq!(second.header("location"), Some(url));
    }
}

async fn get_or_create_with_fingerprint_distinguishes_tokens() {
    let server = TestServer::start().await;
    server.add_user("alice").await;
    let (client_id, secret) = server.add_app("App").await;
    for api in server.layouts() {
        let a = api
            .create_app_token(
                "alice",
                &client_id,
                &secret,
                &format!("{}-a", api.base.len()),
                &["repo"],
            )
            .await;
        let b = api
            .create_app_token(
                "alice",
                &client_id,
                &secret,
                &format!("{}-b", api.base.len()),
                &["gist"],
            )
            .await;
        assert_ne!(a["id"], b["id"]);
        let again = api
            .put(&format!("/authorizations/clients/{client_id}/{}-a", api.base.len()))
            .auth(password("alice"))
            .json(json!({"client_secret": secret}))
            .send()
            .await;
        again.expect(200);
        assert_eq!(again.body["id"], a["id"]);
        assert_eq!(again.body["token"], "");
        // The fingerprint in the body of the variant without one behaves the same (BEHAVIOR 39).
        let body_fp = api
            .put(&format!("/authorizations/clients/{client_id}"))
            .auth(password("alice"))
            .json(json!({"client_secret": secret, "fingerprint": format!("{}-b", api.base.len())}))
            .send()
            .await;
        body_fp.expect(200);
        assert_eq!(body_fp.body["id"], b["id"]);
    }
}

async fn get_or_create_needs_the_client_secret() {
    let server = TestServer::start().await;
    server.add_user("alice").await;
    let (client_id, _) = server.add_app("App").await;
    let api = server.root();
    let resp = api
        .put(&format!("/authorizations/clients/{client_id}"))
        .auth(password("alice"))
        .json(json!({"scopes": []}))
        .send()
        .await;
    resp.expect(422);
    assert_eq!(
        resp.first_error(),
        ("OauthAccess".into(), "client_secret".into(), "missing_field".into())
    );
    let wrong = api
        .put(&format!("/authorizations/clients/{client_id}"))
        .auth(password("alice"))
        .json(json!({"client_secret": "f".repeat(40)}))
        .send()
        .await;
    wrong.expect(422);
    assert_eq!(wrong.message(), "Invalid OAuth application client_id or secret.");
}

async fn list_and_get_never_show_the_token() {
    let server = TestServer::start().await;
    server.add_user("alice").await;
    server.add_user("bob").await;
    for api in server.layouts() {
        let created = api
            .create_pat("alice", &format!("n{}", api.base.len()), &["repo"])
            .await;
        let list = api.get("/authorizations").auth(password("alice")).send().await;
        list.expect(200);
        let item = list
            .body
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["id"] == created["id"])
            .unwrap();
        assert_eq!(item["token"], "");
        assert_eq!(item["hashed_token"], created["hashed_token"]);
        assert_eq!(item["url"], created["url"]);
        let one = api
            .get(&format!("/authorizations/{}", created["id"]))
            .auth(password("alice"))
            .send()
            .await;
        one.expect(200);
        assert_eq!(one.body["token"], "");
        assert_eq!(one.body["note"], created["note"]);
        // Someone else's authorization is 404 (BEHAVIOR 12).
        assert_not_found(
            &api.get(&format!("/authorizations/{}", created["id"]))
                .auth(password("bob"))
                .send()
                .await,
        );
        assert_eq!(
            api.get("/authorizations").auth(password("bob")).send().await.body,
            serde_json::json!([])
        );
    }
}

async fn list_filters_by_client_id() {
    let server = TestServer::start().await;
    server.add_user("alice").await;
    let (c1, s1) = server.add_app("One").await;
    let (c2, s2) = server.add_app("Two").await;
    let api = server.enterprise();
    api.create_app_token("alice", &c1, &s1, "x", &["repo"]).await;
    api.create_app_token("alice", &c2, &s2, "y", &["repo"]).await;
    api.create_pat("alice", "pat", &[]).await;
    let resp = api
        .get(&format!("/authorizations?client_id={c2}"))
        .auth(password("alice"))
        .send()
        .await;
    resp.expect(200);
    let items = resp.body.as_array().unwrap();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["app"]["client_id"], c2);
    let none = api
        .get("/authorizations?client_id=unknown")
        .auth(password("alice"))
        .send()
        .await;
    assert_eq!(none.body, json!([]));
}

async fn update_replaces_adds_and_removes_scopes_and_changes_note() {
    let server = TestServer::start().await;
    server.add_user("alice").await;
    for api in server.layouts() {
        let created = api
            .create_pat("alice", &format!("u{}", api.base.len()), &["repo"])
            .await;
        let path = format!("/authorizations/{}", created["id"]);
        let add = api
            .patch(&path)
            .auth(password("alice"))
            .json(json!({"add_scopes": ["gist", "public_repo"]}))
            .send()
            .await;
        add.expect(200);
        assert_eq!(add.body["scopes"], json!(["repo", "gist"]));
        assert_eq!(add.body["token"], "");
        let remove = api
            .patch(&path)
            .auth(password("alice"))
            .json(json!({"remove_scopes": ["repo"]}))
            .send()
            .await;
        assert_eq!(remove.expect(200).body["scopes"], json!(["gist"]));
        let replace = api
            .patch(&path)
            .auth(password("alice"))
            .json(json!({"scopes": ["user", "read:user"], "note": "renamed", "note_url": "https://n.example"}))
            .send()
            .await;
        replace.expect(200);
        assert_eq!(replace.body["scopes"], json!(["user"]));
        assert_eq!(replace.body["note"], "renamed");
        assert_eq!(replace.body["note_url"], "https://n.example");
        // POST is an alias of PATCH (BEHAVIOR 41); github3.py sends rm_scopes (BEHAVIOR 82).
        let post = api
            .post(&path)
            .auth(password("alice"))
            .json(json!({"rm_scopes": ["user"], "add_scopes": null}))
            .send()
            .await;
        assert_eq!(post.expect(200).body["scopes"], json!([]));
        // Rename back so the next layout's note is free.
        api.delete(&path).auth(password("alice")).send().await.expect(204);
    }
}

async fn update_with_two_scope_keys_is_422() {
    let server = TestServer::start().await;
    server.add_user("alice").await;
    let api = server.root();
    let created = api.create_pat("alice", "n", &["repo"]).await;
    let resp = api
        .patch(&format!("/authorizations/{}", created["id"]))
        .auth(password("alice"))
        .json(json!({"add_scopes": ["gist"], "remove_scopes": ["repo"]}))
        .send()
        .await;
    resp.expect(422);
    assert_eq!(
        resp.first_error(),
        ("OauthAccess".into(), "scopes".into(), "invalid".into())
    );
}

async fn update_to_a_taken_note_is_already_exists() {
    let server = TestServer::start().await;
    server.add_user("alice").await;
    let api = server.root();
    api.create_pat("alice", "one", &[]).await;
    let two = api.create_pat("alice", "two", &[]).await;
    let resp = api
        .patch(&format!("/authorizations/{}", two["id"]))
        .auth(password("alice"))
        .json(json!({"note": "one"}))
        .send()
        .await;
    resp.expect(422);
    assert_eq!(
        resp.first_error(),
        ("OauthAccess".into(), "description".into(), "already_exists".into())
    );
}

async fn delete_revokes_the_token_at_once() {
    let server = TestServer::start().await;
    server.add_user("alice").await;
    for api in server.layouts() {
        let created = api
            .create_pat("alice", &format!("d{}", api.base.len()), &["user"])
            .await;
        let t = created["token"].as_str().unwrap();
        api.get("/user").auth(token(t)).send().await.expect(200);
        let path = format!("/authorizations/{}", created["id"]);
        api.delete(&path).auth(password("alice")).send().await.expect(204);
        api.get("/user").auth(token(t)).send().await.expect(401);
        assert_not_found(&api.get(&path).auth(password("alice")).send().await);
        assert_not_found(&api.delete(&path).auth(password("alice")).send().await);
    }
}

async fn non_numeric_and_unknown_ids_are_404() {
    let server = TestServer::start().await;
    server.add_user("alice").await;
    let api = server.root();
    for path in [
        "/authorizations/abc",
        "/authorizations/0",
        "/authorizations/99999",
        "/authorizations/..%2F..%2Fetc",
    ] {
        assert_not_found(&api.get(path).auth(password("alice")).send().await);
        assert_not_found(&api.patch(path).auth(password("alice")).json(json!({})).send().await);
    }
}

async fn expired_tokens_are_dead_everywhere() {
    let server = TestServer::start_with(Options {
        token_lifetime: Some(std::time::Duration::from_secs(3600)),
        ..Options::default()
    })
    .await;
    server.add_user("alice").await;
    let (client_id, secret) = server.add_app("App").await;
    let api = server.root();
    let pat = api.create_pat("alice", "short", &["user"]).await;
    assert_eq!(
        pat["expires_at"],
        grantd_http::views::timestamp(time::OffsetDateTime::from_unix_timestamp(START + 3600).unwrap())
    );
    let app_token = api
        .create_app_token("alice", &client_id, &secret, "fp", &["repo"])
        .await;
    api.get("/user")
        .auth(token(pat["token"].as_str().unwrap()))
        .send()
        .await
        .expect(200);
    server.clock.advance(3600);
    api.get("/user")
        .auth(token(pat["token"].as_str().unwrap()))
        .send()
        .await
        .expect(401);
    assert_not_found(
        &api.get(&format!("/authorizations/{}", pat["id"]))
            .auth(password("alice"))
            .send()
            .await,
    );
    assert_eq!(
        api.get("/authorizations").auth(password("alice")).send().await.body,
        json!([])
    );
    assert_eq!(
        api.get("/applications/grants")
            .auth(password("alice"))
            .send()
            .await
            .body,
        json!([])
    );
    assert_not_found(
        &api.post(&format!("/applications/{client_id}/token"))
            .auth(basic(&client_id, &secret))
            .json(json!({"access_token": app_token["token"]}))
            .send()
            .await,
    );
    // The note is free again.
    api.create_pat("alice", "short", &[]).await;
}

store_tests!(
    create_personal_token_returns_full_token_and_location_on_both_layouts,
    personal_token_needs_a_note,
    duplicate_personal_note_is_already_exists_but_other_users_may_reuse_it,
    create_for_an_app_with_its_credentials_issues_an_oauth_token,
    wrong_app_credentials_in_the_body_are_githubs_invalid_client_422,
    github3py_style_nulls_and_blank_client_id_mean_absent,
    unknown_scope_and_bad_field_types_are_422_invalid,
    get_or_create_returns_201_with_token_then_200_without,
    get_or_create_with_fingerprint_distinguishes_tokens,
    get_or_create_needs_the_client_secret,
    list_and_get_never_show_the_token,
    list_filters_by_client_id,
    update_replaces_adds_and_removes_scopes_and_changes_note,
    update_with_two_scope_keys_is_422,
    update_to_a_taken_note_is_already_exists,
    delete_revokes_the_token_at_once,
    non_numeric_and_unknown_ids_are_404,
    expired_tokens_are_dead_everywhere,
);
