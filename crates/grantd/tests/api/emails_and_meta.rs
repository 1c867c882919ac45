//! `GET /user/emails` (FLOWS 39), `GET /meta` (FLOWS 40), and the `X-GitHub-Request-Id` every
//! answer carries (FLOWS 40: credential helpers recognise a GitHub server by it).

use crate::helpers::*;
use grantd_core::service::EmailChange;
use serde_json::json;

async fn user_emails_lists_the_address_with_its_verified_flag() {
    let server = TestServer::start().await;
    server.add_user("alice").await;
    for (i, api) in server.layouts().into_iter().enumerate() {
        let verified = i == 1;
        server
            .services
            .set_email("alice", EmailChange::Verified(verified))
            .await
            .unwrap();
        let expected = json!([{
            "email": "alice@example.com",
            "primary": true,
            "verified": verified,
            "visibility": "public",
        }]);
        let with_password = api.get("/user/emails").auth(password("alice")).send().await;
        assert_eq!(with_password.expect(200).body, expected);
        for (n, scopes) in [&["user:email"][..], &["user"], &["repo", "user:email"]]
            .into_iter()
            .enumerate()
        {
            let pat = api.create_pat("alice", &format!("ok{i}-{n}"), scopes).await;
            let resp = api
                .get("/user/emails")
                .auth(token(pat["token"].as_str().unwrap()))
                .send()
                .await;
            assert_eq!(resp.expect(200).body, expected, "{scopes:?}");
            assert_eq!(resp.header("x-accepted-oauth-scopes"), Some("user, user:email"));
        }
        let beyond = api
            .get("/user/emails?page=2&per_page=1")
            .auth(password("alice"))
            .send()
            .await;
        assert_eq!(beyond.expect(200).body, json!([]));
    }
}

async fn user_emails_needs_the_email_scope_or_a_password() {
    let server = TestServer::start().await;
    server.add_user("alice").await;
    for (i, api) in server.layouts().into_iter().enumerate() {
        // GitHub answers a token without `user` or `user:email` as if there were nothing here.
        for (n, scopes) in [&[][..], &["read:user"], &["repo", "user:follow"]]
            .into_iter()
            .enumerate()
        {
            let pat = api.create_pat("alice", &format!("no{i}-{n}"), scopes).await;
            let resp = api
                .get("/user/emails")
                .auth(token(pat["token"].as_str().unwrap()))
                .send()
                .await;
            assert_not_found(&resp);
        }
        api.get("/user/emails").send().await.expect(401);
        api.get("/user/emails")
            .auth(basic("alice", "wrong password"))
            .send()
            .await
            .expect(401);
    }
}

async fn a_user_without_an_address_has_an_empty_list() {
    let server = TestServer::start().await;
    server.add_user("alice").await;
    server.services.set_email("alice", EmailChange::Remove).await.unwrap();
    for api in server.layouts() {
        let resp = api.get("/user/emails").auth(password("alice")).send().await;
        assert_eq!(resp.expect(200).body, json!([]));
    }
}

async fn meta_answers_without_credentials_as_the_enterprise_version() {
    let server = TestServer::start().await;
    for api in server.layouts() {
        let resp = api.get("/meta").send().await;
        assert_eq!(
            resp.expect(200).body,
            json!({"verifiable_password_authentication": true, "installed_version": "3.19.0"})
        );
    }
    let enterprise = server.enterprise().get("/meta").send().await;
    assert_eq!(
        enterprise.header("x-github-enterprise-version"),
        enterprise.body["installed_version"].as_str(),
        "the header and the body name the same version"
    );
}

async fn every_answer_carries_a_request_id() {
    let server = TestServer::start().await;
    server.add_user("alice").await;
    for api in server.layouts() {
        let etag = api.get("/meta").send().await.header("etag").unwrap().to_owned();
        let answers = [
            api.get("/meta").send().await,
            api.get("/user/emails").auth(password("alice")).send().await,
            api.get("/user/emails").send().await,
            api.get("/nowhere").send().await,
            api.post("/user/emails").auth(password("alice")).send().await,
            api.get("/authorizations").auth(basic("alice", "wrong")).send().await,
            api.get("/meta").header("If-None-Match", &etag).unchecked().send().await,
            api.request(reqwest::Method::OPTIONS, "/user")
                .header("Origin", "https://example.com")
                .header("Access-Control-Request-Method", "GET")
                .unchecked()
                .send()
                .await,
        ];
        let mut ids = std::collections::HashSet::new();
        for resp in &answers {
            let id = resp
                .header("x-github-request-id")
                .unwrap_or_else(|| panic!("no request id on a {} answer", resp.status));
            assert!(!id.is_empty());
            ids.insert(id.to_owned());
        }
        assert_eq!(
            answers.iter().map(|r| r.status).collect::<Vec<_>>(),
            [200, 200, 401, 404, 404, 401, 304, 204]
        );
        assert_eq!(ids.len(), answers.len(), "each answer has an id of its own");
    }
}

store_tests!(
    user_emails_lists_the_address_with_its_verified_flag,
    user_emails_needs_the_email_scope_or_a_password,
    a_user_without_an_address_has_an_empty_list,
    meta_answers_without_credentials_as_the_enterprise_version,
    every_answer_carries_a_request_id,
);
