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
    // `run` takes the settings; the secrets stay here for scrubbing its error.
    let redactor = settings.clone();
    let result = match cli.command.unwrap_or(Command::Run) {
        Command::Migrate => app::migrate(&settings).await.map(|_| {
            tracing::info!("database is up to date");
        }),
        Command::Run => run(settings).await,
        Command::Check => {
            let outcomes = app::check::run(&settings).await;
            for o in &outcomes {
                // The details quote libraries' errors, which may quote what they were given.
                println!("{}", settings.redact(&o.to_string()));
            }
            return if outcomes.iter().all(|o| o.passed()) {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            };
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            // A driver's error may quote the database URL.
            let error = redactor.redact(&one_line(&e));
            tracing::error!(%error, "stopped");
            eprintln!("parents-bot: {error}");
            ExitCode::FAILURE
        }
    }
}

/// The error and its causes on one line, each said once: some errors already include their
/// source's text in their own, which would otherwise repeat it.
fn one_line(e: &anyhow::Error) -> String {
    let mut text = String::new();
    for cause in e.chain() {
        let part = cause.to_string();
        if text.contains(&part) {
            continue;
        }
        if !text.is_empty() {
            text.push_str(": ");
        }
        text.push_str(&part);
    }
    text
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
