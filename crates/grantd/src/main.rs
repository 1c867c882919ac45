//! `grantd`: serve GitHub's OAuth Authorizations API, or administer users and apps.

use clap::Parser;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let cli = grantd::cli::Cli::parse();
    match grantd::cli::run(cli).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("grantd: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
