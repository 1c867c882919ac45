//! `POST /login/oauth/access_token` for authorization codes (FLOWS A 1-9, B 20-24): request
//! formats and client authentication, answers by `Accept`, every refusal of FLOWS 23 as an HTTP
//! 200, codes that are single-use, expire and are bound to their app, redirect URI and PKCE
//! challenge, and tokens that are ordinary authorizations of their app.

use crate::helpers::{basic, password, TestServer};
use base64::Engine as _;
use grantd_core::model::{App, Scopes, User};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

const CALLBACK: &str = "https://example.com/callback";
const TROUBLESHOOTING: &str =
    "https://docs.github.com/apps/managing-oauth-apps/troubleshooting-oauth-app-access-token-request-errors/";

/// A server with the user alice and the app "Tool"; its credentials.
struct Setup {
    server: TestServer,
    user: User,
    app: App,
    client_id: String,
    secret: String,
}

async fn setup() -> Setup {
    let server = TestServer::start().await;
    server.add_user("alice").await;
    let (client_id, secret) = server.add_app("Tool").await;
    let user = server
        .services
        .list_users()
        .await
        .unwrap()
        .into_iter()
        .find(|u| u.login == "alice")
        .unwrap();
    let app = server.services.app(&client_id).await.unwrap().unwrap();
    Setup {
        server,
        user,
        app,
        client_id,
        secret,
    }
}

impl Setup {
    /// A code for alice and the app, for `scopes`, with a PKCE challenge if given.
    async fn code(&self, scopes: &str, challenge: Option<&str>) -> String {
        self.server
            .services
            .issue_code(
                &self.user,
                &self.app,
                CALLBACK,
                Scopes::from_storage(scopes),
                challenge.map(str::to_owned),
            )
            .await
            .unwrap()
            .expose()
            .to_owned()
    }

    fn url(&self, query: &str) -> String {
        format!("{}/login/oauth/access_token{query}", self.server.url)
    }

    /// Posts `form` (a form body) with `Accept: application/json`; the parsed answer.
    async fn exchange(&self, form: &[(&str, &str)]) -> Value {
        let resp = reqwest::Client::new()
            .post(self.url(""))
            .header("Accept", "application/json")
            .form(form)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 200);
        resp.json().await.unwrap()
    }

    fn creds<'a>(&'a self, code: &'a str) -> Vec<(&'a str, &'a str)> {
        vec![
            ("client_id", self.client_id.as_str()),
            ("client_secret", self.secret.as_str()),
            ("code", code),
        ]
    }
}

fn with<'a>(mut form: Vec<(&'a str, &'a str)>, extra: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    form.extend_from_slice(extra);
    form
}

fn assert_error(answer: &Value, error: &str, description: &str) {
    assert_eq!(answer["error"], error, "{answer}");
    assert_eq!(answer["error_description"], description, "{answer}");
    let uri = answer["error_uri"].as_str().unwrap();
    assert!(uri.starts_with("https://docs.github.com/"), "{uri}");
}

fn assert_bad_code(answer: &Value) {
    assert_error(
        answer,
        "bad_verification_code",
        "The code passed is incorrect or expired.",
    );
    assert_eq!(answer["error_uri"], format!("{TROUBLESHOOTING}#bad-verification-code"));
}

fn assert_token(answer: &Value, scope: &str) -> String {
    assert_eq!(answer["token_type"], "bearer", "{answer}");
    assert_eq!(answer["scope"], scope, "{answer}");
    let token = answer["access_token"].as_str().unwrap();
    assert!(token.starts_with("gho_") && token.len() == 40, "{token}");
    token.to_owned()
}

fn challenge(verifier: &str) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

async fn a_code_is_exchanged_once_for_a_token_of_its_app() {
    let s = setup().await;
    let code = s.code("user:email,repo,gist", None).await;
    let answer = s.exchange(&s.creds(&code)).await;
    let token = assert_token(&answer, "gist,repo,user:email");
    let user = s
        .server
        .root()
        .get("/user")
        .auth(crate::helpers::token(&token))
        .send()
        .await;
    user.expect(200);
    assert_eq!(user.body["login"], "alice");
    assert_bad_code(&s.exchange(&s.creds(&code)).await);
}

