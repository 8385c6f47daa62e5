//! `parents-bot check`: is this installation ready to run? One line per check, and an exit code
//! that says whether all passed (SPEC §10). It changes nothing: it neither migrates nor sends.

use crate::config::Settings;
use adapters_enote::{EnoteConfig, EnoteDirectory};
use adapters_mysql::Database;
use adapters_telegram::{BotAdmin, GroupRights};
use std::fmt::Display;
use std::time::Duration;

/// The outcome of one check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    /// What was checked.
    pub name: &'static str,
    /// Passed, or not.
    pub ok: bool,
    /// What was found, in one line (never a secret).
    pub detail: String,
}

impl Outcome {
    fn pass(name: &'static str, detail: impl Display) -> Self {
        Self {
            name,
            ok: true,
            detail: detail.to_string(),
        }
    }

    fn fail(name: &'static str, detail: impl Display) -> Self {
        Self {
            name,
            ok: false,
            detail: detail.to_string(),
        }
    }
}

impl Display for Outcome {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mark = if self.ok { "ok  " } else { "FAIL" };
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
        Ok(0) => Outcome::pass("database", "reachable, schema up to date"),
        Ok(n) => Outcome::fail(
            "database",
            format!("reachable, {n} migration(s) pending: run `parents-bot migrate`"),
        ),
        Err(e) => Outcome::fail("database", format!("cannot read the schema state: {e}")),
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
    let e = &settings.enote;
    let parts = EnoteConfig::from_parts(
        e.odata_url.clone(),
        e.odata_user.clone(),
        e.odata_pass.as_ref().map(|s| s.expose().to_owned()),
        e.api_url.clone(),
        e.api_key.as_ref().map(|s| s.expose().to_owned()),
    );
    let mut config = match parts {
        None => return Outcome::pass("enote", "not configured (Enote commands will say so)"),
        Some(Err(err)) => return Outcome::fail("enote", err),
        Some(Ok(c)) => c,
    };
    config.timeout = e.timeout;
    let directory = match EnoteDirectory::new(config) {
        Ok(d) => d,
        Err(err) => return Outcome::fail("enote", err),
    };
    match directory.ping().await {
        Ok(()) => Outcome::pass("enote", "OData answers"),
        Err(err) => Outcome::fail("enote", err),
    }
}
