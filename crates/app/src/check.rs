//! `parents-bot check`: is this installation ready to run? One line per check, and an exit code
//! that says whether it is: 0 when every check passed or only warns, 1 when one failed. It
//! changes nothing: it neither migrates nor sends.

use crate::config::Settings;
use adapters_enote::EnoteDirectory;
use adapters_mysql::Database;
use adapters_telegram::{BotAdmin, GroupRights};
use migrations::{Migrator, MigratorTrait};
use std::fmt::Display;
use std::time::Duration;

/// How a check came out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// Ready.
    Ok,
    /// Not ready yet, but the bot sees to it at start (pending migrations).
    Warn,
    /// The bot cannot run (or cannot do its job) until someone fixes this.
    Fail,
}

/// The outcome of one check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    /// What was checked.
    pub name: &'static str,
    /// How it came out.
    pub status: Status,
    /// What was found, in one line (never a secret).
    pub detail: String,
}

impl Outcome {
    fn pass(name: &'static str, detail: impl Display) -> Self {
        Self::new(name, Status::Ok, detail)
    }

    fn warn(name: &'static str, detail: impl Display) -> Self {
        Self::new(name, Status::Warn, detail)
    }

    fn fail(name: &'static str, detail: impl Display) -> Self {
        Self::new(name, Status::Fail, detail)
    }

    fn new(name: &'static str, status: Status, detail: impl Display) -> Self {
        Self {
            name,
            status,
            detail: detail.to_string(),
        }
    }

    /// Whether the bot can run as far as this check goes (a warning is no failure).
    pub fn passed(&self) -> bool {
        self.status != Status::Fail
    }
}

impl Display for Outcome {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mark = match self.status {
            Status::Ok => "ok  ",
            Status::Warn => "warn",
            Status::Fail => "FAIL",
        };
        write!(f, "{mark} {:<9} {}", self.name, self.detail)
    }
}

/// Runs every check (the configuration was already loaded and validated by the caller).
pub async fn run(settings: &Settings) -> Vec<Outcome> {
    let mut out = vec![Outcome::pass(
        "config",
        format!(
            "support group {}, {} database, {} mode",
            settings.support_group.get(),
            if settings.is_sqlite() {
                "SQLite"
            } else {
                "MySQL"
            },
            if settings.webhook_url.is_some() {
                "webhook"
            } else {
                "polling"
            }
        ),
    )];
    out.push(database(settings).await);
    out.extend(telegram(settings).await);
    out.push(enote(settings).await);
    out
}

async fn database(settings: &Settings) -> Outcome {
    let db = match Database::connect(settings.database_url.expose()).await {
        Ok(db) => db,
        Err(e) => return Outcome::fail("database", format!("cannot connect: {e}")),
    };
    match db.pending_migrations().await {
        Ok(pending) => schema_outcome(pending, Migrator::migrations().len()),
        Err(e) => Outcome::fail("database", format!("cannot read the schema state: {e}")),
    }
}

/// The bot applies pending migrations at every start, so they only warn.
fn schema_outcome(pending: usize, known: usize) -> Outcome {
    match pending {
        0 => Outcome::pass("database", "reachable, schema up to date"),
        n if n >= known => Outcome::warn(
            "database",
            "reachable, no schema yet: the migrations will be applied at start \
             (or now by `parents-bot migrate`)",
        ),
        n => Outcome::warn(
            "database",
            format!(
                "reachable, {n} migration(s) pending: they will be applied at start \
                 (or now by `parents-bot migrate`)"
            ),
        ),
    }
}

async fn telegram(settings: &Settings) -> Vec<Outcome> {
    let bot = adapters_telegram::bot(
        &settings.telegram_api_url,
        settings.bot_token.expose(),
        Duration::from_secs(15),
    );
    let admin = BotAdmin::new(bot);
    let me = match admin.me().await {
        Ok(me) => me,
        Err(e) => return vec![Outcome::fail("telegram", format!("getMe failed: {e}"))],
    };
    let name = me.username.clone().unwrap_or_else(|| me.id.to_string());
    let mut out = vec![Outcome::pass("telegram", format!("getMe: @{name}"))];
    out.push(match admin.rights_in(settings.support_group, me.id).await {
        Ok(GroupRights::ManagesTopics) => {
            Outcome::pass("group", "the bot is an admin allowed to manage topics")
        }
        Ok(GroupRights::AdminWithoutTopics) => Outcome::fail(
            "group",
            "the bot is an admin but lacks the right to manage topics",
        ),
        Ok(GroupRights::NotAdmin) => Outcome::fail(
            "group",
            "the bot is not an admin of the support group (make it one, with 'Manage topics')",
        ),
        Err(e) => Outcome::fail("group", format!("cannot read the bot's rights: {e}")),
    });
    out.push(match admin.is_forum(settings.support_group).await {
        Ok(true) => Outcome::pass("topics", "the support group has topics enabled"),
        Ok(false) => Outcome::fail(
            "topics",
            "the support group has no topics: enable them in the group's settings",
        ),
        Err(e) => Outcome::fail("topics", format!("cannot read the group: {e}")),
    });
    out
}

async fn enote(settings: &Settings) -> Outcome {
    let config = match settings.enote.client_config() {
        None => return Outcome::pass("enote", "not configured (Enote commands will say so)"),
        Some(Err(err)) => return Outcome::fail("enote", err),
        Some(Ok(c)) => c,
    };
    let directory = match EnoteDirectory::new(config) {
        Ok(d) => d,
        Err(err) => return Outcome::fail("enote", err),
    };
    match directory.ping().await {
        Ok(()) => Outcome::pass("enote", "OData answers"),
        Err(err) => Outcome::fail("enote", err),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pending_migrations_warn_and_do_not_fail() {
        let fresh = schema_outcome(5, 5);
        assert_eq!(fresh.status, Status::Warn);
        assert!(fresh.passed());
        assert_eq!(
            fresh.to_string(),
            "warn database  reachable, no schema yet: the migrations will be applied at start \
             (or now by `parents-bot migrate`)"
        );
        let behind = schema_outcome(2, 5);
        assert!(behind.passed());
        assert!(
            behind.to_string().contains("2 migration(s) pending"),
            "{behind}"
        );
        assert_eq!(schema_outcome(0, 5).status, Status::Ok);
        assert!(!Outcome::fail("enote", "x").passed());
        assert!(
            Outcome::fail("enote", "x")
                .to_string()
                .starts_with("FAIL enote ")
        );
    }
}
