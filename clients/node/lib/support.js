// Shared configuration and helpers for the grantd real-client tests.
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { crc32 } from "node:zlib";
import { totp } from "./totp.js";

function required(name) {
  const value = process.env[name];
  if (!value) {
    throw new Error(`environment variable ${name} is not set (run the suite through clients/node/run.sh)`);
  }
  return value;
}

const root = required("GRANTD_URL").replace(/\/+$/, "");

export const config = {
  root,
  login: required("GRANTD_LOGIN"),
  password: required("GRANTD_PASSWORD"),
  otpLogin: required("GRANTD_OTP_LOGIN"),
  otpPassword: required("GRANTD_OTP_PASSWORD"),
  otpSecret: required("GRANTD_OTP_SECRET"),
  clientId: required("GRANTD_CLIENT_ID"),
  clientSecret: required("GRANTD_CLIENT_SECRET"),
};

/** The two base-URL layouts a client may be configured with (BEHAVIOR A.2). */
export const LAYOUTS = [
  { name: "root", base: root },
  { name: "/api/v3", base: `${root}/api/v3` },
];

export const PAT_RE = /^ghp_[A-Za-z0-9]{36}$/;
export const OAUTH_RE = /^gho_[A-Za-z0-9]{36}$/;

let counter = 0;
/** A value unique to this run and call (notes and fingerprints must be unique per user). */
export function unique(label) {
  counter += 1;
  return `${label} ${Date.now()}-${process.pid}-${counter}-${Math.random().toString(36).slice(2, 8)}`;
}

export function otpNow() {
  return totp(config.otpSecret);
}

export function basic(login, password) {
  return `Basic ${Buffer.from(`${login}:${password}`).toString("base64")}`;
}

export function sha256Hex(text) {
  return createHash("sha256").update(text, "utf8").digest("hex");
}

const B62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
/** BEHAVIOR H.56: last 6 chars = base62(crc32(the 30 random chars)), zero-padded. */
export function tokenChecksum(random30) {
  let n = crc32(random30);
  let s = "";
  while (n > 0) {
    s = B62[n % 62] + s;
    n = Math.floor(n / 62);
  }
  return s.padStart(6, "0");
}

export function assertTokenChecksum(token) {
  const body = token.slice(token.indexOf("_") + 1);
  assert.equal(body.length, 36, `token body length of ${token}`);
  assert.equal(body.slice(30), tokenChecksum(body.slice(0, 30)), `checksum of ${token}`);
}

/** Plain fetch against the server; returns status, headers and parsed JSON body (or null). */
export async function api(base, method, path, { headers = {}, body } = {}) {
  const init = {
    method,
    headers: {
      accept: "application/vnd.github+json",
      "user-agent": "grantd-node-client-tests",
      ...headers,
    },
  };
  if (body !== undefined) {
    init.body = JSON.stringify(body);
    init.headers["content-type"] = "application/json";
  }
  const response = await fetch(`${base}${path}`, init);
  const text = await response.text();
  let json = null;
  if (text) {
    try {
      json = JSON.parse(text);
    } catch {
      json = text;
    }
  }
  return { status: response.status, headers: response.headers, json };
}

/** X-OAuth-Scopes parsed; asserts the exact ", " separator (BEHAVIOR I.63, O.84). */
export function parseScopesHeader(value) {
  assert.equal(typeof value, "string", "X-OAuth-Scopes header is present");
  if (value === "") return [];
  assert.match(value, /^[a-z_:]+(, [a-z_:]+)*$/, `X-OAuth-Scopes is joined with ", ": ${JSON.stringify(value)}`);
  return value.split(", ").sort();
}

/** GET /user with `Authorization: token X`. */
export async function getUserWithToken(base, token) {
  return api(base, "GET", "/user", { headers: { authorization: `token ${token}` } });
}

/**
 * Mint an OAuth-app token (gho_) for a user with a direct
 * PUT /authorizations/clients/{client_id} (get-or-create) and a fresh fingerprint.
 */
export async function mintAppToken(base, { login, password, otpSecret, scopes = ["repo"], fingerprint = unique("fp") } = {}) {
  const headers = { authorization: basic(login, password) };
  if (otpSecret) headers["x-github-otp"] = totp(otpSecret);
  const res = await api(base, "PUT", `/authorizations/clients/${encodeURIComponent(config.clientId)}`, {
    headers,
    body: { client_secret: config.clientSecret, scopes, fingerprint, note: unique("node oauth-methods") },
  });
  assert.equal(res.status, 201, `PUT /authorizations/clients/:client_id → ${res.status} ${JSON.stringify(res.json)}`);
  assert.match(res.json.token, OAUTH_RE);
  return res.json;
}

export { oauthMethodsRequest } from "./oauth-request.js";

/** Run `fn` while silencing auth-basic's fixed deprecation warning (it prints on every createBasicAuth). */
export function quietDeprecation(fn) {
  const warn = console.warn;
  console.warn = (...args) => {
    if (typeof args[0] === "string" && args[0].startsWith("[@octokit/auth-basic] Basic authentication has been deprecated")) return;
    warn(...args);
  };
  try {
    return fn();
  } finally {
    console.warn = warn;
  }
}
