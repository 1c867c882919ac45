//! Changing and deleting a user's authorizations through their id: updates of the given fields
//! only, the unique rules on update, other users' authorizations, the grant leaving with its last
//! token.

use crate::fixtures::{
    all, app, assert_same, at, by_token, create, expect_conflict, expect_not_found, grant, grant_ids, grant_of, names,
    oauth, pat, scopes, user, With,
};
use grantd_core::model::{AuthorizationId, AuthorizationUpdate, NewAuthorization, Scopes};
use grantd_core::store::{Conflict, Store};
use std::sync::Arc;

/// An update replaces the given fields only, and the change time; it never touches the token.
async fn update_authorization_changes_only_the_given_fields(store: Arc<dyn Store>) {
    let s = &*store;
    let u = user(s, "octocat").await;
    let x = app(s, "app-x").await;
    let original = create(
        s,
        NewAuthorization {
            note_url: Some("https://example.com/1".into()),
            fingerprint: Some("f".into()),
            ..pat(&u, "n", "t1")
        },
    )
    .await;
    let update = |scopes: Option<&str>, note: Option<&str>, note_url: Option<&str>, fingerprint: Option<&str>| {
        AuthorizationUpdate {
            scopes: scopes.map(Scopes::from_storage),
            note: note.map(str::to_owned),
            note_url: note_url.map(str::to_owned),
            fingerprint: fingerprint.map(str::to_owned),
        }
    };

    let mut want = original.clone();
    let got = s
        .update_authorization(u.id, original.id, update(Some("gist,user"), None, None, None), at(10))
        .await
        .expect("update");
    want.scopes = scopes("gist,user");
    want.updated_at = at(10);
    assert_same(&got, &want);
    let got = s
        .update_authorization(u.id, original.id, update(None, Some("m"), None, None), at(20))
        .await
        .expect("update");
    want.note = Some("m".into());
    want.updated_at = at(20);
    assert_same(&got, &want);
    let got = s
        .update_authorization(
            u.id,
            original.id,
            update(None, None, Some("https://example.com/2"), None),
            at(30),
        )
        .await
        .expect("update");
    want.note_url = Some("https://example.com/2".into());
    want.updated_at = at(30);
    assert_same(&got, &want);
    let got = s
        .update_authorization(u.id, original.id, update(None, None, None, Some("g")), at(40))
        .await
        .expect("update");
    want.fingerprint = Some("g".into());
    want.updated_at = at(40);
    assert_same(&got, &want);
    let got = s
        .update_authorization(u.id, original.id, update(Some("repo"), Some("k"), None, None), at(50))
        .await
        .expect("update");
    want.scopes = scopes("repo");
    want.note = Some("k".into());
    want.updated_at = at(50);
    assert_same(&got, &want);
    let fetched = s
        .authorization(u.id, original.id, at(50))
        .await
        .expect("authorization")
        .expect("found");
    assert_same(&fetched, &want);
    assert_same(&by_token(s, "t1", at(50)).await.expect("the token still works"), &want);

    // An app token's new scopes show in its grant, which is updated too.
    let token = create(s, oauth(&u, &x, None, "t2")).await;
    let got = s
        .update_authorization(u.id, token.id, update(Some("user"), None, None, None), at(60))
        .await
        .expect("update");
    assert_eq!(got.grant_id, token.grant_id);
    let g = grant(s, &u, grant_of(&token), at(60)).await.expect("the grant exists");
    assert_eq!(names(&g.scopes), ["user"]);
    assert_eq!(g.updated_at, at(60));
}

/// An update to a note or fingerprint another token holds is the matching conflict, and changes
/// nothing; keeping one's own note or fingerprint is fine.
async fn update_authorization_refuses_a_taken_note_or_fingerprint(store: Arc<dyn Store>) {
    let s = &*store;
    let u = user(s, "octocat").await;
    let x = app(s, "app-x").await;
    let note = |n: &str| AuthorizationUpdate {
        note: Some(n.into()),
        ..AuthorizationUpdate::default()
    };
    let fingerprint = |f: &str| AuthorizationUpdate {
        fingerprint: Some(f.into()),
        ..AuthorizationUpdate::default()
    };
    let a = create(
        s,
        NewAuthorization {
            fingerprint: Some("pf".into()),
            ..pat(&u, "a", "pa")
        },
    )
    .await;
    let b = create(s, pat(&u, "b", "pb")).await;
    create(
        s,
        NewAuthorization {
            note: Some("c".into()),
            ..oauth(&u, &x, Some("x"), "xa")
        },
    )
    .await;
    let y = create(s, oauth(&u, &x, Some("y"), "xb")).await;

    expect_conflict(
        s.update_authorization(u.id, b.id, note("a"), at(1)).await,
        Conflict::Note,
        "taken note",
    );
    expect_conflict(
        s.update_authorization(
            u.id,
            b.id,
            AuthorizationUpdate {
                scopes: Some(scopes("gist")),
                ..note("a")
            },
            at(1),
        )
        .await,
        Conflict::Note,
        "taken note with scopes",
    );
    assert_same(
        &s.authorization(u.id, b.id, at(1))
            .await
            .expect("authorization")
            .expect("found"),
        &b,
    );
    expect_conflict(
        s.update_authorization(u.id, b.id, fingerprint("pf"), at(1)).await,
        Conflict::Fingerprint,
        "taken personal fingerprint",
    );
    expect_conflict(
        s.update_authorization(u.id, y.id, fingerprint("x"), at(1)).await,
        Conflict::Fingerprint,
        "taken app fingerprint",
    );
    assert_same(
        &s.authorization(u.id, y.id, at(1))
            .await
            .expect("authorization")
            .expect("found"),
        &y,
    );

    assert_eq!(
        s.update_authorization(u.id, b.id, note("b"), at(2))
            .await
            .expect("own note")
            .note
            .as_deref(),
        Some("b")
    );
    assert_eq!(
        s.update_authorization(u.id, a.id, fingerprint("pf"), at(2))
            .await
            .expect("own fingerprint")
            .fingerprint
            .as_deref(),
        Some("pf")
    );
    assert_eq!(
        s.update_authorization(u.id, b.id, note("c"), at(2))
            .await
            .expect("an app token's note")
            .note
            .as_deref(),
        Some("c")
    );
    assert_eq!(
        s.update_authorization(u.id, y.id, note("a"), at(2))
            .await
            .expect("app notes are free")
            .note
            .as_deref(),
        Some("a")
    );
    assert_eq!(
        s.update_authorization(u.id, y.id, fingerprint("pf"), at(2))
            .await
            .expect("other kind")
            .fingerprint
            .as_deref(),
        Some("pf")
    );
}

