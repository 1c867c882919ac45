//! Passwords: Argon2id hashes in PHC format, verified off the async runtime under a concurrency
//! limit, and against a dummy hash when the user is unknown so that timing does not tell whether a
//! login exists.
//!
//! Under load, Basic-auth requests degrade gracefully: at most `concurrency` hashes run at once
//! (one per core by default), a bounded number of requests wait their turn (see
//! [`PasswordHasher::new`]), and requests beyond that are refused at once with
//! [`Busy`] (503) instead of queueing without bound. Verification reuses one Argon2 working
//! memory per running hash, so memory stays at `concurrency` × the cost's memory however many
//! threads the blocking pool uses (allocating 19 MiB afresh for every hash left the C allocator
//! holding hundreds of MiB across threads).
//!
//! The queue is shared between clients: one client ([`SourceKey`]) may have at most
//! [`PasswordHasher::per_source`] checks waiting or running, and is refused with [`Busy`] beyond
//! that while other clients' checks still get in, so no single address can fill the whole queue.

use crate::model::SourceKey;
use argon2::password_hash::{rand_core::OsRng, PasswordHash, PasswordHasher as _, SaltString};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use secrecy::{ExposeSecret, SecretString};
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use subtle::ConstantTimeEq;
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
    /// Requests waiting for or holding a permit, and how many may.
    queued: Arc<AtomicUsize>,
    max_queued: usize,
    /// Checks waiting or running per client, and how many one client may have.
    by_source: Arc<Mutex<HashMap<SourceKey, usize>>>,
    max_per_source: usize,
    /// Hashes that may run at once, and so working memories kept.
    concurrency: usize,
    /// Working memories of finished verifications, for the next ones.
    memories: Arc<Mutex<Vec<Vec<Block>>>>,
    dummy_hash: Arc<str>,
    /// Verifications started, for tests and figures.
    verifications: Arc<AtomicU64>,
}

/// Password checks that may wait or run per hash allowed at once.
const QUEUED_PER_PERMIT: usize = 128;

/// Password checks one client may have waiting or running per hash allowed at once, and at
/// least [`MIN_PER_SOURCE`]: enough for one client to keep every hash busy with one more waiting
/// each, while it holds at most a sixty-fourth of the queue.
const PER_SOURCE_PER_PERMIT: usize = 2;
/// The least number of checks one client may have waiting or running.
const MIN_PER_SOURCE: usize = 8;

/// Too many password checks are already waiting: the request is refused at once (503).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("too many password checks in progress")]
pub struct Busy;

/// Counts a request in the queue while it lives.
struct Queued(Arc<AtomicUsize>);

impl Drop for Queued {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

/// Counts a check against its client while it lives; the client's entry goes when its last
/// check does, so the map holds only clients with checks in the queue.
struct SourceSlot {
    by_source: Arc<Mutex<HashMap<SourceKey, usize>>>,
    key: SourceKey,
}

impl SourceSlot {
    /// Takes one of `key`'s places, unless it holds `max` already.
    fn take(by_source: &Arc<Mutex<HashMap<SourceKey, usize>>>, key: SourceKey, max: usize) -> Result<Self, Busy> {
        let mut counts = by_source.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let held = counts.entry(key).or_insert(0);
        if *held >= max {
            return Err(Busy);
        }
        *held += 1;
        Ok(Self {
            by_source: Arc::clone(by_source),
            key,
        })
    }
}

impl Drop for SourceSlot {
    fn drop(&mut self) {
        let mut counts = self.by_source.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(held) = counts.get_mut(&self.key) {
            *held = held.saturating_sub(1);
            if *held == 0 {
                counts.remove(&self.key);
            }
        }
    }
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
    /// A hasher with `policy` allowing `concurrency` hashes at once and 128 requests per permitted
    /// hash waiting or running: with the default cost on one core that is up to about two and a
    /// half seconds of waiting, after which a request is refused at once rather than queued. One
    /// client may have `max(8, 2 × concurrency)` of them.
    pub fn new(policy: PasswordPolicy, concurrency: usize) -> Result<Self, HashError> {
        let params = Params::new(policy.memory_kib, policy.iterations, policy.parallelism, None)
            .map_err(|e| HashError(e.to_string()))?;
        let argon2 = Argon2::new(Algorithm::Argon2id, Version::V0x13, params);
        let dummy_hash = argon2
            .hash_password(b"grantd dummy password", &SaltString::generate(&mut OsRng))
            .map_err(|e| HashError(e.to_string()))?
            .to_string();
        let concurrency = concurrency.max(1);
        Ok(Self {
            argon2,
            limit: Arc::new(Semaphore::new(concurrency)),
            queued: Arc::new(AtomicUsize::new(0)),
            max_queued: concurrency.saturating_mul(QUEUED_PER_PERMIT),
            by_source: Arc::default(),
            max_per_source: concurrency.saturating_mul(PER_SOURCE_PER_PERMIT).max(MIN_PER_SOURCE),
            concurrency,
            memories: Arc::new(Mutex::new(Vec::new())),
            dummy_hash: dummy_hash.into(),
            verifications: Arc::new(AtomicU64::new(0)),
        })
    }

