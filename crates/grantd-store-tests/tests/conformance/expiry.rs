//! Expired tokens (BEHAVIOR 78): invisible to every read and every app-side call, and no longer
//! holding on to their note or fingerprint.

use crate::fixtures::{
    all, app, at, by_token, create, d, expect_not_found, grant, grant_ids, grant_of, list_ids, names, oauth, page, pat,
    user, With,
};
use grantd_core::model::AuthorizationUpdate;
use grantd_core::store::Store;
use std::sync::Arc;

/// A token whose `expires_at <= now` is revoked (BEHAVIOR 78): invisible to every read and to
/// every app-side call, and its scopes leave its grant.
async fn expired_tokens_are_invisible_everywhere(store: Arc<dyn Store>) {
    let s = &*store;
    let u = user(s, "octocat").await;
    let x = app(s, "app-x").await;
    let y = app(s, "app-y").await;
    let p = create(s, pat(&u, "expiring", "tp").expiring(at(100))).await;
    assert_eq!(p.expires_at, Some(at(100)));
    let ox = create(s, oauth(&u, &x, None, "tx").expiring(at(100))).await;
    let live_pat = create(s, pat(&u, "forever", "tl")).await;
    let oy = create(s, oauth(&u, &y, None, "ty")).await;
    create(s, oauth(&u, &y, Some("short"), "ty2").scopes("gist").expiring(at(100))).await;
    let (gx, gy) = (grant_of(&ox), grant_of(&oy));

    // One second before: everything is visible.
    let before = at(99);
    assert!(by_token(s, "tp", before).await.is_some());
    assert!(by_token(s, "tx", before).await.is_some());
    assert!(s
        .authorization(u.id, p.id, before)
        .await
        .expect("authorization")
        .is_some());
    assert_eq!(list_ids(s, &u, None, all(), before).await.1, 5);
    assert_eq!(grant_ids(s, &u, None, all(), before).await, (vec![gx, gy], 2));
    assert_eq!(
        names(&grant(s, &u, gy, before).await.expect("grant").scopes),
        ["gist", "repo"]
    );

    // At `expires_at`: gone.
    let now = at(100);
    assert!(by_token(s, "tp", now).await.is_none());
    assert!(by_token(s, "tx", now).await.is_none());
    assert!(by_token(s, "ty2", now).await.is_none());
    assert!(s.authorization(u.id, p.id, now).await.expect("authorization").is_none());
    assert!(s
        .authorization(u.id, ox.id, now)
        .await
        .expect("authorization")
        .is_none());
    assert_eq!(list_ids(s, &u, None, all(), now).await, (vec![live_pat.id, oy.id], 2));
    assert_eq!(list_ids(s, &u, Some(x.id), all(), now).await, (vec![], 0));
    assert_eq!(
        list_ids(s, &u, None, page(1, 1), now).await,
        (vec![live_pat.id], 2),
        "the total counts live tokens"
    );
    assert_eq!(
        grant_ids(s, &u, None, all(), now).await,
        (vec![gy], 1),
        "a grant without live tokens is gone"
    );
    assert_eq!(grant_ids(s, &u, Some(x.id), all(), now).await, (vec![], 0));
    assert!(grant(s, &u, gx, now).await.is_none());
    let gy_now = grant(s, &u, gy, now).await.expect("grant");
    assert_eq!(
        names(&gy_now.scopes),
        ["repo"],
        "expired tokens' scopes leave the grant"
    );
    let listed = s.list_grants(u.id, None, all(), now).await.expect("list_grants");
    assert_eq!(names(&listed.items[0].scopes), ["repo"]);

    let update = AuthorizationUpdate {
        note: Some("revived".into()),
        ..AuthorizationUpdate::default()
    };
    expect_not_found(
        s.update_authorization(u.id, p.id, update, now).await,
        "update of an expired token",
    );
    expect_not_found(
        s.reset_token(x.id, &d("tx"), &d("tx-new"), "x-new", now).await,
        "reset of an expired token",
    );
    expect_not_found(
        s.delete_token(x.id, &d("tx"), now).await,
        "delete_token of an expired token",
    );
    expect_not_found(
        s.delete_grant_by_token(x.id, &d("tx"), now).await,
        "delete_grant_by_token of an expired token",
    );
    assert!(
        by_token(s, "tx-new", now).await.is_none(),
        "the refused reset stored nothing"
    );
    assert!(by_token(s, "tl", now).await.is_some() && by_token(s, "ty", now).await.is_some());
}

/// An expired token does not hold on to its note or fingerprint: creating, getting-or-creating
/// and updating other tokens may take them.
async fn expired_tokens_do_not_block_reusing_their_note_or_fingerprint(store: Arc<dyn Store>) {
    let s = &*store;
    let u = user(s, "octocat").await;
    let x = app(s, "app-x").await;
    // Each case creates its expired token (at `at(0)`) right before using its note or
    // fingerprint at `at(100)`, so a purge of expired rows by an earlier case cannot hide a
    // failure of a later one.
    create(s, pat(&u, "n", "old-n").expiring(at(100))).await;
    let n = create(s, pat(&u, "n", "new-n").now(at(100))).await;
    assert_eq!(n.note.as_deref(), Some("n"));

    create(s, oauth(&u, &x, Some("f"), "old-f").expiring(at(100))).await;
    let f = create(s, oauth(&u, &x, Some("f"), "new-f").now(at(100))).await;
    assert_eq!(f.fingerprint.as_deref(), Some("f"));

    let old = create(s, oauth(&u, &x, None, "old-none").expiring(at(100))).await;
    let (none, created) = s
        .get_or_create_authorization(oauth(&u, &x, None, "new-none").now(at(100)))
        .await
        .expect("get_or_create");
    assert!(created, "the expired authorization is not returned");
    assert_ne!(none.id, old.id);
    assert_eq!(none.token_digest, d("new-none"));

    create(s, pat(&u, "m", "old-m").expiring(at(100))).await;
    let k = create(s, pat(&u, "k", "live-k")).await;
    let note = AuthorizationUpdate {
        note: Some("m".into()),
        ..AuthorizationUpdate::default()
    };
    let k = s
        .update_authorization(u.id, k.id, note, at(100))
        .await
        .expect("update to an expired token's note");
    assert_eq!(k.note.as_deref(), Some("m"));

    create(s, oauth(&u, &x, Some("g"), "old-g").expiring(at(100))).await;
    let h = create(s, oauth(&u, &x, Some("h"), "live-h")).await;
    let fingerprint = AuthorizationUpdate {
        fingerprint: Some("g".into()),
        ..AuthorizationUpdate::default()
    };
    let h = s
        .update_authorization(u.id, h.id, fingerprint, at(100))
        .await
        .expect("update to an expired token's fingerprint");
    assert_eq!(h.fingerprint.as_deref(), Some("g"));

    assert_eq!(
        list_ids(s, &u, None, all(), at(100)).await,
        (vec![n.id, f.id, none.id, k.id, h.id], 5)
    );
}

store_tests!(
    expired_tokens_are_invisible_everywhere,
    expired_tokens_do_not_block_reusing_their_note_or_fingerprint,
);
