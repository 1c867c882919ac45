//! Time-based one-time passwords (RFC 6238: HMAC-SHA1, 6 digits, 30-second steps) through the
//! `totp-rs` crate. A code is valid for its own step and one step either side; it may be used
//! again within that window (clients reuse one code across requests, BEHAVIOR 80), but once a
//! newer step has been accepted for a user, codes of older steps are refused (see the login
//! service, which records the newest accepted step in the database).

use secrecy::{ExposeSecret, SecretSlice};
use subtle::ConstantTimeEq;
use totp_rs::{Algorithm, Secret, TOTP};

const DIGITS: usize = 6;
const STEP_SECONDS: u64 = 30;
const SEED_BYTES: usize = 20;

/// A TOTP seed. Never printed.
#[derive(Clone)]
pub struct TotpSecret(SecretSlice<u8>);

impl std::fmt::Debug for TotpSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TotpSecret([redacted])")
    }
}

/// The result of checking a code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TotpCheck {
    /// The code belongs to this time step (within the ±1 window).
    Valid { step: i64 },
    /// The code matches no step of the window.
    Invalid,
}

impl TotpSecret {
    /// A new random 160-bit seed (RFC 4226's recommended length).
    pub fn generate() -> Self {
        let bytes: [u8; SEED_BYTES] = super::random_bytes();
        Self(SecretSlice::from(bytes.to_vec()))
    }

    /// A seed from raw bytes (as unsealed from storage).
    pub fn from_bytes(bytes: Vec<u8>) -> Self {
        Self(SecretSlice::from(bytes))
    }

    /// A seed from its base32 form, as authenticator apps show it.
    pub fn from_base32(encoded: &str) -> Option<Self> {
        Secret::Encoded(encoded.to_owned())
            .to_bytes()
            .ok()
            .map(Self::from_bytes)
    }

    /// The raw bytes, for sealing.
    pub fn expose_bytes(&self) -> &[u8] {
        self.0.expose_secret()
    }

    /// The base32 form (no padding) to type into an authenticator app.
    pub fn to_base32(&self) -> String {
        Secret::Raw(self.expose_bytes().to_vec()).to_encoded().to_string()
    }

    fn totp(&self, issuer: &str, account: &str) -> TOTP {
        TOTP::new_unchecked(
            Algorithm::SHA1,
            DIGITS,
            1,
            STEP_SECONDS,
            self.expose_bytes().to_vec(),
            Some(issuer.to_owned()),
            account.to_owned(),
        )
    }

    /// The `otpauth://totp/…` URL for authenticator apps (QR codes).
    pub fn otpauth_url(&self, issuer: &str, account: &str) -> String {
        self.totp(issuer, account).get_url()
    }

    /// The code for the step containing `unix_time`.
    pub fn code_at(&self, unix_time: i64) -> String {
        self.totp("grantd", "user")
            .generate(u64::try_from(unix_time).unwrap_or(0))
    }

    /// The time step containing `unix_time`.
    pub fn step_of(unix_time: i64) -> i64 {
        unix_time.div_euclid(STEP_SECONDS as i64)
    }

    /// Checks `code` against the steps `now - 1 ..= now + 1`, comparing in constant time, and
    /// tells which step it belongs to.
    pub fn check(&self, code: &str, unix_time: i64) -> TotpCheck {
        let code = code.trim();
        if code.len() != DIGITS || !code.bytes().all(|b| b.is_ascii_digit()) {
            return TotpCheck::Invalid;
        }
        let now_step = Self::step_of(unix_time);
        let mut found = TotpCheck::Invalid;
        for step in [now_step - 1, now_step, now_step + 1] {
            // A step whose start does not fit in an i64 (times near i64::MIN or MAX) has no code.
            let Some(start) = step.checked_mul(STEP_SECONDS as i64) else {
                continue;
            };
            let expected = self.code_at(start);
            if bool::from(expected.as_bytes().ct_eq(code.as_bytes())) {
                found = TotpCheck::Valid { step };
            }
        }
        found
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 6238 appendix B seed for SHA-1 ("12345678901234567890").
    fn rfc_seed() -> TotpSecret {
        TotpSecret::from_bytes(b"12345678901234567890".to_vec())
    }

    #[test]
    fn codes_match_rfc_6238_vectors() {
        // The RFC's 8-digit values, truncated to the last 6 digits (same HOTP value mod 10^6).
        let seed = rfc_seed();
        assert_eq!(seed.code_at(59), "287082");
        assert_eq!(seed.code_at(1_111_111_109), "081804");
        assert_eq!(seed.code_at(1_234_567_890), "005924");
        assert_eq!(seed.code_at(2_000_000_000), "279037");
    }

    #[test]
    fn a_code_is_valid_for_its_step_and_one_either_side_with_a_fixed_clock() {
        let seed = rfc_seed();
        let t = 1_111_111_109; // step 37037036
        let code = seed.code_at(t);
        let step = TotpSecret::step_of(t);
        assert_eq!(seed.check(&code, t), TotpCheck::Valid { step });
        assert_eq!(seed.check(&code, t + 30), TotpCheck::Valid { step });
        assert_eq!(seed.check(&code, t - 30), TotpCheck::Valid { step });
        assert_eq!(seed.check(&code, t + 60), TotpCheck::Invalid);
        assert_eq!(seed.check(&code, t - 60), TotpCheck::Invalid);
    }

    #[test]
    fn garbage_codes_are_invalid() {
        let seed = rfc_seed();
        for code in ["", "12345", "1234567", "abcdef", "08180 "] {
            assert_eq!(seed.check(code, 1_111_111_109), TotpCheck::Invalid, "{code:?}");
        }
    }

    #[test]
    fn extreme_times_do_not_overflow() {
        // Found by fuzzing (fuzz/fuzz_targets/totp.rs): the window's steps were multiplied back
        // to seconds unchecked, overflowing at the ends of the i64 range.
        let seed = TotpSecret::from_bytes(vec![0]);
        let code = seed.code_at(i64::MAX);
        assert_eq!(
            seed.check(&code, i64::MAX),
            TotpCheck::Valid {
                step: TotpSecret::step_of(i64::MAX)
            }
        );
        let _ = seed.check("000000", i64::MIN);
        let _ = seed.check(&seed.code_at(0), i64::MIN);
    }

    #[test]
    fn base32_round_trip_and_url() {
        let seed = TotpSecret::generate();
        let b32 = seed.to_base32();
        let again = TotpSecret::from_base32(&b32).expect("decodes");
        assert_eq!(again.expose_bytes(), seed.expose_bytes());
        let url = seed.otpauth_url("grantd", "alice");
        assert!(url.starts_with("otpauth://totp/grantd:alice?secret="), "{url}");
        assert!(url.contains(&b32));
    }
}
