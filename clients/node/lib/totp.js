// RFC 6238 TOTP (HMAC-SHA1, 6 digits, 30 s step) with an RFC 4648 base32 decoder.
import { createHmac } from "node:crypto";

const BASE32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

export function base32Decode(text) {
  const clean = text.toUpperCase().replace(/[\s=-]/g, "");
  const out = [];
  let buffer = 0;
  let bits = 0;
  for (const ch of clean) {
    const value = BASE32.indexOf(ch);
    if (value < 0) throw new Error(`invalid base32 character ${JSON.stringify(ch)}`);
    buffer = ((buffer << 5) | value) & 0xffff;
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      out.push((buffer >>> bits) & 0xff);
    }
  }
  return Buffer.from(out);
}

/** HOTP value (RFC 4226) for `counter`, `digits` long. */
export function hotp(key, counter, digits = 6) {
  const msg = Buffer.alloc(8);
  msg.writeBigUInt64BE(BigInt(counter));
  const mac = createHmac("sha1", key).update(msg).digest();
  const offset = mac[mac.length - 1] & 0x0f;
  const binary = mac.readUInt32BE(offset) & 0x7fffffff;
  return String(binary % 10 ** digits).padStart(digits, "0");
}

/** TOTP code for a base32 secret at `timeMs` (default: now). */
export function totp(secretBase32, { timeMs = Date.now(), step = 30, digits = 6 } = {}) {
  return hotp(base32Decode(secretBase32), Math.floor(timeMs / 1000 / step), digits);
}
