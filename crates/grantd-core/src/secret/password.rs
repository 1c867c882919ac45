//! Passwords: Argon2id hashes in PHC format, verified off the async runtime under a concurrency
//! limit, and against a dummy hash when the user is unknown so that timing does not tell whether a
//! login exists.

use argon2::password_hash::{rand_core::OsRng, PasswordHash, PasswordHasher as _, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use secrecy::{ExposeSecret, SecretString};
use std::sync::Arc;
use tokio::sync::Semaphore;

/// Argon2id cost parameters.
///
/// The default is OWASP's first recommended setting for Argon2id: 19 MiB of memory, two passes,
/// one lane. On one core of a current server that is roughly 20-40 ms a hash: slow enough to make
/// offline guessing expensive, fast enough for interactive logins. Hashes record their own
/// parameters, so raising the cost later keeps old hashes verifiable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PasswordPolicy {
    /// Memory in KiB.
    pub memory_kib: u32,
    /// Number of passes.
    pub iterations: u32,
    /// Degree of parallelism.
    pub parallelism: u32,
}

impl Default for PasswordPolicy {
    fn default() -> Self {
        Self {
            memory_kib: 19 * 1024,
            iterations: 2,
            parallelism: 1,
        }
    }
}

/// Hashes and verifies passwords with a bound on how many run at once, so Basic-auth endpoints
/// degrade by queueing briefly instead of exhausting memory and CPU under load.
#[derive(Clone)]
pub struct PasswordHasher {
    argon2: Argon2<'static>,
    limit: Arc<Semaphore>,
    dummy_hash: Arc<str>,
}

impl std::fmt::Debug for PasswordHasher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PasswordHasher")
            .field("available", &self.limit.available_permits())
            .finish()
    }
}

/// Why hashing failed (invalid parameters; never a wrong password).
#[derive(Debug, thiserror::Error)]
#[error("password hashing failed: {0}")]
pub struct HashError(String);

impl PasswordHasher {
    /// A hasher with `policy` allowing `concurrency` hashes at once.
    pub fn new(policy: PasswordPolicy, concurrency: usize) -> Result<Self, HashError> {
        let params = Params::new(policy.memory_kib, policy.iterations, policy.parallelism, None)
            .map_err(|e| HashError(e.to_string()))?;
        let argon2 = Argon2::new(Algorithm::Argon2id, Version::V0x13, params);
        let dummy_hash = argon2
            .hash_password(b"grantd dummy password", &SaltString::generate(&mut OsRng))
            .map_err(|e| HashError(e.to_string()))?
            .to_string();
        Ok(Self {
            argon2,
            limit: Arc::new(Semaphore::new(concurrency.max(1))),
            dummy_hash: dummy_hash.into(),
        })
    }

    /// Hashes `password` (off the async runtime).
    pub async fn hash(&self, password: SecretString) -> Result<String, HashError> {
        let _permit = self.limit.acquire().await.map_err(|e| HashError(e.to_string()))?;
        let argon2 = self.argon2.clone();
        tokio::task::spawn_blocking(move || {
            argon2
                .hash_password(password.expose_secret().as_bytes(), &SaltString::generate(&mut OsRng))
                .map(|h| h.to_string())
                .map_err(|e| HashError(e.to_string()))
        })
        .await
        .map_err(|e| HashError(e.to_string()))?
    }

    /// Whether `password` matches `stored`; with `stored = None` (unknown user) a dummy hash is
    /// verified so the answer takes as long, and is always `false`.
    pub async fn verify(&self, password: SecretString, stored: Option<String>) -> bool {
        let Ok(_permit) = self.limit.acquire().await else {
            return false;
        };
        let known = stored.is_some();
        let hash = stored.unwrap_or_else(|| self.dummy_hash.to_string());
        let argon2 = self.argon2.clone();
        let matched = tokio::task::spawn_blocking(move || {
            PasswordHash::new(&hash)
                .map(|parsed| {
                    argon2
                        .verify_password(password.expose_secret().as_bytes(), &parsed)
                        .is_ok()
                })
                .unwrap_or(false)
        })
        .await
        .unwrap_or(false);
        known && matched
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cheap() -> PasswordHasher {
        PasswordHasher::new(
            PasswordPolicy {
                memory_kib: 1024,
                iterations: 1,
                parallelism: 1,
            },
            2,
        )
        .expect("params")
    }

    #[tokio::test]
    async fn hash_verifies_only_the_right_password() {
        let h = cheap();
        let hash = h.hash(SecretString::from("correct horse")).await.expect("hash");
        assert!(hash.starts_with("$argon2id$"));
        assert!(h.verify(SecretString::from("correct horse"), Some(hash.clone())).await);
        assert!(!h.verify(SecretString::from("wrong"), Some(hash)).await);
    }

    #[tokio::test]
    async fn unknown_user_never_verifies() {
        assert!(!cheap().verify(SecretString::from("grantd dummy password"), None).await);
    }
}
