//! A browser as the pages' tests need one, over plain HTTP: it keeps cookies, follows no
//! redirect by itself (tests look at each), and reads a page's CSRF token back from its form.
//! (The real browser, Chromium, is driven by the browser tests of `tests/browser`.)

use reqwest::header::{HeaderMap, COOKIE, LOCATION, SET_COOKIE};
use std::collections::BTreeMap;

/// One browser: its cookies and the last page it was shown.
pub struct Browser {
    http: reqwest::Client,
    base: String,
    cookies: BTreeMap<String, String>,
}

/// A page or a redirect.
#[derive(Debug)]
pub struct Page {
    pub status: u16,
    pub headers: HeaderMap,
    pub html: String,
}

impl Page {
    /// Where a redirect leads.
    pub fn location(&self) -> &str {
        self.headers.get(LOCATION).and_then(|v| v.to_str().ok()).unwrap_or("")
    }

    /// The value of the first hidden or text input named `name`.
    pub fn field(&self, name: &str) -> Option<String> {
        let at = self.html.find(&format!("name=\"{name}\""))?;
        let rest = &self.html[at..];
        let value = rest.find("value=\"")? + "value=\"".len();
        let end = rest[value..].find('"')?;
        Some(html_unescape(&rest[value..value + end]))
    }

    /// The form's CSRF token.
    pub fn csrf(&self) -> String {
        self.field("authenticity_token").unwrap_or_default()
    }

    /// A header's value.
    pub fn header(&self, name: &str) -> &str {
        self.headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or("")
    }
}

fn html_unescape(s: &str) -> String {
    s.replace("&#x2f;", "/")
        .replace("&#x27;", "'")
        .replace("&#39;", "'")
        .replace("&quot;", "\"")
        .replace("&#34;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&#38;", "&")
        .replace("&amp;", "&")
}

impl Browser {
    /// A browser with no cookies, for the server at `base`.
    pub fn new(base: &str) -> Self {
        Self {
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
            base: base.trim_end_matches('/').to_owned(),
            cookies: BTreeMap::new(),
        }
    }

    /// The cookie `name`, if the browser holds it.
    pub fn cookie(&self, name: &str) -> Option<&str> {
        self.cookies.get(name).map(String::as_str)
    }

    /// Sets a cookie as another site might try to.
    pub fn set_cookie(&mut self, name: &str, value: &str) {
        self.cookies.insert(name.to_owned(), value.to_owned());
    }

    /// `GET path`.
    pub async fn get(&mut self, path: &str) -> Page {
        let rb = self.http.get(self.url(path));
        self.send(rb).await
    }

    /// Posts `fields` as a form to `path`.
    pub async fn post(&mut self, path: &str, fields: &[(&str, &str)]) -> Page {
        let body: String = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(fields)
            .finish();
        let rb = self
            .http
            .post(self.url(path))
            .header("Content-Type", "application/x-www-form-urlencoded")
            .body(body);
        self.send(rb).await
    }

    /// Follows redirects from `page` within this server, at most ten.
    pub async fn follow(&mut self, mut page: Page) -> Page {
        for _ in 0..10 {
            if !(300..400).contains(&page.status) || !page.location().starts_with('/') {
                return page;
            }
            let to = page.location().to_owned();
            page = self.get(&to).await;
        }
        page
    }

    /// Signs in through the form, following redirects; the final page.
    pub async fn sign_in(&mut self, login: &str, password: &str, return_to: &str) -> Page {
        let form = self
            .get(&format!(
                "/login?return_to={}",
                url::form_urlencoded::byte_serialize(return_to.as_bytes()).collect::<String>()
            ))
            .await;
        let csrf = form.csrf();
        let to = form.field("return_to").unwrap_or_default();
        let answer = self
            .post(
                "/session",
                &[
                    ("authenticity_token", &csrf),
                    ("login", login),
                    ("password", password),
                    ("return_to", &to),
                ],
            )
            .await;
        self.follow(answer).await
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    async fn send(&mut self, mut rb: reqwest::RequestBuilder) -> Page {
        if !self.cookies.is_empty() {
            let header: Vec<String> = self.cookies.iter().map(|(k, v)| format!("{k}={v}")).collect();
            rb = rb.header(COOKIE, header.join("; "));
        }
        let response = rb.send().await.unwrap();
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        for set in headers.get_all(SET_COOKIE) {
            let set = set.to_str().unwrap();
            let pair = set.split(';').next().unwrap();
            let (name, value) = pair.split_once('=').unwrap();
            let expired = set.to_ascii_lowercase().contains("max-age=0");
            if expired || value.is_empty() {
                self.cookies.remove(name);
            } else {
                self.cookies.insert(name.to_owned(), value.to_owned());
            }
        }
        let html = response.text().await.unwrap();
        Page { status, headers, html }
    }
}
