//! `/applications/{client_id}/…`: check, reset and revoke with the app's credentials
//! (BEHAVIOR 8, 50-54), current and legacy forms, on both layouts.

use crate::helpers::*;
use serde_json::json;

struct Fixture {
    server: TestServer,
    client_id: String,
    secret: String,
}

async fn fixture() -> Fixture {
    let server = TestServer::start().await;
    server.add_user("alice").await;
    let (client_id, secret) = server.add_app("App").await;
    Fixture {
        server,
        client_id,
        secret,
    }
}

impl Fixture {
    fn app(&self) -> Auth {
        basic(&self.client_id, &self.secret)
    }

    async fn token(&self, api: &Api, fingerprint: &str) -> String {
        api.create_app_token("alice", &self.client_id, &self.secret, fingerprint, &["repo", "user"])
            .await["token"]
            .as_str()
            .unwrap()
            .to_owned()
    }
}

async fn check_token_returns_the_authorization_with_token_and_user() {
    let f = fixture().await;
    for api in f.server.layouts() {
        let t = f.token(&api, &format!("c{}", api.base.len())).await;
        let resp = api
            .post(&format!("/applications/{}/token", f.client_id))
            .auth(f.app())
            .json(json!({"access_token": t}))
            .send()
            .await;
        resp.expect(200);
        assert_eq!(resp.body["token"], t);
        assert_eq!(resp.body["scopes"], json!(["repo", "user"]));
        assert_eq!(resp.body["user"]["login"], "alice");
        assert_eq!(resp.body["app"]["client_id"], f.client_id);
        assert!(resp.body["url"].as_str().unwrap().starts_with(&api.public_base));
    }
}

