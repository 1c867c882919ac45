//! `POST /credentials/revoke` (FLOWS 37): anyone holding tokens revokes them without credentials
//! of their own, on both layouts; the answer is 202 `{}` whatever the strings were; a bad body is
//! 422; credentials on the github.com layout are a 403.

use crate::helpers::{basic, password, token, Options, TestServer};
use serde_json::json;

async fn live_tokens_are_revoked_and_other_strings_passed_over() {
    let server = TestServer::start().await;
    server.add_user("alice").await;
    server.add_user("bob").await;
    let (client_id, secret) = server.add_app("App").await;
    for api in server.layouts() {
        let pat = api.create_pat("alice", "leaked", &["repo"]).await["token"]
            .as_str()
            .unwrap()
            .to_owned();
        let app_token = api
            .create_app_token("alice", &client_id, &secret, "fp", &["user"])
            .await["token"]
            .as_str()
            .unwrap()
            .to_owned();
        let kept = api.create_pat("bob", "kept", &[]).await["token"]
            .as_str()
            .unwrap()
            .to_owned();
        let mut wrong_checksum = pat.clone();
        wrong_checksum.pop();
        wrong_checksum.push(if pat.ends_with('A') { 'B' } else { 'A' });
        let resp = api
            .post("/credentials/revoke")
            .json(json!({"credentials": [
                pat, app_token, pat, "not a token", wrong_checksum, "ghp_000000000000000000000000000000000000"
            ]}))
            .send()
            .await;
        resp.expect(202);
        assert_eq!(resp.body, json!({}));
        for revoked in [&pat, &app_token] {
            api.get("/user").auth(token(revoked)).send().await.expect(401);
        }
        api.get("/user").auth(token(&kept)).send().await.expect(200);
        // Its grant went with the app's last token.
        let grants = api.get("/applications/grants").auth(password("alice")).send().await;
        assert_eq!(grants.expect(200).body, json!([]));
        api.post("/credentials/revoke")
            .json(json!({"credentials": [kept]}))
            .send()
            .await
            .expect(202);
        api.get("/user").auth(token(&kept)).send().await.expect(401);
    }
}

async fn a_bad_body_is_422() {
    let server = TestServer::start().await;
    let api = server.root();
    let too_many: Vec<String> = (0..1001).map(|i| format!("ghp_{i:036}")).collect();
    for body in [
        json!({}),
        json!({"credentials": null}),
        json!({"credentials": []}),
        json!({"credentials": "ghp_x"}),
        json!({"credentials": [1]}),
        json!({"credentials": too_many}),
    ] {
        let resp = api.post("/credentials/revoke").json(body.clone()).send().await;
        resp.expect(422);
        assert_eq!(resp.message(), "Validation Failed", "{body}");
    }
    let at_most: Vec<String> = (0..1000).map(|i| format!("ghp_{i:036}")).collect();
    api.post("/credentials/revoke")
        .json(json!({"credentials": at_most}))
        .send()
        .await
        .expect(202);
}

/// On the github.com layout the call must be unauthenticated (FLOWS 37); the Enterprise layout
/// accepts it either way, as GitHub Enterprise Server documents it with a token.
async fn credentials_are_refused_on_the_github_layout_only() {
    let server = TestServer::start().await;
    server.add_user("alice").await;
    let mine = server.root().create_pat("alice", "mine", &[]).await["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let body = json!({"credentials": ["ghp_000000000000000000000000000000000000"]});
    for auth in [token(&mine), password("alice"), basic("nobody", "x")] {
        let resp = server
            .root()
            .post("/credentials/revoke")
            .auth(auth.clone())
            .json(body.clone())
            .send()
            .await;
        resp.expect(403);
        assert_eq!(resp.message(), "This endpoint must be called without authentication.");
        server
            .enterprise()
            .post("/credentials/revoke")
            .auth(auth)
            .json(body.clone())
            .send()
            .await
            .expect(202);
    }
    server.root().get("/user").auth(token(&mine)).send().await.expect(200);
}

/// An owner whose login others have locked can still kill a stolen token.
async fn a_locked_out_owner_revokes_a_stolen_token() {
    let server = TestServer::start_with(Options {
        lockout_threshold: 2,
        ..Options::default()
    })
    .await;
    server.add_user("alice").await;
    let api = server.root();
    let stolen = api.create_pat("alice", "stolen", &[]).await["token"]
        .as_str()
        .unwrap()
        .to_owned();
    for _ in 0..3 {
        api.get("/authorizations").auth(basic("alice", "guess")).send().await;
    }
    api.get("/authorizations")
        .auth(password("alice"))
        .send()
        .await
        .expect(403);
    api.post("/credentials/revoke")
        .json(json!({"credentials": [stolen]}))
        .send()
        .await
        .expect(202);
    api.get("/user").auth(token(&stolen)).send().await.expect(401);
}

/// The call has a limit of its own per address (GitHub: 60 an hour), counted whatever the body
/// and whether or not the API's rate limits are on; over it, 422; an hour later it is back.
async fn calls_are_limited_per_address_on_their_own() {
    let server = TestServer::start_with(Options {
        credentials_revoke_limit: 3,
        ..Options::default()
    })
    .await;
    let api = server.enterprise();
    let body = json!({"credentials": ["ghp_000000000000000000000000000000000000"]});
    api.post("/credentials/revoke")
        .json(body.clone())
        .send()
        .await
        .expect(202);
    api.post("/credentials/revoke")
        .raw_body(b"not json")
        .send()
        .await
        .expect(400);
    api.post("/credentials/revoke").json(json!({})).send().await.expect(422);
    let over = api.post("/credentials/revoke").json(body.clone()).send().await;
    over.expect(422);
    assert_eq!(
        over.message(),
        "The endpoint has been spammed: at most 3 calls an hour from one address."
    );
    // Other endpoints are not affected.
    api.get("/").send().await.expect(200);
    server.clock.advance(3600);
    api.post("/credentials/revoke").json(body).send().await.expect(202);
}

store_tests!(
    live_tokens_are_revoked_and_other_strings_passed_over,
    calls_are_limited_per_address_on_their_own,
    a_bad_body_is_422,
    credentials_are_refused_on_the_github_layout_only,
    a_locked_out_owner_revokes_a_stolen_token,
);
