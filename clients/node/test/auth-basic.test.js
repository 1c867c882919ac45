// @octokit/auth-basic@1.4.8 against grantd, on both base-URL layouts.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { createBasicAuth } from "@octokit/auth-basic";
import { request as octokitRequest } from "@octokit/request"; // v5, the one auth-basic depends on
import {
  config, LAYOUTS, PAT_RE, OAUTH_RE, unique, otpNow, basic, sha256Hex,
  assertTokenChecksum, api, parseScopesHeader, getUserWithToken, quietDeprecation,
} from "../lib/support.js";
import { totp } from "../lib/totp.js";

function makeAuth(base, options) {
  const request = octokitRequest.defaults({ baseUrl: base });
  const auth = quietDeprecation(() => createBasicAuth({ request, ...options }));
  return { auth, request };
}

function counting(fn) {
  const wrapped = async () => {
    wrapped.calls += 1;
    return fn();
  };
  wrapped.calls = 0;
  return wrapped;
}

const noOtp = () => {
  throw new Error("on2Fa must not be called for a user without 2FA");
};

async function assertRejectsWithStatus(promise, status, message) {
  await assert.rejects(promise, (error) => {
    assert.equal(error.status, status, `status of ${error.message}`);
    if (message !== undefined) assert.equal(error.message, message);
    return true;
  });
}