async fn every_refusal_of_flows_23_is_a_200_checked_in_order() {
    let s = setup().await;
    let code = s.code("repo", None).await;
    let wrong_secret = [
        ("client_id", s.client_id.as_str()),
        ("client_secret", "0000"),
        ("code", &code),
    ];
    let creds = "The client_id and/or client_secret passed are incorrect.";
    for form in [
        &wrong_secret[..],
        &[("client_id", s.client_id.as_str()), ("code", &code)][..],
        &[
            ("client_id", "unknown"),
            ("client_secret", s.secret.as_str()),
            ("code", &code),
        ][..],
        &[("client_secret", s.secret.as_str()), ("code", &code)][..],
    ] {
        let answer = s.exchange(form).await;
        assert_error(&answer, "incorrect_client_credentials", creds);
        assert_eq!(
            answer["error_uri"],
            format!("{TROUBLESHOOTING}#incorrect-client-credentials")
        );
    }
    // Credentials come first, so the code above is still good; a wrong code comes before the
    // redirect URI and PKCE.
    let wrong_code = with(
        s.creds("0123456789abcdef0123"),
        &[("redirect_uri", "https://evil.example/")],
    );
    assert_bad_code(&s.exchange(&wrong_code).await);
    for bad in ["", "not a code", "../../x"] {
        let answer = s.exchange(&s.creds(bad)).await;
        assert_bad_code(&answer);
    }
    let pkce = s
        .code("repo", Some(&challenge("verifier-verifier-verifier-verifier-verif")))
        .await;
    let mismatch = with(s.creds(&pkce), &[("redirect_uri", "https://example.com/other")]);
    let answer = s.exchange(&mismatch).await;
    assert_error(
        &answer,
        "redirect_uri_mismatch",
        "The redirect_uri MUST match the registered callback URL for this application.",
    );
    assert_eq!(answer["error_uri"], format!("{TROUBLESHOOTING}#redirect-uri-mismatch"));
    for grant in [
        "refresh_token",
        "urn:ietf:params:oauth:grant-type:device_code",
        "password",
    ] {
        let answer = s.exchange(&with(s.creds(&code), &[("grant_type", grant)])).await;
        assert_error(
            &answer,
            "unsupported_grant_type",
            "The grant_type passed is not supported.",
        );
    }
    let answer = s
        .exchange(&with(s.creds(&code), &[("grant_type", "authorization_code")]))
        .await;
    assert_token(&answer, "repo");
}