async fn check_token_of_unknown_malformed_or_other_apps_token_is_404() {
    let f = fixture().await;
    let api = f.server.root();
    let (other_id, other_secret) = f.server.add_app("Other").await;
    let other_token = api.create_app_token("alice", &other_id, &other_secret, "o", &[]).await["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let pat = api.create_pat("alice", "pat", &[]).await["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let unknown = "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".to_owned();
    for t in [
        other_token,
        pat,
        unknown,
        "garbage".to_owned(),
        "gho_M7H4jxUDDWHP4kZ6A4dxlQYsQIWJuq11T4V5".to_owned(),
    ] {
        let resp = api
            .post(&format!("/applications/{}/token", f.client_id))
            .auth(f.app())
            .json(json!({"access_token": t}))
            .send()
            .await;
        assert_not_found(&resp);
    }
    let missing = api
        .post(&format!("/applications/{}/token", f.client_id))
        .auth(f.app())
        .json(json!({}))
        .send()
        .await;
    missing.expect(422);
    assert_eq!(missing.first_error().1, "access_token");
}

async fn app_credentials_are_required_and_checked() {
    let f = fixture().await;
    let api = f.server.root();
    let t = f.token(&api, "x").await;
    let path = format!("/applications/{}/token", f.client_id);
    let none = api.post(&path).json(json!({"access_token": t})).send().await;
    none.expect(401);
    assert_eq!(none.message(), "Requires authentication");
    let wrong = api
        .post(&path)
        .auth(basic(&f.client_id, &"0".repeat(40)))
        .json(json!({"access_token": t}))
        .send()
        .await;
    wrong.expect(401);
    assert_eq!(wrong.message(), "Bad credentials");
    let unknown = api
        .post(&path)
        .auth(basic("unknown-client", "x"))
        .json(json!({"access_token": t}))
        .send()
        .await;
    unknown.expect(401);
    // Valid credentials of another app than the path's: 404 (decision on BEHAVIOR 12).
    let (other_id, other_secret) = f.server.add_app("Other").await;
    assert_not_found(
        &api.post(&path)
            .auth(basic(&other_id, &other_secret))
            .json(json!({"access_token": t}))
            .send()
            .await,
    );
    // A user's password is not an app's credentials.
    api.post(&path)
        .auth(password("alice"))
        .json(json!({"access_token": t}))
        .send()
        .await
        .expect(401);
}

async fn reset_token_issues_a_new_token_and_kills_the_old_one_at_once() {
    let f = fixture().await;
    for api in f.server.layouts() {
        let old = f.token(&api, &format!("r{}", api.base.len())).await;
        let path = format!("/applications/{}/token", f.client_id);
        let resp = api
            .patch(&path)
            .auth(f.app())
            .json(json!({"access_token": old}))
            .send()
            .await;
        resp.expect(200);
        let new = resp.body["token"].as_str().unwrap().to_owned();
        assert_ne!(new, old);
        assert!(new.starts_with("gho_"));
        assert_eq!(resp.body["user"]["login"], "alice");
        assert_eq!(resp.body["token_last_eight"], &new[32..]);
        assert_not_found(
            &api.post(&path)
                .auth(f.app())
                .json(json!({"access_token": old}))
                .send()
                .await,
        );
        api.get("/user").auth(token(&old)).send().await.expect(401);
        api.get("/user").auth(token(&new)).send().await.expect(200);
        assert_not_found(
            &api.patch(&path)
                .auth(f.app())
                .json(json!({"access_token": old}))
                .send()
                .await,
        );
    }
}

async fn delete_token_revokes_one_token() {
    let f = fixture().await;
    for api in f.server.layouts() {
        let keep = f.token(&api, &format!("k{}", api.base.len())).await;
        let gone = f.token(&api, &format!("g{}", api.base.len())).await;
        let path = format!("/applications/{}/token", f.client_id);
        api.delete(&path)
            .auth(f.app())
            .json(json!({"access_token": gone}))
            .send()
            .await
            .expect(204);
        assert_not_found(
            &api.post(&path)
                .auth(f.app())
                .json(json!({"access_token": gone}))
                .send()
                .await,
        );
        api.post(&path)
            .auth(f.app())
            .json(json!({"access_token": keep}))
            .send()
            .await
            .expect(200);
        assert_not_found(
            &api.delete(&path)
                .auth(f.app())
                .json(json!({"access_token": gone}))
                .send()
                .await,
        );
    }
}

async fn delete_grant_revokes_every_token_of_the_user_for_the_app() {
    let f = fixture().await;
    for api in f.server.layouts() {
        let a = f.token(&api, &format!("a{}", api.base.len())).await;
        let b = f.token(&api, &format!("b{}", api.base.len())).await;
        api.delete(&format!("/applications/{}/grant", f.client_id))
            .auth(f.app())
            .json(json!({"access_token": a}))
            .send()
            .await
            .expect(204);
        for t in [&a, &b] {
            assert_not_found(
                &api.post(&format!("/applications/{}/token", f.client_id))
                    .auth(f.app())
                    .json(json!({"access_token": t}))
                    .send()
                    .await,
            );
        }
        assert_eq!(
            api.get("/applications/grants")
                .auth(password("alice"))
                .send()
                .await
                .body,
            json!([])
        );
    }
}

async fn legacy_token_in_path_endpoints() {
    let f = fixture().await;
    for api in f.server.layouts() {
        let t = f.token(&api, &format!("l{}", api.base.len())).await;
        let check = api
            .get(&format!("/applications/{}/tokens/{t}", f.client_id))
            .auth(f.app())
            .send()
            .await;
        check.expect(200);
        assert_eq!(check.body["token"], t);
        let reset = api
            .post(&format!("/applications/{}/tokens/{t}", f.client_id))
            .auth(f.app())
            .send()
            .await;
        reset.expect(200);
        let new = reset.body["token"].as_str().unwrap().to_owned();
        assert_not_found(
            &api.get(&format!("/applications/{}/tokens/{t}", f.client_id))
                .auth(f.app())
                .send()
                .await,
        );
        api.delete(&format!("/applications/{}/tokens/{new}", f.client_id))
            .auth(f.app())
            .send()
            .await
            .expect(204);
        assert_not_found(
            &api.get(&format!("/applications/{}/tokens/{new}", f.client_id))
                .auth(f.app())
                .send()
                .await,
        );
        let g = f.token(&api, &format!("lg{}", api.base.len())).await;
        api.delete(&format!("/applications/{}/grants/{g}", f.client_id))
            .auth(f.app())
            .send()
            .await
            .expect(204);
        assert_not_found(
            &api.get(&format!("/applications/{}/tokens/{g}", f.client_id))
                .auth(f.app())
                .send()
                .await,
        );
    }
}

async fn github3py_revoke_all_tokens_of_the_app() {
    let f = fixture().await;
    f.server.add_user("bob").await;
    let api = f.server.root();
    let a = f.token(&api, "a").await;
    let b = api.create_app_token("bob", &f.client_id, &f.secret, "b", &[]).await["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let pat = api.create_pat("alice", "mine", &[]).await["token"]
        .as_str()
        .unwrap()
        .to_owned();
    api.delete(&format!("/applications/{}/tokens", f.client_id))
        .auth(f.app())
        .send()
        .await
        .expect(204);
    for t in [&a, &b] {
        api.get("/user").auth(token(t)).send().await.expect(401);
    }
    api.get("/user").auth(token(&pat)).send().await.expect(200);
}

async fn check_token_never_counts_towards_lock_out() {
    // BEHAVIOR 13: an app may test any number of unknown tokens; the user stays unlocked.
    let server = TestServer::start_with(Options {
        lockout_threshold: 3,
        ..Options::default()
    })
    .await;
    server.add_user("alice").await;
    let (client_id, secret) = server.add_app("App").await;
    let api = server.root();
    let t = api.create_app_token("alice", &client_id, &secret, "f", &[]).await["token"]
        .as_str()
        .unwrap()
        .to_owned();
    for _ in 0..10 {
        let bogus = "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";
        assert_not_found(
            &api.post(&format!("/applications/{client_id}/token"))
                .auth(basic(&client_id, &secret))
                .json(json!({"access_token": bogus}))
                .send()
                .await,
        );
    }
    api.post(&format!("/applications/{client_id}/token"))
        .auth(basic(&client_id, &secret))
        .json(json!({"access_token": t}))
        .send()
        .await
        .expect(200);
    api.get("/authorizations")
        .auth(password("alice"))
        .send()
        .await
        .expect(200);
}

/// A token check may take the app from the store's cache; a replaced secret or a removed app is
/// still refused on the very next request, by every form of every app endpoint.
async fn a_replaced_secret_or_a_removed_app_is_refused_at_once() {
    let f = fixture().await;
    let api = f.server.root();
    let t = f.token(&api, "r").await;
    let check = |auth: Auth, token: String| {
        let api = api.clone();
        let path = format!("/applications/{}/token", f.client_id);
        async move {
            api.post(&path)
                .auth(auth)
                .json(json!({"access_token": token}))
                .send()
                .await
        }
    };
    let legacy = |auth: Auth, token: String| {
        let api = api.clone();
        let path = format!("/applications/{}/tokens/{token}", f.client_id);
        async move { api.get(&path).auth(auth).send().await }
    };
    // Enough checks to have the app cached wherever the store caches it.
    for _ in 0..16 {
        check(f.app(), t.clone()).await.expect(200);
        legacy(f.app(), t.clone()).await.expect(200);
    }
    let (_, new_secret) = f.server.services.reset_app_secret(&f.client_id).await.unwrap();
    let new = basic(&f.client_id, new_secret.expose());
    for _ in 0..16 {
        for resp in [
            check(f.app(), t.clone()).await,
            legacy(f.app(), t.clone()).await,
            check(f.app(), "not a token".to_owned()).await,
            check(f.app(), "gho_".to_owned() + &"0".repeat(36)).await,
        ] {
            resp.expect(401);
            assert_eq!(resp.message(), "Bad credentials");
        }
    }
    for (method, path) in [
        (reqwest::Method::PATCH, format!("/applications/{}/token", f.client_id)),
        (reqwest::Method::DELETE, format!("/applications/{}/token", f.client_id)),
        (reqwest::Method::DELETE, format!("/applications/{}/grant", f.client_id)),
    ] {
        api.request(method, &path)
            .auth(f.app())
            .json(json!({"access_token": t}))
            .send()
            .await
            .expect(401);
    }
    check(new.clone(), t.clone()).await.expect(200);
    legacy(new.clone(), t.clone()).await.expect(200);
    f.server.services.remove_app(&f.client_id).await.unwrap();
    for _ in 0..16 {
        check(new.clone(), t.clone()).await.expect(401);
        legacy(new.clone(), t.clone()).await.expect(401);
    }
}

/// A token check counts towards its app's limit when its credentials hold, towards the client's
/// address when they do not, or are another app's (BEHAVIOR 67-69).
async fn token_checks_are_rate_limited_by_app_or_by_address() {
    let server = TestServer::start_with(Options {
        rate_limits: grantd_http::RateLimits {
            authenticated: 2,
            anonymous: 1,
        },
        ..Options::default()
    })
    .await;
    server.add_user("alice").await;
    let (client_id, secret) = server.add_app("App").await;
    let (other_id, other_secret) = server.add_app("Other").await;
    let api = server.root();
    let token = api
        .create_app_token("alice", &client_id, &secret, "fp", &["repo"])
        .await["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let check = |auth: Auth| {
        api.post(&format!("/applications/{client_id}/token"))
            .auth(auth)
            .json(json!({"access_token": token}))
    };
    for used in 1..=2 {
        let resp = check(basic(&client_id, &secret)).send().await;
        resp.expect(200);
        assert_eq!(resp.header("x-ratelimit-limit"), Some("2"));
        assert_eq!(resp.header("x-ratelimit-used"), Some(used.to_string().as_str()));
    }
    let over = check(basic(&client_id, &secret)).send().await;
    over.expect(403);
    assert_eq!(over.message(), "API rate limit exceeded for this application.");
    let legacy = api
        .get(&format!("/applications/{client_id}/tokens/{token}"))
        .auth(basic(&client_id, &secret))
        .send()
        .await;
    legacy.expect(403);

    let elsewhere = check(basic(&other_id, &other_secret)).send().await;
    elsewhere.expect(404);
    assert_eq!(elsewhere.header("x-ratelimit-limit"), Some("1"));
    let bad = check(basic(&client_id, "wrong")).send().await;
    bad.expect(403);
    assert!(
        bad.message().starts_with("API rate limit exceeded for 127.0.0.1."),
        "{}",
        bad.message()
    );
}

store_tests!(
    check_token_returns_the_authorization_with_token_and_user,
    check_token_of_unknown_malformed_or_other_apps_token_is_404,
    app_credentials_are_required_and_checked,
    reset_token_issues_a_new_token_and_kills_the_old_one_at_once,
    delete_token_revokes_one_token,
    delete_grant_revokes_every_token_of_the_user_for_the_app,
    legacy_token_in_path_endpoints,
    github3py_revoke_all_tokens_of_the_app,
    check_token_never_counts_towards_lock_out,
    a_replaced_secret_or_a_removed_app_is_refused_at_once,
    token_checks_are_rate_limited_by_app_or_by_address,
);