    /// How many verifications (of a stored or the dummy hash) this hasher and its clones have
    /// started: what the lock-out's tests count.
    pub fn verifications(&self) -> u64 {
        self.verifications.load(Ordering::Relaxed)
    }

    /// How many checks one client may have waiting or running.
    pub fn per_source(&self) -> usize {
        self.max_per_source
    }

    /// Hashes `password` (off the async runtime).
    pub async fn hash(&self, password: SecretString) -> Result<String, HashError> {
        let families = crate::metrics::families();
        let waiting = crate::metrics::GaugeGuard::enter(&families.hashes_waiting);
        let _permit = self.limit.acquire().await.map_err(|e| HashError(e.to_string()))?;
        drop(waiting);
        let _running = crate::metrics::GaugeGuard::enter(&families.hashes_running);
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
    /// verified so the answer takes as long, and is always `false`. [`Busy`] when too many checks
    /// are already waiting, or `source` (the client, when known) has its share of them.
    pub async fn verify(
        &self,
        password: SecretString,
        stored: Option<String>,
        source: Option<SourceKey>,
    ) -> Result<bool, Busy> {
        let slot = source
            .map(|key| SourceSlot::take(&self.by_source, key, self.max_per_source))
            .transpose()?;
        let queued = Queued(self.queued.clone());
        if self.queued.fetch_add(1, Ordering::AcqRel) >= self.max_queued {
            return Err(Busy);
        }
        let families = crate::metrics::families();
        let waiting = crate::metrics::GaugeGuard::enter(&families.hashes_waiting);
        let Ok(_permit) = self.limit.acquire().await else {
            return Ok(false);
        };
        drop(waiting);
        let _running = crate::metrics::GaugeGuard::enter(&families.hashes_running);
        self.verifications.fetch_add(1, Ordering::Relaxed);
        let known = stored.is_some();
        let hash = stored.unwrap_or_else(|| self.dummy_hash.to_string());
        let memories = self.memories.clone();
        let keep = self.concurrency;
        let matched = tokio::task::spawn_blocking(move || {
            verify_with_pooled_memory(password.expose_secret().as_bytes(), &hash, &memories, keep)
        })
        .await
        .unwrap_or(false);
        drop(queued);
        drop(slot);
        Ok(known && matched)
    }
}

/// Verifies `password` against the PHC string `phc` (any Argon2 variant, version and cost it
/// records) in a working memory taken from `memories`, which it returns there afterwards (up to
/// `keep` of them). The comparison is in constant time.
fn verify_with_pooled_memory(password: &[u8], phc: &str, memories: &Mutex<Vec<Vec<Block>>>, keep: usize) -> bool {
    let Ok(parsed) = PasswordHash::new(phc) else {
        return false;
    };
    let (Ok(algorithm), Ok(params), Some(salt), Some(expected)) = (
        Algorithm::try_from(parsed.algorithm),
        Params::try_from(&parsed),
        parsed.salt,
        parsed.hash,
    ) else {
        return false;
    };
    let version = match parsed.version.map(Version::try_from).transpose() {
        Ok(v) => v.unwrap_or_default(),
        Err(_) => return false,
    };
    let mut salt_buf = [0u8; 64];
    let Ok(salt) = salt.decode_b64(&mut salt_buf) else {
        return false;
    };
    let blocks = params.block_count();
    let argon2 = Argon2::new(algorithm, version, params);
    let mut memory = memories.lock().map(|mut m| m.pop()).ok().flatten().unwrap_or_default();
    if memory.len() < blocks {
        memory.resize(blocks, Block::default());
    }
    let mut out = [0u8; 64];
    let Some(out) = out.get_mut(..expected.len()) else {
        return false;
    };
    let hashed = argon2.hash_password_into_with_memory(password, salt, out, &mut memory[..]);
    if let Ok(mut kept) = memories.lock() {
        if kept.len() < keep {
            kept.push(memory);
        }
    }
    hashed.is_ok() && bool::from(out.ct_eq(expected.as_bytes()))
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
        assert_eq!(
            h.verify(SecretString::from("correct horse"), Some(hash.clone()), None)
                .await,
            Ok(true)
        );
        assert_eq!(h.verify(SecretString::from("wrong"), Some(hash), None).await, Ok(false));
    }

    #[tokio::test]
    async fn unknown_user_never_verifies() {
        assert_eq!(
            cheap()
                .verify(SecretString::from("grantd dummy password"), None, None)
                .await,
            Ok(false)
        );
    }

