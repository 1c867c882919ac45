// @octokit/oauth-methods@6.0.5 (checkToken, resetToken, deleteToken, deleteAuthorization)
// against grantd, on both base-URL layouts.
import { describe, test, before } from "node:test";
import assert from "node:assert/strict";
import { checkToken, resetToken, deleteToken, deleteAuthorization } from "@octokit/oauth-methods";
import {
  config, LAYOUTS, OAUTH_RE, mintAppToken, getUserWithToken, oauthMethodsRequest,
} from "../lib/support.js";

const plainUser = { login: config.login, password: config.password };
const otpUser = { login: config.otpLogin, password: config.otpPassword, otpSecret: config.otpSecret };

async function assertNotFound(promise) {
  await assert.rejects(promise, (error) => {
    assert.equal(error.name, "HttpError", String(error));
    assert.equal(error.status, 404, error.message);
    assert.equal(error.response.data.message, "Not Found");
    return true;
  });
}

for (const { name, base } of LAYOUTS) {
  describe(`@octokit/oauth-methods, layout ${name}`, () => {
    let request;
    const app = () => ({
      clientType: "oauth-app", clientId: config.clientId, clientSecret: config.clientSecret, request,
    });

    before(async () => {
      request = (await oauthMethodsRequest()).defaults({ baseUrl: base });
    });

    test("checkToken, resetToken, deleteToken on one token", async () => {
      const minted = await mintAppToken(base, plainUser);
      const oldToken = minted.token;

      // checkToken
      const checked = await checkToken({ ...app(), token: oldToken });
      assert.equal(checked.status, 200);
      assert.equal(checked.data.token, oldToken, "check returns the full token that was checked");
      assert.equal(checked.data.id, minted.id);
      assert.equal(checked.data.url, `${base}/authorizations/${minted.id}`);
      assert.deepEqual(checked.data.scopes, ["repo"]);
      assert.equal(checked.data.app.client_id, config.clientId);
      assert.equal(checked.data.user.login, config.login);
      assert.equal(checked.data.expires_at, null);
      assert.deepEqual(checked.authentication, {
        clientType: "oauth-app",
        clientId: config.clientId,
        clientSecret: config.clientSecret,
        token: oldToken,
        scopes: ["repo"],
      });

      // resetToken: a new token for the same authorization; the old one stops working at once.
      const reset = await resetToken({ ...app(), token: oldToken });
      assert.equal(reset.status, 200);
      const newToken = reset.authentication.token;
      assert.match(newToken, OAUTH_RE);
      assert.notEqual(newToken, oldToken);
      assert.equal(reset.data.token, newToken);
      assert.equal(reset.data.id, minted.id);
      assert.equal(reset.data.user.login, config.login);
      assert.deepEqual(reset.authentication, {
        clientType: "oauth-app",
        clientId: config.clientId,
        clientSecret: config.clientSecret,
        token: newToken,
        scopes: ["repo"],
      });
      await assertNotFound(checkToken({ ...app(), token: oldToken }));
      assert.equal((await getUserWithToken(base, oldToken)).status, 401, "old token is revoked");
      const recheck = await checkToken({ ...app(), token: newToken });
      assert.equal(recheck.data.token, newToken);
      assert.equal(recheck.authentication.token, newToken);
      const me = await getUserWithToken(base, newToken);
      assert.equal(me.status, 200);
      assert.equal(me.json.login, config.login);

      // deleteToken
      const deleted = await deleteToken({ ...app(), token: newToken });
      assert.equal(deleted.status, 204);
      await assertNotFound(checkToken({ ...app(), token: newToken }));
      const after = await getUserWithToken(base, newToken);
      assert.equal(after.status, 401);
      assert.equal(after.json.message, "Bad credentials");
    });

    test("deleteToken revokes only that token", async () => {
      const a = await mintAppToken(base, plainUser);
      const b = await mintAppToken(base, plainUser);
      assert.equal((await deleteToken({ ...app(), token: a.token })).status, 204);
      await assertNotFound(checkToken({ ...app(), token: a.token }));
      assert.equal((await checkToken({ ...app(), token: b.token })).data.token, b.token);
    });

    test("deleteAuthorization revokes the grant and every token of the app for that user", async () => {
      // Uses the 2FA user so that no other test file's tokens for this app are revoked.
      const a = await mintAppToken(base, otpUser);
      const b = await mintAppToken(base, { ...otpUser, scopes: ["user"] });
      const checked = await checkToken({ ...app(), token: a.token });
      assert.equal(checked.data.user.login, config.otpLogin);
      assert.deepEqual(checked.authentication.scopes, ["repo"]);

      const deleted = await deleteAuthorization({ ...app(), token: a.token });
      assert.equal(deleted.status, 204);
      await assertNotFound(checkToken({ ...app(), token: a.token }));
      await assertNotFound(checkToken({ ...app(), token: b.token }));
      assert.equal((await getUserWithToken(base, b.token)).status, 401);
    });

    test("an unknown token gives 404 on check and reset", async () => {
      const bogus = `gho_${"0".repeat(36)}`;
      await assertNotFound(checkToken({ ...app(), token: bogus }));
      await assertNotFound(resetToken({ ...app(), token: bogus }));
    });
  });
}
