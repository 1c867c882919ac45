//! Step 3: the Enterprise layout's prefix `/api/v3` is removed from the path, and the request
//! remembers which layout the client used, for the URLs in its answer (BEHAVIOR 2, 86).

use crate::urls::without_prefix;
use axum::extract::Request;
use axum::http::Uri;

/// Removes `/api/v3` from the request's path; tells whether it was there.
pub fn strip(req: &mut Request) -> bool {
    let (rest, enterprise) = without_prefix(req.uri().path());
    if !enterprise {
        return false;
    }
    let new = match req.uri().query() {
        Some(q) => format!("{rest}?{q}"),
        None => rest.to_owned(),
    };
    match new.parse::<Uri>() {
        Ok(uri) => {
            *req.uri_mut() = uri;
            true
        }
        Err(_) => false,
    }
}
