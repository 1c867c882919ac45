//! What the configured Argon2id cost allows on one core: password verifications per second with
//! grantd's own `PasswordHasher` (default policy, one hash at a time), for the Basic-auth
//! scenarios' ratio. Run it pinned to the core the server runs on.
//!
//! `argon2-cost --seconds 10` prints `BENCH_RESULT verifications=N duration_us=D`.

use anyhow::Context;
use clap::Parser;
use grantd_core::secret::{PasswordHasher, PasswordPolicy};
use secrecy::SecretString;
use std::time::{Duration, Instant};

/// Measures Argon2id verifications per second on this core.
#[derive(Debug, Parser)]
#[command(name = "argon2-cost")]
struct Args {
    /// How long to verify, after one warm-up verification.
    #[arg(long, default_value_t = 10)]
    seconds: u64,
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("starting the runtime")?;
    runtime.block_on(async {
        let hasher = PasswordHasher::new(PasswordPolicy::default(), 1).context("the default policy")?;
        let stored = hasher
            .hash(SecretString::from("a benchmark password"))
            .await
            .context("hashing")?;
        let verify = || hasher.verify(SecretString::from("a benchmark password"), Some(stored.clone()), None);
        anyhow::ensure!(verify().await == Ok(true), "the password does not verify");
        let limit = Duration::from_secs(args.seconds.max(1));
        let start = Instant::now();
        let mut n = 0u64;
        while start.elapsed() < limit {
            anyhow::ensure!(verify().await == Ok(true), "the password does not verify");
            n += 1;
        }
        let us = start.elapsed().as_micros();
        println!("BENCH_RESULT verifications={n} duration_us={us}");
        Ok(())
    })
}