/// Another user's authorization cannot be read, changed or deleted through its id.
async fn authorizations_of_other_users_are_not_found(store: Arc<dyn Store>) {
    let s = &*store;
    let u = user(s, "octocat").await;
    let v = user(s, "hubot").await;
    let a = create(s, pat(&u, "n", "t1")).await;
    let update = AuthorizationUpdate {
        note: Some("stolen".into()),
        ..AuthorizationUpdate::default()
    };
    assert!(s
        .authorization(v.id, a.id, at(1))
        .await
        .expect("authorization")
        .is_none());
    expect_not_found(
        s.update_authorization(v.id, a.id, update.clone(), at(1)).await,
        "update by another user",
    );
    expect_not_found(s.delete_authorization(v.id, a.id).await, "delete by another user");
    let unknown = AuthorizationId(a.id.0 + 1000);
    assert!(s
        .authorization(u.id, unknown, at(1))
        .await
        .expect("authorization")
        .is_none());
    expect_not_found(s.update_authorization(u.id, unknown, update, at(1)).await, "unknown id");
    expect_not_found(s.delete_authorization(u.id, unknown).await, "unknown id");
    assert_same(&by_token(s, "t1", at(1)).await.expect("still works"), &a);
}

/// Deleting an authorization revokes its token; the grant goes with the app's last token
/// (BEHAVIOR 42, 46).
async fn delete_authorization_removes_the_grant_with_its_last_token(store: Arc<dyn Store>) {
    let s = &*store;
    let u = user(s, "octocat").await;
    let x = app(s, "app-x").await;
    let a = create(s, oauth(&u, &x, Some("a"), "ta")).await;
    let b = create(s, oauth(&u, &x, Some("b"), "tb").scopes("gist")).await;
    let g = grant_of(&a);
    assert_eq!(
        names(&grant(s, &u, g, at(1)).await.expect("grant").scopes),
        ["gist", "repo"]
    );

    s.delete_authorization(u.id, a.id).await.expect("delete_authorization");
    assert!(
        by_token(s, "ta", at(1)).await.is_none(),
        "the token stops working at once"
    );
    assert!(s
        .authorization(u.id, a.id, at(1))
        .await
        .expect("authorization")
        .is_none());
    let left = grant(s, &u, g, at(1))
        .await
        .expect("the grant stays while it has a token");
    assert_eq!(
        names(&left.scopes),
        ["gist"],
        "the deleted token's scopes are gone from the grant"
    );

    s.delete_authorization(u.id, b.id).await.expect("delete_authorization");
    assert!(
        grant(s, &u, g, at(1)).await.is_none(),
        "the grant went with its last token"
    );
    assert_eq!(grant_ids(s, &u, None, all(), at(1)).await, (vec![], 0));
    expect_not_found(s.delete_authorization(u.id, b.id).await, "deleting twice");

    let again = create(s, oauth(&u, &x, None, "tc").now(at(5))).await;
    let (ids, total) = grant_ids(s, &u, None, all(), at(5)).await;
    assert_eq!((ids, total), (vec![grant_of(&again)], 1));
    let renewed = grant(s, &u, grant_of(&again), at(5)).await.expect("grant");
    assert_eq!(
        renewed.created_at,
        at(5),
        "authorising the app again makes a new grant (BEHAVIOR 48)"
    );
}

store_tests!(
    update_authorization_changes_only_the_given_fields,
    update_authorization_refuses_a_taken_note_or_fingerprint,
    authorizations_of_other_users_are_not_found,
    delete_authorization_removes_the_grant_with_its_last_token,
);
