//! OAuth client ids and secrets. A secret is 40 random hexadecimal characters (GitHub's length),
//! stored only as its SHA-256 digest and compared in constant time.

use rand::Rng;
use secrecy::{ExposeSecret, SecretString};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// A new public client id: 20 characters, `Ov23li` style is GitHub's; grantd uses `gd` + 18
/// lower-case hexadecimal characters so ids are recognisable and fit the 20-character limit.
pub fn generate_client_id() -> String {
    let bytes: [u8; 9] = super::random_bytes();
    format!("gd{}", hex::encode(bytes))
}

/// A client secret in clear, as shown once on creation or reset.
#[derive(Clone)]
pub struct ClientSecret(SecretString);

impl std::fmt::Debug for ClientSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ClientSecret([redacted])")
    }
}

impl ClientSecret {
    /// A new random secret of 40 hexadecimal characters (160 bits).
    pub fn generate() -> Self {
        let bytes: [u8; 20] = rand::rngs::OsRng.gen();
        Self(SecretString::from(hex::encode(bytes)))
    }

    /// Wraps a secret received from a client.
    pub fn from_client(raw: &str) -> Self {
        Self(SecretString::from(raw.to_owned()))
    }

    /// The secret text.
    pub fn expose(&self) -> &str {
        self.0.expose_secret()
    }

    /// The digest stored in place of the secret.
    pub fn digest(&self) -> [u8; 32] {
        Sha256::digest(self.expose().as_bytes()).into()
    }

    /// Constant-time comparison with a stored digest.
    pub fn matches(&self, stored: &[u8; 32]) -> bool {
        self.digest().ct_eq(stored).into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_secret_is_40_hex_and_matches_its_digest_only() {
        let s = ClientSecret::generate();
        assert_eq!(s.expose().len(), 40);
        assert!(s.expose().bytes().all(|b| b.is_ascii_hexdigit()));
        assert!(s.matches(&s.digest()));
        assert!(!ClientSecret::generate().matches(&s.digest()));
    }

    #[test]
    fn client_id_is_20_characters() {
        assert_eq!(generate_client_id().len(), 20);
    }
}
