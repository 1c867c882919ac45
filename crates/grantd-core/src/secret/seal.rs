//! Sealing secrets that must be read back (TOTP seeds) with the server's master key:
//! XChaCha20-Poly1305 with a random 192-bit nonce per value.

use chacha20poly1305::aead::{Aead, KeyInit};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use secrecy::{ExposeSecret, SecretSlice};

const VERSION: u8 = 1;
const NONCE_LEN: usize = 24;

/// The 256-bit key that seals secrets at rest. Never printed.
#[derive(Clone)]
pub struct MasterKey(SecretSlice<u8>);

impl std::fmt::Debug for MasterKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("MasterKey([redacted])")
    }
}

/// Why a key or a sealed value could not be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SealError {
    /// The key is not 64 hexadecimal characters.
    #[error("the master key must be 64 hexadecimal characters (32 bytes)")]
    BadKey,
    /// The value was sealed with another key, or altered.
    #[error("a sealed secret could not be opened: wrong master key, or the value was altered")]
    Open,
}

impl MasterKey {
    /// A new random key.
    pub fn generate() -> Self {
        let bytes: [u8; 32] = super::random_bytes();
        Self(SecretSlice::from(bytes.to_vec()))
    }

    /// Reads a key from its hexadecimal form (surrounding white space ignored).
    pub fn from_hex(text: &str) -> Result<Self, SealError> {
        let bytes = hex::decode(text.trim()).map_err(|_| SealError::BadKey)?;
        if bytes.len() != 32 {
            return Err(SealError::BadKey);
        }
        Ok(Self(SecretSlice::from(bytes)))
    }

    /// The hexadecimal form, to write to a key file.
    pub fn to_hex(&self) -> String {
        hex::encode(self.0.expose_secret())
    }

    fn cipher(&self) -> XChaCha20Poly1305 {
        XChaCha20Poly1305::new(chacha20poly1305::Key::from_slice(self.0.expose_secret()))
    }

    /// Seals `plaintext`: version byte, nonce, ciphertext with tag.
    pub fn seal(&self, plaintext: &[u8]) -> Vec<u8> {
        let nonce: [u8; NONCE_LEN] = super::random_bytes();
        // Encryption with a valid key and in-memory buffers cannot fail.
        let ct = self
            .cipher()
            .encrypt(XNonce::from_slice(&nonce), plaintext)
            .unwrap_or_default();
        let mut out = Vec::with_capacity(1 + NONCE_LEN + ct.len());
        out.push(VERSION);
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&ct);
        out
    }

    /// Opens a value sealed with this key.
    pub fn open(&self, sealed: &[u8]) -> Result<Vec<u8>, SealError> {
        if sealed.len() < 1 + NONCE_LEN || sealed[0] != VERSION {
            return Err(SealError::Open);
        }
        let (nonce, ct) = sealed[1..].split_at(NONCE_LEN);
        self.cipher()
            .decrypt(XNonce::from_slice(nonce), ct)
            .map_err(|_| SealError::Open)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sealed_value_opens_only_with_its_key() {
        let key = MasterKey::generate();
        let sealed = key.seal(b"seed");
        assert_ne!(&sealed[1 + NONCE_LEN..], b"seed");
        assert_eq!(key.open(&sealed).expect("opens"), b"seed");
        assert_eq!(MasterKey::generate().open(&sealed), Err(SealError::Open));
        let mut altered = sealed.clone();
        let last = altered.len() - 1;
        altered[last] ^= 1;
        assert_eq!(key.open(&altered), Err(SealError::Open));
    }

    #[test]
    fn hex_round_trip_and_bad_keys() {
        let key = MasterKey::generate();
        assert_eq!(MasterKey::from_hex(&key.to_hex()).expect("hex").to_hex(), key.to_hex());
        assert_eq!(MasterKey::from_hex("abcd").err(), Some(SealError::BadKey));
        assert_eq!(MasterKey::from_hex("zz").err(), Some(SealError::BadKey));
    }
}