    #[tokio::test]
    async fn hashes_of_other_costs_and_variants_verify_in_reused_memory() {
        let h = cheap();
        let salt = SaltString::generate(&mut OsRng);
        for (algorithm, m, t) in [
            (Algorithm::Argon2id, 2048, 2),
            (Algorithm::Argon2i, 512, 3),
            (Algorithm::Argon2d, 1024, 1),
        ] {
            let params = Params::new(m, t, 1, Some(24)).expect("params");
            let phc = Argon2::new(algorithm, Version::V0x13, params)
                .hash_password(b"pw", &salt)
                .expect("hash")
                .to_string();
            // Twice each: the second reuses the first's memory, of another size.
            for _ in 0..2 {
                assert_eq!(
                    h.verify(SecretString::from("pw"), Some(phc.clone()), None).await,
                    Ok(true),
                    "{phc}"
                );
                assert_eq!(
                    h.verify(SecretString::from("px"), Some(phc.clone()), None).await,
                    Ok(false),
                    "{phc}"
                );
            }
        }
        assert_eq!(
            h.verify(SecretString::from("pw"), Some("$argon2id$garbage".into()), None)
                .await,
            Ok(false)
        );
        assert!(
            h.memories.lock().expect("lock").len() <= 2,
            "at most one memory per permit is kept"
        );
    }

    #[tokio::test]
    async fn checks_beyond_the_queue_bound_are_refused_at_once() {
        let h = PasswordHasher::new(
            PasswordPolicy {
                memory_kib: 1024,
                iterations: 1,
                parallelism: 1,
            },
            1,
        )
        .expect("params");
        // Hold the only permit so every check waits.
        let permit = h.limit.clone().acquire_owned().await.expect("permit");
        let waiting: Vec<_> = (0..128)
            .map(|_| {
                let h = h.clone();
                tokio::spawn(async move { h.verify(SecretString::from("x"), None, None).await })
            })
            .collect();
        while h.queued.load(Ordering::Acquire) < 128 {
            tokio::task::yield_now().await;
        }
        assert_eq!(
            h.verify(SecretString::from("x"), None, None).await,
            Err(Busy),
            "the 129th is refused"
        );
        drop(permit);
        for w in waiting {
            assert_eq!(w.await.expect("task"), Ok(false), "queued checks all finish");
        }
        assert_eq!(h.queued.load(Ordering::Acquire), 0);
        assert_eq!(
            h.verify(SecretString::from("x"), None, None).await,
            Ok(false),
            "and the queue is open again"
        );
    }

    #[tokio::test]
    async fn one_client_filling_the_queue_leaves_room_for_others() {
        let h = PasswordHasher::new(
            PasswordPolicy {
                memory_kib: 1024,
                iterations: 1,
                parallelism: 1,
            },
            1,
        )
        .expect("params");
        let (a, b) = (SourceKey::V4(1), SourceKey::V4(2));
        // Hold the only permit so every admitted check waits; client `a` sends a queue's worth.
        let permit = h.limit.clone().acquire_owned().await.expect("permit");
        let from_a: Vec<_> = (0..QUEUED_PER_PERMIT)
            .map(|_| {
                let h = h.clone();
                tokio::spawn(async move { h.verify(SecretString::from("x"), None, Some(a)).await })
            })
            .collect();
        while h.queued.load(Ordering::Acquire) + from_a.iter().filter(|t| t.is_finished()).count() < QUEUED_PER_PERMIT {
            tokio::task::yield_now().await;
        }
        let from_b = {
            let h = h.clone();
            tokio::spawn(async move { h.verify(SecretString::from("x"), None, Some(b)).await })
        };
        let before_b = h.queued.load(Ordering::Acquire);
        while h.queued.load(Ordering::Acquire) == before_b && !from_b.is_finished() {
            tokio::task::yield_now().await;
        }
        assert!(!from_b.is_finished(), "b's check waits its turn: {:?}", from_b.await);
        assert_eq!(
            h.queued.load(Ordering::Acquire),
            h.per_source() + 1,
            "a has its share queued, b one"
        );
        drop(permit);
        let mut answers = Vec::new();
        for t in from_a {
            answers.push(t.await.expect("task"));
        }
        let busy = answers.iter().filter(|r| **r == Err(Busy)).count();
        assert_eq!(
            busy,
            QUEUED_PER_PERMIT - h.per_source(),
            "a is refused beyond its share"
        );
        assert_eq!(from_b.await.expect("task"), Ok(false), "b's check ran");
        assert!(
            h.by_source.lock().expect("lock").is_empty(),
            "no client is remembered after"
        );
        assert_eq!(h.verifications(), 1 + h.per_source() as u64);
    }
}
