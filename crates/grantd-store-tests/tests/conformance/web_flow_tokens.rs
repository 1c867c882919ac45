//! Tokens of the web application flow (FLOWS 17, 24): a new one at each approval, beside the one
//! the Authorizations API's get-or-create keeps per user, app and fingerprint (BEHAVIOR 39).

use crate::fixtures::{
    all, app, assert_same, at, by_token, create, d, expect_conflict, grant_ids, grant_of, list_ids, oauth, user,
};
use grantd_core::model::{AuthorizationFlow, AuthorizationUpdate, NewAuthorization};
use grantd_core::store::{Conflict, Store};
use std::sync::Arc;

fn web(new: NewAuthorization) -> NewAuthorization {
    NewAuthorization {
        flow: AuthorizationFlow::Web,
        ..new
    }
}

/// Several web flow tokens of one user and app live side by side in the app's one grant; the
/// API's authorization without a fingerprint is neither one of them nor kept out by them.
async fn web_flow_tokens_of_one_app_coexist_beside_the_apis_one(store: Arc<dyn Store>) {
    let s = &*store;
    let u = user(s, "octocat").await;
    let x = app(s, "app-x").await;

    let first = create(s, web(oauth(&u, &x, None, "w1"))).await;
    let second = create(s, web(oauth(&u, &x, None, "w2"))).await;
    assert_ne!(first.id, second.id);
    assert_eq!(
        (first.flow, second.flow),
        (AuthorizationFlow::Web, AuthorizationFlow::Web)
    );
    assert_eq!(first.grant_id, second.grant_id, "one grant per user and app");
    let found = by_token(s, "w1", at(1)).await.expect("the first token still works");
    assert_same(&found, &first);

    let (api, created) = s
        .get_or_create_authorization(oauth(&u, &x, None, "a1"))
        .await
        .expect("get_or_create");
    assert!(created, "a web flow token is not the API's authorization");
    assert_eq!(api.flow, AuthorizationFlow::Api);
    assert_eq!(api.grant_id, first.grant_id);
    let (again, created) = s
        .get_or_create_authorization(oauth(&u, &x, None, "a2"))
        .await
        .expect("get_or_create");
    assert!(!created);
    assert_eq!(again.token_digest, d("a1"), "the API's rule holds for its own");
    expect_conflict(
        s.create_authorization(oauth(&u, &x, None, "a3")).await,
        Conflict::Fingerprint,
        "a second API authorization without a fingerprint",
    );
    let third = create(s, web(oauth(&u, &x, None, "w3"))).await;
    assert_eq!(third.grant_id, first.grant_id);

    assert_eq!(list_ids(s, &u, None, all(), at(1)).await.1, 4);
    assert_eq!(grant_ids(s, &u, None, all(), at(1)).await.1, 1);
    assert_eq!(grant_of(&api), grant_of(&third));
}

/// A fingerprint brings a web flow token under the rule: no two of the app's authorizations
/// share one, and get-or-create with it returns that token.
async fn a_fingerprinted_web_flow_token_keeps_the_fingerprint_rule(store: Arc<dyn Store>) {
    let s = &*store;
    let u = user(s, "octocat").await;
    let x = app(s, "app-x").await;
    let one = create(s, web(oauth(&u, &x, None, "w1"))).await;
    let two = create(s, web(oauth(&u, &x, None, "w2"))).await;
    let laptop = AuthorizationUpdate {
        fingerprint: Some("laptop".into()),
        ..AuthorizationUpdate::default()
    };
    s.update_authorization(u.id, one.id, laptop.clone(), at(1))
        .await
        .expect("a fingerprint for the first");
    expect_conflict(
        s.update_authorization(u.id, two.id, laptop, at(1)).await,
        Conflict::Fingerprint,
        "the same fingerprint for the second",
    );
    expect_conflict(
        s.create_authorization(oauth(&u, &x, Some("laptop"), "a1")).await,
        Conflict::Fingerprint,
        "an API authorization with that fingerprint",
    );
    let (found, created) = s
        .get_or_create_authorization(oauth(&u, &x, Some("laptop"), "a2"))
        .await
        .expect("get_or_create");
    assert!(!created, "returns the fingerprinted web flow token");
    assert_eq!(found.id, one.id);
}

store_tests!(web_flow_tokens_of_one_app_coexist_beside_the_apis_one);
store_tests!(a_fingerprinted_web_flow_token_keeps_the_fingerprint_rule);
