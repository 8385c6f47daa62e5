//! `parents-bot`: runs the PetWealth Parents bot (`parents-bot` or `parents-bot run`), or only
//! migrates its database (`parents-bot migrate`), or checks that everything it needs answers
//! (`parents-bot check`).

use app::config::Settings;
use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "parents-bot",
    version,
    about = "PetWealth Parents: the clinic's Telegram support bot"
)]
struct Cli {
    /// A config.toml with lower-priority settings (also PARENTS_CONFIG).
    #[arg(long, global = true, env = "PARENTS_CONFIG")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Run the bot (the default).
    Run,
    /// Create or upgrade the database schema, then exit.
    Migrate,
    /// Check the configuration, the database, Telegram and Enote; exit non-zero if one fails.
    Check,
}

#[tokio::main]
async fn main() -> ExitCode {
    // .env never overrides the real environment; loaded first so PARENTS_CONFIG may live there.
    let _ = dotenvy::dotenv();
    let cli = Cli::parse();
    let settings = match Settings::load(cli.config, None) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("parents-bot: {e}");
            return ExitCode::from(2);
        }
    };
    app::wiring::init_logging(settings.log_format);
    let result = match cli.command.unwrap_or(Command::Run) {
        Command::Migrate => app::migrate(&settings).await.map(|_| {
            tracing::info!("database is up to date");
        }),
        Command::Run => run(settings).await,
        Command::Check => {
            let outcomes = app::check::run(&settings).await;
            for o in &outcomes {
                println!("{o}");
            }
            return if outcomes.iter().all(|o| o.ok) {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            };
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            // The whole cause chain, on one line.
            tracing::error!(error = format!("{e:#}"), "stopped");
            eprintln!("parents-bot: {e:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(settings: Settings) -> anyhow::Result<()> {
    let running = app::start(settings).await?;
    let lost = tokio::select! {
        _ = wait_for_signal() => false,
        _ = running.lease_lost() => true,
    };
    tracing::info!("stopping: finishing what is in flight");
    running.shutdown().await;
    if lost {
        anyhow::bail!(
            "the instance lease was lost (another instance, or the database was away too long; see the log)"
        );
    }
    tracing::info!("stopped cleanly");
    Ok(())
}

async fn wait_for_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let mut term = signal(SignalKind::terminate()).expect("SIGTERM handler");
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    let _ = tokio::signal::ctrl_c().await;
}
