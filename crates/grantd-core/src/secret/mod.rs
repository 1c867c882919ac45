//! Secrets and how they are kept: passwords as Argon2id hashes, tokens and client secrets as
//! SHA-256 digests, TOTP seeds sealed with the server's key. Every secret-bearing type redacts
//! itself in `Debug`, and comparisons are constant-time.

mod client_secret;
mod opaque;
mod password;
mod seal;
mod token;
mod totp;

pub use client_secret::{generate_client_id, ClientSecret};
pub use opaque::Opaque;
pub use password::{Busy, PasswordHasher, PasswordPolicy};
pub use seal::{MasterKey, SealError};
pub use token::{Token, TokenDigest, TokenError, TokenKind};
pub use totp::{TotpCheck, TotpSecret};

use rand::RngCore;

/// `n` bytes from the operating system's CSPRNG.
pub(crate) fn random_bytes<const N: usize>() -> [u8; N] {
    let mut bytes = [0u8; N];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    bytes
}