/** Full authorization object as octokit reads it back (BEHAVIOR E.31-E.34, O.86). */
function assertAuthorization(base, data, { id, token, note, clientId, scopes }) {
  assert.equal(data.id, id);
  assert.equal(data.url, `${base}/authorizations/${id}`);
  assert.equal(data.token, "", "token is not shown again after creation");
  assert.equal(data.token_last_eight, token.slice(-8));
  assert.equal(data.hashed_token, sha256Hex(token));
  assert.equal(data.app.client_id, clientId);
  assert.equal(typeof data.app.name, "string");
  assert.equal(typeof data.app.url, "string");
  assert.equal(data.note, note);
  assert.deepEqual([...data.scopes].sort(), [...scopes].sort());
  for (const key of ["note_url", "fingerprint", "expires_at"]) assert.ok(key in data, `${key} present`);
  assert.match(data.created_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  assert.match(data.updated_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
}

for (const { name, base } of LAYOUTS) {
  describe(`@octokit/auth-basic, layout ${name}`, () => {
    describe("plain user", () => {
      test('auth({type: "basic"}) validates the password (dummy PATCH /authorizations must answer 404)', async () => {
        const { auth } = makeAuth(base, { username: config.login, password: config.password, on2Fa: noOtp });
        const result = await auth({ type: "basic" });
        assert.deepEqual(result, {
          type: "basic",
          username: config.login,
          password: config.password,
          credentials: Buffer.from(`${config.login}:${config.password}`).toString("base64"),
        });
      });

      test("mints a ghp_ personal access token and uses it on GET /user", async () => {
        const note = unique("node auth-basic PAT");
        const { auth, request } = makeAuth(base, {
          username: config.login,
          password: config.password,
          on2Fa: noOtp,
          token: { note, scopes: ["repo", "user"] },
        });
        const minted = await auth();
        assert.equal(minted.type, "token");
        assert.equal(minted.tokenType, "oauth");
        assert.equal(minted.username, config.login);
        assert.equal(typeof minted.id, "number");
        assert.match(minted.token, PAT_RE);

        // Plain fetch with `Authorization: token X`.
        const me = await getUserWithToken(base, minted.token);
        assert.equal(me.status, 200, JSON.stringify(me.json));
        assert.equal(me.json.login, config.login);
        assert.deepEqual(parseScopesHeader(me.headers.get("x-oauth-scopes")), ["repo", "user"]);

        // Through auth-basic's hook: non-authorization routes are sent with the minted token.
        const viaHook = await auth.hook(request, "GET /user");
        assert.equal(viaHook.status, 200);
        assert.equal(viaHook.data.login, config.login);
        assert.deepEqual(parseScopesHeader(viaHook.headers["x-oauth-scopes"]), ["repo", "user"]);

        // Authorization routes go with Basic login:password; the token itself is not shown again.
        const got = await auth.hook(request, "GET /authorizations/{authorization_id}", { authorization_id: minted.id });
        assert.equal(got.status, 200);
        assertAuthorization(base, got.data, {
          id: minted.id, token: minted.token, note, clientId: "00000000000000000000", scopes: ["repo", "user"],
        });

        // Deleting the authorization revokes the token at once.
        const deleted = await auth.hook(request, "DELETE /authorizations/{authorization_id}", { authorization_id: minted.id });
        assert.equal(deleted.status, 204);
        const after = await getUserWithToken(base, minted.token);
        assert.equal(after.status, 401);
        assert.equal(after.json.message, "Bad credentials");
      });

      test("minted token carries the ghp_ checksum (base62 CRC-32, BEHAVIOR H.56)", async () => {
        const { auth } = makeAuth(base, {
          username: config.login, password: config.password, on2Fa: noOtp,
          token: { note: unique("node auth-basic checksum"), scopes: [] },
        });
        const { token } = await auth();
        assert.match(token, PAT_RE);
        assertTokenChecksum(token);
        const me = await getUserWithToken(base, token);
        assert.equal(me.status, 200);
        assert.deepEqual(parseScopesHeader(me.headers.get("x-oauth-scopes")), []);
      });

      test("a duplicate note is refused with 422 already_exists on description", async () => {
        const note = unique("node auth-basic duplicate");
        const first = makeAuth(base, { username: config.login, password: config.password, on2Fa: noOtp, token: { note } });
        assert.match((await first.auth()).token, PAT_RE);
        const second = makeAuth(base, { username: config.login, password: config.password, on2Fa: noOtp, token: { note } });
        await assert.rejects(second.auth(), (error) => {
          assert.equal(error.status, 422, error.message);
          const body = error.response.data;
          assert.equal(body.message, "Validation Failed");
          assert.ok(
            body.errors.some((e) => e.resource === "OauthAccess" && e.code === "already_exists" && e.field === "description"),
            JSON.stringify(body.errors),
          );
          return true;
        });
      });

      test("mints a gho_ OAuth-app token with token.clientId/clientSecret (POST /authorizations)", async () => {
        const note = unique("node auth-basic app");
        // A fresh fingerprint: without one, grantd keeps one fingerprint-less authorization per user+app
        // (a second one is 422 already_exists on fingerprint), and this test runs once per layout.
        const fingerprint = unique("fp");
        const { auth, request } = makeAuth(base, {
          username: config.login, password: config.password, on2Fa: noOtp,
          token: { note, fingerprint, scopes: ["repo"], clientId: config.clientId, clientSecret: config.clientSecret },
        });
        const minted = await auth();
        assert.match(minted.token, OAUTH_RE);
        const got = await auth.hook(request, "GET /authorizations/{authorization_id}", { authorization_id: minted.id });
        assertAuthorization(base, got.data, { id: minted.id, token: minted.token, note, clientId: config.clientId, scopes: ["repo"] });
        assert.equal(got.data.fingerprint, fingerprint);
        const me = await getUserWithToken(base, minted.token);
        assert.equal(me.status, 200);
        assert.equal(me.json.login, config.login);
        assert.deepEqual(parseScopesHeader(me.headers.get("x-oauth-scopes")), ["repo"]);
      });

      test("get-or-create PUT /authorizations/clients/{client_id}/{fingerprint} via auth.hook: 201 then 200", async () => {
        const fingerprint = unique("fp").replace(/\s/g, "-");
        const note = unique("node auth-basic get-or-create");
        const { auth, request } = makeAuth(base, { username: config.login, password: config.password, on2Fa: noOtp });
        const params = {
          client_id: config.clientId, fingerprint, client_secret: config.clientSecret, scopes: ["repo"], note,
        };
        const created = await auth.hook(request, "PUT /authorizations/clients/{client_id}/{fingerprint}", params);
        assert.equal(created.status, 201);
        assert.match(created.data.token, OAUTH_RE);
        assert.equal(created.data.app.client_id, config.clientId);
        assert.equal(created.data.fingerprint, fingerprint);
        assert.equal(created.data.url, `${base}/authorizations/${created.data.id}`);
        assert.equal(created.headers.location, created.data.url);

        const again = await auth.hook(request, "PUT /authorizations/clients/{client_id}/{fingerprint}", params);
        assert.equal(again.status, 200);
        assert.equal(again.data.id, created.data.id);
        assert.equal(again.data.token, "");
        assert.equal(again.data.token_last_eight, created.data.token.slice(-8));
        assert.equal(again.headers.location, created.data.url);
      });

      test("get-or-create PUT /authorizations/clients/{client_id} (no fingerprint) via auth.hook returns one authorization", async () => {
        const { auth, request } = makeAuth(base, { username: config.login, password: config.password, on2Fa: noOtp });
        const params = { client_id: config.clientId, client_secret: config.clientSecret, scopes: ["repo"], note: unique("node get-or-create") };
        // 201 the first time this user meets the app without a fingerprint (first layout), 200 afterwards.
        const first = await auth.hook(request, "PUT /authorizations/clients/{client_id}", params);
        assert.ok(first.status === 201 || first.status === 200, `status ${first.status}`);
        if (first.status === 201) assert.match(first.data.token, OAUTH_RE);
        else assert.equal(first.data.token, "");
        assert.equal(first.data.app.client_id, config.clientId);
        assert.equal(first.data.url, `${base}/authorizations/${first.data.id}`);
        assert.equal(first.headers.location, first.data.url);

        const second = await auth.hook(request, "PUT /authorizations/clients/{client_id}", params);
        assert.equal(second.status, 200);
        assert.equal(second.data.id, first.data.id);
        assert.equal(second.data.token, "");
        assert.equal(second.headers.location, first.data.url);
      });

      test("unknown login: rejected with 401 Bad credentials", async () => {
        const { auth } = makeAuth(base, { username: unique("nobody").replace(/\W/g, ""), password: "wrong", on2Fa: noOtp });
        await assert.rejects(auth({ type: "basic" }), (error) => {
          assert.equal(error.status, 401);
          assert.equal(error.response.data.message, "Bad credentials");
          assert.equal(error.response.headers["x-github-otp"], undefined);
          return true;
        });
      });
    });

    describe("user with TOTP two-factor authentication", () => {
      test("without an OTP the server sends the challenge octokit looks for", async () => {
        const res = await api(base, "POST", "/authorizations", {
          headers: { authorization: basic(config.otpLogin, config.otpPassword) },
          body: { note: unique("node no-otp"), scopes: [] },
        });
        assert.equal(res.status, 401);
        assert.equal(res.headers.get("x-github-otp"), "required; app");
        assert.equal(res.json.message, "Must specify two-factor authentication OTP code.");
      });

      test('auth({type: "basic"}) calls on2Fa and keeps the code', async () => {
        const on2Fa = counting(otpNow);
        const { auth } = makeAuth(base, { username: config.otpLogin, password: config.otpPassword, on2Fa });
        const result = await auth({ type: "basic" });
        assert.ok(on2Fa.calls >= 1, "on2Fa was called");
        assert.equal(result.type, "basic");
        assert.equal(result.username, config.otpLogin);
        assert.match(result.totp, /^\d{6}$/);
      });

      test("mints a ghp_ token after on2Fa, and the cached code serves the next requests", async () => {
        const note = unique("node auth-basic 2FA PAT");
        const on2Fa = counting(otpNow);
        const { auth, request } = makeAuth(base, {
          username: config.otpLogin, password: config.otpPassword, on2Fa, token: { note, scopes: ["user"] },
        });
        const minted = await auth();
        assert.ok(on2Fa.calls >= 1, "on2Fa was called");
        assert.match(minted.token, PAT_RE);

        const me = await getUserWithToken(base, minted.token);
        assert.equal(me.status, 200);
        assert.equal(me.json.login, config.otpLogin);
        assert.deepEqual(parseScopesHeader(me.headers.get("x-oauth-scopes")), ["user"]);

        // BEHAVIOR O.80: auth-basic re-sends the cached code; the server must accept it again.
        const callsBefore = on2Fa.calls;
        const got = await auth.hook(request, "GET /authorizations/{authorization_id}", { authorization_id: minted.id });
        assert.equal(got.status, 200);
        assertAuthorization(base, got.data, {
          id: minted.id, token: minted.token, note, clientId: "00000000000000000000", scopes: ["user"],
        });
        assert.equal(on2Fa.calls, callsBefore, "cached OTP was accepted, on2Fa not asked again");
      });

      test("a wrong password gives 401 Bad credentials without asking for an OTP", async () => {
        const on2Fa = counting(otpNow);
        const { auth } = makeAuth(base, { username: config.otpLogin, password: `${config.otpPassword}-wrong`, on2Fa });
        await assert.rejects(auth({ type: "basic" }), (error) => {
          assert.equal(error.status, 401);
          assert.equal(error.response.data.message, "Bad credentials");
          assert.equal(error.response.headers["x-github-otp"], undefined, "no X-GitHub-OTP when the password is wrong");
          return true;
        });
        assert.equal(on2Fa.calls, 0);
      });

      test("a code three steps old is refused", async () => {
        const stale = totp(config.otpSecret, { timeMs: Date.now() - 90000 });
        const current = new Set([-1, 0, 1].map((k) => totp(config.otpSecret, { timeMs: Date.now() + k * 30000 })));
        if (current.has(stale)) return; // astronomically unlikely collision; nothing to test
        const on2Fa = counting(async () => stale);
        const { auth } = makeAuth(base, {
          username: config.otpLogin, password: config.otpPassword, on2Fa, token: { note: unique("node stale otp") },
        });
        await assertRejectsWithStatus(auth(), 401, "Invalid TOTP (time-based one-time password) for two-factor authentication");
        assert.equal(on2Fa.calls, 1);
      });

      test("a wrong OTP ends in auth-basic's 'Invalid TOTP' error", async () => {
        const now = Date.now();
        const valid = new Set([-2, -1, 0, 1, 2].map((k) => totp(config.otpSecret, { timeMs: now + k * 30000 })));
        let wrong = 0;
        while (valid.has(String(wrong).padStart(6, "0"))) wrong += 1;
        const on2Fa = counting(async () => String(wrong).padStart(6, "0"));
        const { auth } = makeAuth(base, {
          username: config.otpLogin, password: config.otpPassword, on2Fa, token: { note: unique("node wrong otp") },
        });
        await assertRejectsWithStatus(auth(), 401, "Invalid TOTP (time-based one-time password) for two-factor authentication");
        assert.equal(on2Fa.calls, 1);
      });
    });
  });
}
