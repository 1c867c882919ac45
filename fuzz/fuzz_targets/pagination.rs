//! Pagination: `page_request`, `query_param` and `link_header` (grantd_http::pagination).
//!
//! Invariants: `per_page` is in 1..=100 and `page` at least 1; written pairs read back; every
//! `Link` URL starts with the base, carries the other query pairs unchanged and one `page` in
//! range, the relations come in the documented order, and the header is a valid header value.
#![no_main]

use arbitrary::Arbitrary;
use grantd_core::model::PageRequest;
use grantd_http::pagination::{link_header, page_request, query_param};
use libfuzzer_sys::fuzz_target;

const BASES: &[&str] = &[
    "http://h/authorizations",
    "https://api.example.com/api/v3/applications/grants",
    "http://127.0.0.1:8080/authorizations",
];

#[derive(Arbitrary, Debug)]
struct Input {
    query: Option<String>,
    name: String,
    value: String,
    base: u8,
    page: u32,
    per_page: u32,
    total: u64,
    /// Use the page parsed from the query rather than `page` / `per_page`.
    parsed: bool,
}

fn pairs(query: &str) -> Vec<(String, String)> {
    form_urlencoded::parse(query.as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

fuzz_target!(|input: Input| {
    let query = input.query.as_deref();
    let parsed = page_request(query);
    assert!((1..=PageRequest::MAX_PER_PAGE).contains(&parsed.per_page), "{parsed:?}");
    assert!(parsed.page >= 1, "{parsed:?}");
    let all = pairs(query.unwrap_or(""));
    if !all.iter().any(|(k, _)| k == "page") {
        assert_eq!(parsed.page, 1);
    }
    if !all.iter().any(|(k, _)| k == "per_page") {
        assert_eq!(parsed.per_page, PageRequest::DEFAULT_PER_PAGE);
    }
    let _ = parsed.offset();

    // query_param finds the first pair of that name.
    let found = query_param(query, &input.name);
    assert_eq!(
        found,
        all.iter().find(|(k, _)| *k == input.name).map(|(_, v)| v.clone())
    );
    // Written pairs read back.
    let written = form_urlencoded::Serializer::new(String::new())
        .append_pair(&input.name, &input.value)
        .append_pair("page", &input.page.to_string())
        .append_pair("per_page", &input.per_page.to_string())
        .finish();
    if input.name != "page" && input.name != "per_page" {
        assert_eq!(
            query_param(Some(&written), &input.name).as_deref(),
            Some(input.value.as_str())
        );
        let expected_per_page = if input.per_page == 0 {
            PageRequest::DEFAULT_PER_PAGE
        } else {
            input.per_page
        };
        assert_eq!(
            page_request(Some(&written)),
            PageRequest::new(input.page, expected_per_page)
        );
    }

    let page = if input.parsed {
        parsed
    } else {
        PageRequest::new(input.page, input.per_page)
    };
    assert!((1..=PageRequest::MAX_PER_PAGE).contains(&page.per_page) && page.page >= 1);
    let base = BASES[usize::from(input.base) % BASES.len()];
    let last = input.total.div_ceil(u64::from(page.per_page)).max(1);
    let current = u64::from(page.page);
    let Some(link) = link_header(base, query, page, input.total) else {
        assert!(last <= 1 && current <= 1, "no Link on page {current} of {last}");
        return;
    };
    assert!(
        http::HeaderValue::from_str(&link).is_ok(),
        "Link is not a header value: {link:?}"
    );
    let others: Vec<&(String, String)> = all.iter().filter(|(k, _)| k != "page").collect();
    let mut rels = Vec::new();
    for item in link.split(", ") {
        let (url, rel) = item.split_once(">; rel=\"").expect("<url>; rel=\"…\"");
        let url = url.strip_prefix('<').expect("starts with <");
        let rel = rel.strip_suffix('"').expect("rel ends with a quote");
        let q = url
            .strip_prefix(base)
            .and_then(|rest| rest.strip_prefix('?'))
            .unwrap_or_else(|| panic!("{url:?} does not start with {base:?}?"));
        let mut got = pairs(q);
        let (k, n) = got.pop().expect("a page pair");
        assert_eq!(k, "page");
        let n: u64 = n.parse().expect("page is a number");
        assert!(n >= 1 && n <= last.max(current), "page {n} of {last}");
        assert_eq!(got.iter().collect::<Vec<_>>(), others, "other pairs changed");
        match rel {
            "prev" => assert_eq!(n, (current - 1).min(last)),
            "next" => assert_eq!(n, current + 1),
            "last" => assert_eq!(n, last),
            "first" => assert_eq!(n, 1),
            other => panic!("rel {other:?}"),
        }
        rels.push(rel);
    }
    let expected: Vec<&str> = [
        (current > 1).then_some("prev"),
        (current < last).then_some("next"),
        (current < last).then_some("last"),
        (current > 1).then_some("first"),
    ]
    .into_iter()
    .flatten()
    .collect();
    assert_eq!(rels, expected);
});
