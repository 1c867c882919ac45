//! `grantd`: serve GitHub's OAuth Authorizations API, or administer users and apps.

use clap::Parser;

/// mimalloc rather than the C library's allocator: a request allocates and frees many small
/// buffers, which mimalloc's thread-local free lists serve in a fraction of the time
/// (bench/README.md has the figures).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let cli = grantd::cli::Cli::parse();
    match grantd::cli::run(cli).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            // `{:#}`: the error with its causes, on one line.
            eprintln!("grantd: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
