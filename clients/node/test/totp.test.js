// Self-test of the TOTP helper the 2FA tests rely on (RFC 6238 Appendix B, SHA1 vectors, 6-digit form).
import { test } from "node:test";
import assert from "node:assert/strict";
import { base32Decode, totp } from "../lib/totp.js";

const SECRET = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"; // base32("12345678901234567890")

test("base32 decoding (RFC 4648)", () => {
  assert.equal(base32Decode(SECRET).toString("ascii"), "12345678901234567890");
  assert.equal(base32Decode("MZXW6YTBOI======").toString("ascii"), "foobar");
  assert.equal(base32Decode("mzxw 6ytb oi").toString("ascii"), "foobar");
  assert.throws(() => base32Decode("MZXW1"), /invalid base32/);
});

test("TOTP matches the RFC 6238 SHA1 test vectors", () => {
  const vectors = [
    [59, "94287082"],
    [1111111109, "07081804"],
    [1111111111, "14050471"],
    [1234567890, "89005924"],
    [2000000000, "69279037"],
    [20000000000, "65353130"],
  ];
  for (const [seconds, code8] of vectors) {
    assert.equal(totp(SECRET, { timeMs: seconds * 1000, digits: 8 }), code8, `T=${seconds}`);
    assert.equal(totp(SECRET, { timeMs: seconds * 1000 }), code8.slice(2), `T=${seconds} (6 digits)`);
  }
});
