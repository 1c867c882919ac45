//! Pagination (BEHAVIOR 64-66, 87): `per_page` (default 30, at most 100) and `page` (default 1),
//! and the `Link` header with absolute URLs that keep the other query parameters.
//!
//! Decision (BEHAVIOR 64, UNCONFIRMED): a `per_page` above 100 is clamped to 100; a value that is
//! not a positive number falls back to the default, as GitHub does in practice.

use grantd_core::model::PageRequest;
use url::form_urlencoded;

/// Reads `page` and `per_page` from a query string.
pub fn page_request(query: Option<&str>) -> PageRequest {
    let mut page = 1u32;
    let mut per_page = PageRequest::DEFAULT_PER_PAGE;
    for (key, value) in form_urlencoded::parse(query.unwrap_or("").as_bytes()) {
        match key.as_ref() {
            "page" => page = positive(&value).unwrap_or(1),
            "per_page" => per_page = positive(&value).unwrap_or(PageRequest::DEFAULT_PER_PAGE),
            _ => {}
        }
    }
    PageRequest::new(page, per_page)
}

/// A positive number; huge values saturate.
fn positive(value: &str) -> Option<u32> {
    let value = value.trim();
    if value.is_empty() || !value.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let n = value
        .parse::<u64>()
        .map_or(u32::MAX, |n| u32::try_from(n).unwrap_or(u32::MAX));
    (n > 0).then_some(n)
}

/// The query parameter `name`, if present.
pub fn query_param(query: Option<&str>, name: &str) -> Option<String> {
    form_urlencoded::parse(query.unwrap_or("").as_bytes())
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

/// The `Link` header for `page` of `total` items at `url_base` (absolute URL of the resource
/// without query) with the request's `query`; `None` when everything fits on one page.
pub fn link_header(url_base: &str, query: Option<&str>, page: PageRequest, total: u64) -> Option<String> {
    let per_page = u64::from(page.per_page);
    let last = total.div_ceil(per_page).max(1);
    if last <= 1 && page.page <= 1 {
        return None;
    }
    let current = u64::from(page.page);
    let href = |n: u64| {
        let mut out = form_urlencoded::Serializer::new(String::new());
        for (k, v) in form_urlencoded::parse(query.unwrap_or("").as_bytes()) {
            if k != "page" {
                out.append_pair(&k, &v);
            }
        }
        out.append_pair("page", &n.to_string());
        format!("<{url_base}?{}>", out.finish())
    };
    // Documented order: prev, next, last, first.
    let mut links = Vec::new();
    if current > 1 {
        links.push(format!("{}; rel=\"prev\"", href((current - 1).min(last))));
    }
    if current < last {
        links.push(format!("{}; rel=\"next\"", href(current + 1)));
        links.push(format!("{}; rel=\"last\"", href(last)));
    }
    if current > 1 {
        links.push(format!("{}; rel=\"first\"", href(1)));
    }
    Some(links.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_clamping_and_garbage() {
        assert_eq!(page_request(None), PageRequest::new(1, 30));
        assert_eq!(page_request(Some("per_page=500&page=2")), PageRequest::new(2, 100));
        assert_eq!(page_request(Some("per_page=abc&page=-1")), PageRequest::new(1, 30));
        assert_eq!(page_request(Some("per_page=0&page=0")), PageRequest::new(1, 30));
        assert_eq!(page_request(Some("page=99999999999999999999")).page, u32::MAX);
    }

    #[test]
    fn link_header_on_first_middle_and_last_page() {
        let base = "http://h/authorizations";
        assert_eq!(link_header(base, Some("per_page=2"), PageRequest::new(1, 2), 2), None);
        assert_eq!(
            link_header(base, Some("per_page=2"), PageRequest::new(1, 2), 5).as_deref(),
            Some("<http://h/authorizations?per_page=2&page=2>; rel=\"next\", <http://h/authorizations?per_page=2&page=3>; rel=\"last\"")
        );
        let middle =
            link_header(base, Some("per_page=2&page=2&client_id=x"), PageRequest::new(2, 2), 5).expect("links");
        assert_eq!(
            middle,
            "<http://h/authorizations?per_page=2&client_id=x&page=1>; rel=\"prev\", \
             <http://h/authorizations?per_page=2&client_id=x&page=3>; rel=\"next\", \
             <http://h/authorizations?per_page=2&client_id=x&page=3>; rel=\"last\", \
             <http://h/authorizations?per_page=2&client_id=x&page=1>; rel=\"first\""
        );
        let last = link_header(base, Some("per_page=2&page=3"), PageRequest::new(3, 2), 5).expect("links");
        assert!(!last.contains("next") && last.contains("prev") && last.contains("first"));
    }
}