async fn answers_are_a_form_by_default_json_or_xml_when_preferred() {
    let s = setup().await;
    let client = reqwest::Client::new();
    for (accept, content_type) in [
        (None, "application/x-www-form-urlencoded; charset=utf-8"),
        (Some("*/*"), "application/x-www-form-urlencoded; charset=utf-8"),
        (
            Some("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"),
            "application/x-www-form-urlencoded; charset=utf-8",
        ),
        (Some("application/json"), "application/json; charset=utf-8"),
        (Some("application/xml"), "application/xml; charset=utf-8"),
    ] {
        let code = s.code("repo,gist", None).await;
        let mut req = client.post(s.url("")).form(&s.creds(&code));
        if let Some(accept) = accept {
            req = req.header("Accept", accept);
        }
        let resp = req.send().await.unwrap();
        assert_eq!(resp.status(), 200);
        let headers = resp.headers().clone();
        assert_eq!(headers["content-type"], content_type, "{accept:?}");
        assert_eq!(headers["vary"], "Accept");
        assert_eq!(headers["cache-control"], "no-store");
        assert!(headers.contains_key("date"));
        assert!(
            !headers.contains_key("access-control-allow-origin"),
            "no CORS (FLOWS 7)"
        );
        let body = resp.text().await.unwrap();
        if content_type.starts_with("application/x-www-form-urlencoded") {
            let re = body
                .split('&')
                .map(|kv| kv.split('=').next().unwrap())
                .collect::<Vec<_>>();
            assert_eq!(re, ["access_token", "scope", "token_type"], "alphabetical: {body}");
            assert!(body.contains("&scope=gist%2Crepo&token_type=bearer"), "{body}");
        } else if content_type.starts_with("application/xml") {
            assert!(body.starts_with("<OAuth><access_token>gho_"), "{body}");
            assert!(
                body.ends_with("<token_type>bearer</token_type><scope>gist,repo</scope></OAuth>"),
                "{body}"
            );
        } else {
            assert_token(&serde_json::from_str(&body).unwrap(), "gist,repo");
        }
    }
    let resp = client
        .post(s.url(""))
        .form(&s.creds("0123456789abcdef0123"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let body = resp.text().await.unwrap();
    assert!(
        body.starts_with("error=bad_verification_code&error_description=The+code+passed+is+incorrect+or+expired.&error_uri=https%3A%2F%2Fdocs.github.com%2F"),
        "{body}"
    );
    let resp = client
        .request(reqwest::Method::OPTIONS, s.url(""))
        .header("Origin", "https://a.example")
        .header("Access-Control-Request-Method", "POST")
        .send()
        .await
        .unwrap();
    assert!(
        !resp.headers().contains_key("access-control-allow-origin"),
        "no preflight"
    );
}

async fn clients_authenticate_with_basic_json_or_the_query_string() {
    let s = setup().await;
    let client = reqwest::Client::new();
    // Basic with the code in the body, and a lower-case scheme.
    let code = s.code("repo", None).await;
    let resp = client
        .post(s.url(""))
        .basic_auth(&s.client_id, Some(&s.secret))
        .header("Accept", "application/json")
        .form(&[("code", code.as_str())])
        .send()
        .await
        .unwrap();
    assert_token(&resp.json().await.unwrap(), "repo");
    let code = s.code("repo", None).await;
    let raw = base64::engine::general_purpose::STANDARD.encode(format!("{}:{}", s.client_id, s.secret));
    let resp = client
        .post(s.url(""))
        .header("Authorization", format!("basic {raw}"))
        .header("Accept", "application/json")
        .form(&[("code", code.as_str()), ("client_id", s.client_id.as_str())])
        .send()
        .await
        .unwrap();
    assert_token(&resp.json().await.unwrap(), "repo");
    let code = s.code("repo", None).await;
    let resp = client
        .post(s.url(""))
        .basic_auth(&s.client_id, Some("wrong"))
        .header("Accept", "application/json")
        .form(&[("code", code.as_str())])
        .send()
        .await
        .unwrap();
    let answer: Value = resp.json().await.unwrap();
    assert_eq!(answer["error"], "incorrect_client_credentials");
    // JSON, with a null secret (absent) completed by Basic, and unknown parameters.
    let code = s.code("repo", None).await;
    let body = json!({"client_id": s.client_id, "client_secret": null, "code": code, "state": "x",
                      "response_type": "code", "audience": 5});
    let resp = client
        .post(s.url(""))
        .basic_auth(&s.client_id, Some(&s.secret))
        .header("Accept", "application/json")
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_token(&resp.json().await.unwrap(), "repo");
    let code = s.code("repo", None).await;
    let body = json!({"client_id": s.client_id, "client_secret": null, "code": code});
    let resp = client
        .post(s.url(""))
        .header("Accept", "application/json")
        .json(&body)
        .send()
        .await
        .unwrap();
    let answer: Value = resp.json().await.unwrap();
    assert_eq!(answer["error"], "incorrect_client_credentials", "null is absent");
    // Everything in the query string.
    let code = s.code("repo", None).await;
    let query = format!(
        "?client_id={}&client_secret={}&code={code}&state=s",
        s.client_id, s.secret
    );
    let resp = client
        .post(s.url(&query))
        .header("Accept", "application/json")
        .send()
        .await
        .unwrap();
    assert_token(&resp.json().await.unwrap(), "repo");
}

async fn codes_expire_after_ten_minutes_and_belong_to_their_app() {
    let s = setup().await;
    let code = s.code("repo", None).await;
    s.server.clock.advance(599);
    assert_token(&s.exchange(&s.creds(&code)).await, "repo");
    let code = s.code("repo", None).await;
    s.server.clock.advance(600);
    assert_bad_code(&s.exchange(&s.creds(&code)).await);

    let (other_id, other_secret) = s.server.add_app("Other").await;
    let code = s.code("repo", None).await;
    let theirs = [
        ("client_id", other_id.as_str()),
        ("client_secret", other_secret.as_str()),
        ("code", &code),
    ];
    assert_bad_code(&s.exchange(&theirs).await);
    assert_bad_code(&s.exchange(&s.creds(&code)).await);
}

async fn the_redirect_uri_must_match_when_sent() {
    let s = setup().await;
    let code = s.code("repo", None).await;
    assert_token(
        &s.exchange(&with(s.creds(&code), &[("redirect_uri", CALLBACK)])).await,
        "repo",
    );
    let code = s.code("repo", None).await;
    assert_token(
        &s.exchange(&with(s.creds(&code), &[("redirect_uri", "")])).await,
        "repo",
    );
    for other in [
        "https://example.com/callback/",
        "https://example.com/callback/sub",
        "http://example.com/callback",
    ] {
        let code = s.code("repo", None).await;
        let answer = s.exchange(&with(s.creds(&code), &[("redirect_uri", other)])).await;
        assert_eq!(answer["error"], "redirect_uri_mismatch", "{other}");
    }
}

async fn pkce_needs_the_right_verifier_only_when_a_challenge_was_given() {
    let s = setup().await;
    let verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
    let pkce = challenge(verifier);
    let code = s.code("repo", Some(&pkce)).await;
    assert_token(
        &s.exchange(&with(s.creds(&code), &[("code_verifier", verifier)])).await,
        "repo",
    );
    for wrong in [
        Some("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXj"),
        Some(pkce.as_str()),
        None,
    ] {
        let code = s.code("repo", Some(&pkce)).await;
        let form = match wrong {
            Some(v) => with(s.creds(&code), &[("code_verifier", v)]),
            None => s.creds(&code),
        };
        assert_bad_code(&s.exchange(&form).await);
    }
    let code = s.code("repo", None).await;
    assert_token(
        &s.exchange(&with(s.creds(&code), &[("code_verifier", verifier)])).await,
        "repo",
    );
    let code = s.code("repo", Some(&pkce)).await;
    let no_secret = [
        ("client_id", s.client_id.as_str()),
        ("code", &code),
        ("code_verifier", verifier),
    ];
    assert_eq!(
        s.exchange(&no_secret).await["error"],
        "incorrect_client_credentials",
        "the secret is still required"
    );
}

async fn tokens_are_ordinary_authorizations_and_each_approval_gets_its_own() {
    let s = setup().await;
    let api = s.server.root();
    let first = assert_token(&s.exchange(&s.creds(&s.code("repo", None).await)).await, "repo");
    let second = assert_token(&s.exchange(&s.creds(&s.code("gist", None).await)).await, "gist");
    assert_ne!(first, second);
    let list = api.get("/authorizations").auth(password("alice")).send().await;
    list.expect(200);
    let items = list.body.as_array().unwrap();
    assert_eq!(items.len(), 2, "{}", list.body);
    assert!(items.iter().all(|a| a["app"]["client_id"] == s.client_id.as_str()));
    let grants = api.get("/applications/grants").auth(password("alice")).send().await;
    grants.expect(200);
    assert_eq!(
        grants.body[0]["scopes"],
        json!(["gist", "repo"]),
        "the grant holds the union"
    );

    // The Authorizations API's get-or-create keeps its own one authorization beside them.
    let path = format!("/authorizations/clients/{}", s.client_id);
    let made = api
        .put(&path)
        .auth(password("alice"))
        .json(json!({"client_secret": s.secret}))
        .send()
        .await;
    made.expect(201);
    let again = api
        .put(&path)
        .auth(password("alice"))
        .json(json!({"client_secret": s.secret}))
        .send()
        .await;
    again.expect(200);
    assert_eq!(again.body["id"], made.body["id"]);

    let check = format!("/applications/{}/token", s.client_id);
    let app_auth = basic(&s.client_id, &s.secret);
    for token in [&first, &second] {
        let checked = api
            .post(&check)
            .auth(app_auth.clone())
            .json(json!({"access_token": token}))
            .send()
            .await;
        checked.expect(200);
        assert_eq!(checked.body["user"]["login"], "alice");
    }
    let reset = api
        .patch(&check)
        .auth(app_auth.clone())
        .json(json!({"access_token": first}))
        .send()
        .await;
    reset.expect(200);
    let new = reset.body["token"].as_str().unwrap().to_owned();
    api.post(&check)
        .auth(app_auth.clone())
        .json(json!({"access_token": first}))
        .send()
        .await
        .expect(404);
    api.delete(&check)
        .auth(app_auth.clone())
        .json(json!({"access_token": new}))
        .send()
        .await
        .expect(204);
    api.post(&check)
        .auth(app_auth.clone())
        .json(json!({"access_token": new}))
        .send()
        .await
        .expect(404);
    api.post(&check)
        .auth(app_auth)
        .json(json!({"access_token": second}))
        .send()
        .await
        .expect(200);
}

store_tests!(
    a_code_is_exchanged_once_for_a_token_of_its_app,
    every_refusal_of_flows_23_is_a_200_checked_in_order,
    answers_are_a_form_by_default_json_or_xml_when_preferred,
    clients_authenticate_with_basic_json_or_the_query_string,
    codes_expire_after_ten_minutes_and_belong_to_their_app,
    the_redirect_uri_must_match_when_sent,
    pkce_needs_the_right_verifier_only_when_a_challenge_was_given,
    tokens_are_ordinary_authorizations_and_each_approval_gets_its_own,
);
