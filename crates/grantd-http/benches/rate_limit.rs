//! The rate limiter under many client addresses: requests counted a second, and memory, with N
//! distinct sources hitting it from every core at once.
//!
//! ```sh
//! cargo bench -p grantd-http --bench rate_limit                      # 1,000 and 200,000 sources
//! cargo bench -p grantd-http --bench rate_limit -- --sources 1000,100000,200000 --seconds 5 --threads 2
//! ```
//!
//! Each source count runs in a process of its own (so its peak memory is its own): every source
//! is counted once (the table is then as full as it gets), then `--threads` threads count
//! requests from sources drawn at random for `--seconds`, all inside one hour, so no window ends
//! and nothing can be forgotten (the worst case for a limiter that sweeps). It prints requests a
//! second, and the process's resident memory before the first request and at its peak. Only
//! [`RateLimiter::new`] and [`RateLimiter::hit`] are used, so the same program measures an
//! earlier limiter too.

use grantd_http::middleware::rate_limit::{RateKey, RateLimiter};
use grantd_http::RateLimits;
use std::net::{IpAddr, Ipv4Addr};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// A minute into an hour of the clock: every count of a run is made at this time (or a second
/// later), so no window ends during a run.
const NOW: i64 = 500_000 * 3600 + 60;

struct Settings {
    sources: Vec<u32>,
    seconds: u64,
    threads: usize,
    one: Option<u32>,
}

fn settings() -> Result<Settings, String> {
    let mut s = Settings {
        sources: vec![1_000, 200_000],
        seconds: 5,
        threads: std::thread::available_parallelism().map_or(2, std::num::NonZero::get),
        one: None,
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = || args.next().ok_or(format!("{arg} needs a value"));
        match arg.as_str() {
            "--sources" => {
                s.sources = value()?
                    .split(',')
                    .map(|n| n.trim().parse().map_err(|e| format!("--sources: {e}")))
                    .collect::<Result<_, _>>()?;
            }
            "--seconds" => s.seconds = value()?.parse().map_err(|e| format!("--seconds: {e}"))?,
            "--threads" => s.threads = value()?.parse().map_err(|e| format!("--threads: {e}"))?,
            "--one" => s.one = Some(value()?.parse().map_err(|e| format!("--one: {e}"))?),
            // What `cargo bench` passes to every bench program.
            "--bench" => {}
            other => return Err(format!("unknown argument {other}")),
        }
    }
    Ok(s)
}

/// Source `i`'s address: distinct IPv4 addresses.
fn source(i: u32) -> RateKey {
    RateKey::Ip(Some(IpAddr::V4(Ipv4Addr::from(0x0a00_0000 + i))))
}

/// A line of `/proc/self/status` in MiB (`VmRSS`, `VmHWM`).
fn memory_mib(field: &str) -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix(field)?.strip_prefix(':'))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or(f64::NAN, |kib| kib / 1024.0)
}

/// One source count, in this process.
fn run(sources: u32, seconds: u64, threads: usize) {
    let before = memory_mib("VmRSS");
    let limiter = RateLimiter::new(RateLimits::GITHUB);
    let filled = Instant::now();
    for i in 0..sources {
        limiter.hit(source(i), NOW);
    }
    let fill_s = filled.elapsed().as_secs_f64();
    let stop = AtomicBool::new(false);
    let counted = AtomicU64::new(0);
    let started = Instant::now();
    std::thread::scope(|scope| {
        for t in 0..threads {
            let (limiter, stop, counted) = (&limiter, &stop, &counted);
            scope.spawn(move || {
                // xorshift: a cheap, different sequence of sources per thread.
                let mut x = 0x9e37_79b9_7f4a_7c15_u64 ^ (t as u64 + 1).wrapping_mul(0xbf58_476d_1ce4_e5b9);
                let mut n = 0u64;
                while !stop.load(Ordering::Relaxed) {
                    for _ in 0..64 {
                        x ^= x << 13;
                        x ^= x >> 7;
                        x ^= x << 17;
                        let i = (x % u64::from(sources)) as u32;
                        std::hint::black_box(limiter.hit(source(i), NOW + 1));
                    }
                    n += 64;
                }
                counted.fetch_add(n, Ordering::Relaxed);
            });
        }
        std::thread::sleep(Duration::from_secs(seconds));
        stop.store(true, Ordering::Relaxed);
    });
    let elapsed = started.elapsed().as_secs_f64();
    let per_second = counted.load(Ordering::Relaxed) as f64 / elapsed;
    println!(
        "{sources:>9} {threads:>7} {per_second:>12.0} {fill_s:>8.2} {before:>10.1} {:>10.1}",
        memory_mib("VmHWM")
    );
}

fn main() {
    let s = match settings() {
        Ok(s) => s,
        Err(e) => {
            eprintln!("rate_limit bench: {e}");
            std::process::exit(2);
        }
    };
    if let Some(sources) = s.one {
        run(sources, s.seconds, s.threads);
        return;
    }
    println!("  sources threads   requests/s   fill s  RSS0 MiB  peak MiB");
    let exe = match std::env::current_exe() {
        Ok(exe) => exe,
        Err(e) => {
            eprintln!("rate_limit bench: cannot find this program: {e}");
            std::process::exit(1);
        }
    };
    for sources in s.sources {
        let status = std::process::Command::new(&exe)
            .args(["--one", &sources.to_string()])
            .args(["--seconds", &s.seconds.to_string()])
            .args(["--threads", &s.threads.to_string()])
            .status();
        if !status.is_ok_and(|s| s.success()) {
            eprintln!("rate_limit bench: the run with {sources} sources failed");
            std::process::exit(1);
        }
    }
}
