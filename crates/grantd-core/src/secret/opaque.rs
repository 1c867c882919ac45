//! Opaque random secrets that only their holder keeps in clear, stored as SHA-256 digests:
//! browser session ids (43 base64url characters, 256 bits) and the web flow's authorization codes
//! (20 lower-case hexadecimal characters, 80 bits, FLOWS 9: a code lives ten minutes and is used
//! once). Looked up by digest, so no comparison of secrets happens at all.

use base64::Engine as _;
use secrecy::{ExposeSecret, SecretString};
use sha2::{Digest, Sha256};

/// A secret in clear: a session id or a code.
#[derive(Clone)]
pub struct Opaque(SecretString);

impl std::fmt::Debug for Opaque {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Opaque([redacted])")
    }
}

impl Opaque {
    /// A new session id: 32 random bytes, base64url without padding.
    pub fn session_id() -> Self {
        let bytes: [u8; 32] = super::random_bytes();
        Self(SecretString::from(
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes),
        ))
    }

    /// A new authorization code: 10 random bytes as 20 lower-case hexadecimal characters.
    pub fn code() -> Self {
        let bytes: [u8; 10] = super::random_bytes();
        Self(SecretString::from(hex::encode(bytes)))
    }

    /// A secret as a client sent it, if it could be one grantd made (at most 64 characters of
    /// base64url): anything else is refused before any lookup.
    pub fn from_client(raw: &str) -> Option<Self> {
        let ok = !raw.is_empty()
            && raw.len() <= 64
            && raw.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        ok.then(|| Self(SecretString::from(raw.to_owned())))
    }

    /// The secret text, for the cookie or the redirect that hands it over.
    pub fn expose(&self) -> &str {
        self.0.expose_secret()
    }

    /// The digest stored in its place.
    pub fn digest(&self) -> [u8; 32] {
        Sha256::digest(self.expose().as_bytes()).into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes_digests_and_what_a_client_may_send() {
        let id = Opaque::session_id();
        assert_eq!(id.expose().len(), 43);
        assert_ne!(id.expose(), Opaque::session_id().expose());
        let code = Opaque::code();
        assert_eq!(code.expose().len(), 20);
        assert!(code
            .expose()
            .bytes()
            .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase()));
        let again = Opaque::from_client(code.expose()).expect("a code is accepted back");
        assert_eq!(again.digest(), code.digest());
        assert_ne!(code.digest(), Opaque::code().digest());
        for bad in ["", "a b", "a/b", "é", &"a".repeat(65), "x;y"] {
            assert!(Opaque::from_client(bad).is_none(), "{bad:?}");
        }
        assert_eq!(format!("{id:?}"), "Opaque([redacted])");
    }
}
