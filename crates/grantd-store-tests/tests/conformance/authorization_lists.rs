//! Listing a user's authorizations: pages by id, the total of all pages, the app filter, and a
//! total that follows every way tokens come and go.

use crate::fixtures::{
    all, app, assert_same, at, create, d, grant_of, last_eight, list_ids, oauth, page, pat, user, With,
};
use grantd_core::model::User;
use grantd_core::store::Store;
use std::sync::Arc;
use time::OffsetDateTime;

/// Listing pages through the user's authorizations by id, with the total of all pages, and
/// filters by app (BEHAVIOR 43).
async fn list_authorizations_pages_by_id_with_total_and_app_filter(store: Arc<dyn Store>) {
    let s = &*store;
    let u = user(s, "octocat").await;
    let v = user(s, "hubot").await;
    let x = app(s, "app-x").await;
    let y = app(s, "app-y").await;
    let z = app(s, "app-z").await;
    let mut ids = Vec::new();
    ids.push(create(s, pat(&u, "p1", "p1")).await.id);
    let x1 = create(s, oauth(&u, &x, None, "x1")).await.id;
    ids.push(x1);
    create(s, pat(&v, "p1", "v1")).await;
    ids.push(create(s, pat(&u, "p2", "p2")).await.id);
    let y1 = create(s, oauth(&u, &y, None, "y1")).await.id;
    ids.push(y1);
    ids.push(create(s, pat(&u, "p3", "p3")).await.id);
    let x2 = create(s, oauth(&u, &x, Some("second"), "x2")).await.id;
    ids.push(x2);
    ids.push(create(s, pat(&u, "p4", "p4")).await.id);
    let mut sorted = ids.clone();
    sorted.sort();
    assert_eq!(ids, sorted, "ids grow with creation");

    assert_eq!(list_ids(s, &u, None, page(1, 3), at(1)).await, (ids[0..3].to_vec(), 7));
    assert_eq!(list_ids(s, &u, None, page(2, 3), at(1)).await, (ids[3..6].to_vec(), 7));
    assert_eq!(list_ids(s, &u, None, page(3, 3), at(1)).await, (ids[6..].to_vec(), 7));
    assert_eq!(
        list_ids(s, &u, None, page(4, 3), at(1)).await,
        (vec![], 7),
        "past the end: empty, same total"
    );
    assert_eq!(list_ids(s, &u, None, all(), at(1)).await, (ids.clone(), 7));
    assert_eq!(list_ids(s, &u, Some(x.id), all(), at(1)).await, (vec![x1, x2], 2));
    assert_eq!(list_ids(s, &u, Some(x.id), page(2, 1), at(1)).await, (vec![x2], 2));
    assert_eq!(list_ids(s, &u, Some(y.id), all(), at(1)).await, (vec![y1], 1));
    assert_eq!(list_ids(s, &u, Some(z.id), all(), at(1)).await, (vec![], 0));
    assert_eq!(list_ids(s, &v, None, all(), at(1)).await.1, 1);
    assert_eq!(list_ids(s, &v, Some(x.id), all(), at(1)).await, (vec![], 0));

    let listed = s
        .list_authorizations(u.id, Some(x.id), all(), at(1))
        .await
        .expect("list_authorizations");
    let fetched = s
        .authorization(u.id, x2, at(1))
        .await
        .expect("authorization")
        .expect("found");
    assert_same(&listed.items[1], &fetched);
}

/// A list's total is every live authorization of the user however they came and went: created,
/// got or created, expired, purged, revoked one by one, by grant, by app, and with their app or
/// another user deleted (the SQLite and PostgreSQL stores keep a per-user count for it).
async fn list_totals_follow_every_way_tokens_come_and_go(store: Arc<dyn Store>) {
    let s = &*store;
    let u = user(s, "octocat").await;
    let v = user(s, "hubot").await;
    let x = app(s, "app-x").await;
    let y = app(s, "app-y").await;
    // The total matches the items of one page holding everything, and `want`.
    async fn check(s: &dyn Store, user: &User, now: OffsetDateTime, want: u64, what: &str) {
        let (ids, total) = list_ids(s, user, None, all(), now).await;
        assert_eq!((ids.len() as u64, total), (want, want), "{what}");
    }
    check(s, &u, at(0), 0, "none yet").await;
    let p1 = create(s, pat(&u, "one", "p1")).await;
    create(s, pat(&u, "two", "p2")).await;
    create(s, pat(&u, "short", "p3").expiring(at(50))).await;
    create(s, oauth(&u, &x, Some("a"), "xa")).await;
    create(s, oauth(&u, &x, Some("b"), "xb").expiring(at(50))).await;
    let uy = create(s, oauth(&u, &y, None, "uy")).await;
    let (_, created) = s
        .get_or_create_authorization(oauth(&u, &y, None, "uy-again"))
        .await
        .expect("get_or_create_authorization");
    assert!(!created, "the existing one is returned");
    create(s, oauth(&v, &x, None, "vx")).await;
    check(s, &u, at(1), 6, "six created, one got").await;
    check(s, &v, at(1), 1, "another user's are their own").await;
    check(s, &u, at(50), 4, "two expired").await;
    // A write purges the expired ones; the total stays right.
    create(s, pat(&u, "three", "p4").now(at(60))).await;
    check(s, &u, at(60), 5, "purged, one more").await;
    s.delete_authorization(u.id, p1.id).await.expect("delete_authorization");
    check(s, &u, at(60), 4, "one deleted").await;
    s.reset_token(x.id, &d("xa"), &d("xa2"), &last_eight("xa2"), at(60))
        .await
        .expect("reset_token");
    check(s, &u, at(60), 4, "a reset replaces, never adds").await;
    s.delete_token(x.id, &d("xa2"), at(60)).await.expect("delete_token");
    check(s, &u, at(60), 3, "revoked by its app").await;
    s.delete_grant(u.id, grant_of(&uy)).await.expect("delete_grant");
    check(s, &u, at(60), 2, "its grant deleted").await;
    create(s, oauth(&u, &x, None, "xc").now(at(60))).await;
    create(s, oauth(&u, &y, None, "yd").now(at(60))).await;
    check(s, &u, at(60), 4, "two more").await;
    assert_eq!(s.delete_app_tokens(x.id).await.expect("delete_app_tokens"), 2);
    check(s, &u, at(60), 3, "the app's tokens revoked").await;
    check(s, &v, at(60), 0, "the other user's too").await;
    s.delete_app(y.id).await.expect("delete_app");
    check(s, &u, at(60), 2, "the app deleted").await;
    s.delete_user(v.id).await.expect("delete_user");
    check(s, &u, at(60), 2, "another user deleted").await;
    let w = user(s, "hubot").await;
    check(s, &w, at(60), 0, "a new user starts from none").await;
}

store_tests!(
    list_authorizations_pages_by_id_with_total_and_app_filter,
    list_totals_follow_every_way_tokens_come_and_go,
);
