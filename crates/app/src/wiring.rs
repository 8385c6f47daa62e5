//! Builds the bot from its settings: database, adapters, use cases, loops.

use crate::config::{LogFormat, Settings};
use crate::http::{self, HttpState, Vitals, Webhook, webhook_path};
use crate::lanes::{self, LaneSettings};
use crate::lease;
use crate::link_log::FileLinkLog;
use crate::runtime;
use crate::sender;
use adapters_enote::{EnoteDirectory, NotConfiguredDirectory};
use adapters_mysql::{Database, SqlStore};
use adapters_telegram::limiter::RateLimiter;
use adapters_telegram::{BotAdmin, TelegramGateway, UpdateSource};
use anyhow::Context;
use domain::command::{CLIENT_COMMANDS, STAFF_COMMANDS};
use domain::ports::{ChatError, ChatGateway, CommandScope, PracticeDirectory, SystemClock};
use domain::services::{Delivery, DeskPorts, DeskSettings, SupportDesk};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::{Notify, watch};
use tokio::task::JoinHandle;

/// Telegram's long-polling wait.
const POLL_TIMEOUT_SECS: u32 = 25;

/// Sets up logging once: JSON lines or human-readable, level from `RUST_LOG` (default info).
/// Colours only on a terminal (a journal or a file would store the escape codes) and without
/// `NO_COLOR`.
pub fn init_logging(format: LogFormat) {
    use std::io::IsTerminal;
    use tracing_subscriber::EnvFilter;
    use tracing_subscriber::filter::LevelFilter;
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    // sea-orm's connectors record their options, the database URL with its password, in
    // trace-level spans: never let `RUST_LOG=trace` print them.
    let tracing_all = filter
        .max_level_hint()
        .is_none_or(|l| l == LevelFilter::TRACE);
    let filter = match "sea_orm::driver=debug".parse() {
        Ok(cap) if tracing_all => filter.add_directive(cap),
        _ => filter,
    };
    let colour = std::io::stdout().is_terminal()
        && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(colour)
        .with_target(true);
    let _ = match format {
        LogFormat::Json => builder.json().try_init(),
        LogFormat::Pretty => builder.try_init(),
    };
}

/// Connects to the database and applies the migrations.
pub async fn migrate(settings: &Settings) -> anyhow::Result<Database> {
    if let Some(dir) = sqlite_dir(settings.database_url.expose()) {
        // SQLite creates the file (mode=rwc) but not its directory.
        std::fs::create_dir_all(&dir)
            .with_context(|| format!("cannot create the database directory {}", dir.display()))?;
    }
    let db = Database::connect(settings.database_url.expose())
        .await
        .context("cannot open the database")?;
    db.migrate().await.context("cannot migrate the database")?;
    Ok(db)
}

/// The directory of an SQLite database file, if the URL names one.
fn sqlite_dir(url: &str) -> Option<std::path::PathBuf> {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))?;
    let path = rest.split('?').next().unwrap_or_default();
    if path.is_empty() || path == ":memory:" {
        return None;
    }
    std::path::Path::new(path)
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .map(|p| p.to_path_buf())
}

fn directory(settings: &Settings) -> anyhow::Result<Arc<dyn PracticeDirectory>> {
    match settings.enote.client_config() {
        None => {
            tracing::warn!(
                "Enote is not configured (no ENOTE_* settings): Enote commands will say so"
            );
            Ok(Arc::new(NotConfiguredDirectory))
        }
        Some(config) => {
            let config = config.context("Enote settings are incomplete")?;
            Ok(Arc::new(
                EnoteDirectory::new(config).context("cannot set up the Enote client")?,
            ))
        }
    }
}

/// A started bot.
pub struct Running {
    stop: watch::Sender<bool>,
    lease_lost: watch::Receiver<bool>,
    lease: (Database, String),
    tasks: Vec<JoinHandle<()>>,
    listen_addr: SocketAddr,
}

impl Running {
    /// Where `/healthz` (and the webhook) listen; useful when `LISTEN_ADDR` asked for port 0.
    pub fn listen_addr(&self) -> SocketAddr {
        self.listen_addr
    }

    /// Returns when another instance has taken over the database (this one must stop).
    pub async fn lease_lost(&self) {
        let mut lost = self.lease_lost.clone();
        let _ = lost.wait_for(|l| *l).await;
    }

    /// Stops taking updates, lets in-flight work finish, and waits for every loop to end.
    pub async fn shutdown(self) {
        let _ = self.stop.send(true);
        for t in self.tasks {
            let _ = t.await;
        }
        // Only now: a successor must not start while sends are still in flight.
        if !*self.lease_lost.borrow() {
            lease::release(&self.lease.0, &self.lease.1).await;
        }
    }
}

/// Starts the bot: migrates, opens the listener, and spawns the loops. Telegram being
/// unreachable at start-up is not fatal (the loops retry); a token Telegram rejects is.
pub async fn start(settings: Settings) -> anyhow::Result<Running> {
    let group = settings.support_group;
    let db = migrate(&settings).await?;
    let holder = lease::instance_name();
    lease::acquire(&db, &holder, settings.lease_ttl).await;
    let store = Arc::new(SqlStore::new(db.clone(), group));
    // Before any update is handled, and under the lease: topics stored before the bot kept
    // their group are this group's, so a later move to a new group knows they are in the old.
    let stamped = store
        .claim_legacy_topics()
        .await
        .context("cannot record the support group of existing topics")?;
    if stamped > 0 {
        tracing::info!(
            clients = stamped,
            group = group.get(),
            "recorded the support group of existing client topics"
        );
    }
    let directory = directory(&settings)?;
    let link_log = Arc::new(
        FileLinkLog::new(&settings.log_dir)
            .with_context(|| format!("cannot create LOG_DIR {}", settings.log_dir.display()))?,
    );
    let clock = Arc::new(SystemClock);
    let listener = TcpListener::bind(settings.listen_addr)
        .await
        .with_context(|| format!("cannot listen on LISTEN_ADDR {}", settings.listen_addr))?;
    let listen_addr = listener.local_addr()?;

    let Telegram {
        updates,
        admin,
        limiter,
        gateway,
    } = connect_telegram(&settings).await?;

    // The store announces to the sender every outbox entry a commit stores.
    let enqueued = store.announce_enqueued();

    let desk = Arc::new(SupportDesk::new(
        DeskPorts {
            clients: store.clone(),
            tickets: store.clone(),
            messages: store.clone(),
            links: store.clone(),
            reports: store.clone(),
            store: store.clone(),
            directory: directory.clone(),
            link_log,
            clock: clock.clone(),
        },
        desk_settings(&settings)?,
    ));
    let delivery = Arc::new(
        Delivery::new(
            gateway.clone(),
            store.clone(),
            store.clone(),
            store.clone(),
            clock,
            group,
        )
        .with_charts(Arc::new(adapters_chart::ReportChart)),
    );

    let (stop_tx, stop_rx) = watch::channel(false);
    let (lost_tx, lost_rx) = watch::channel(false);
    let wake_handler = Arc::new(Notify::new());
    let wake_sender = Arc::new(Notify::new());
    let (poller_line, handler_line) = lanes::poller_line();
    let vitals = Arc::new(Vitals::default());
    let webhook = webhook(&settings);
    let http_state = HttpState {
        inbox: store.clone(),
        outbox: store.clone(),
        vitals: vitals.clone(),
        wake_handler: wake_handler.clone(),
        mode: if webhook.is_some() {
            "webhook"
        } else {
            "polling"
        },
        secret: webhook.as_ref().map(|(_, w)| w.secret.clone()),
    };
    let router = http::router(http_state, webhook.as_ref().map(|(_, w)| w));

    let mut tasks = vec![
        tokio::spawn(lease::keep(
            db.clone(),
            holder.clone(),
            settings.lease_ttl,
            lost_tx,
            stop_rx.clone(),
        )),
        tokio::spawn(http::serve(
            listener,
            router,
            settings.listener,
            stop_rx.clone(),
        )),
        tokio::spawn(register_with_telegram(
            admin,
            gateway.clone(),
            webhook.map(|(url, w)| (url, w.secret)),
            stop_rx.clone(),
        )),
        tokio::spawn(lanes::handle_loop(
            desk.clone(),
            store.clone(),
            directory,
            LaneSettings::new(group, settings.enote.timeout),
            wake_handler.clone(),
            handler_line,
            stop_rx.clone(),
        )),
        tokio::spawn(sender::send_loop(
            delivery,
            store.clone(),
            store.clone(),
            enqueued,
            wake_sender.clone(),
            stop_rx.clone(),
        )),
        tokio::spawn({
            let mut stop = stop_rx.clone();
            async move {
                // On stop, what is on the wire finishes; sends still waiting for a slot (maybe
                // minutes, with a backlog for the group) stay queued for the next start.
                let _ = stop.wait_for(|s| *s).await;
                limiter.close();
            }
        }),
        tokio::spawn(runtime::housekeeping_loop(
            store.clone(),
            store.clone(),
            stop_rx.clone(),
        )),
        tokio::spawn(crate::reminders::reminder_loop(
            desk.clone(),
            wake_sender.clone(),
            stop_rx.clone(),
        )),
        tokio::spawn(crate::auto_close::auto_close_loop(
            desk.clone(),
            wake_sender.clone(),
            stop_rx.clone(),
        )),
        tokio::spawn(crate::reports::report_loop(
            desk.clone(),
            wake_sender.clone(),
            stop_rx.clone(),
        )),
        tokio::spawn(runtime::expiry_loop(
            desk,
            // Often enough that a flow ends visibly soon after LINK_TTL, even a short one.
            (settings.link_ttl / 4).clamp(Duration::from_secs(1), Duration::from_secs(30)),
            wake_sender,
            stop_rx.clone(),
        )),
    ];
    if settings.webhook_url.is_none() {
        tasks.push(tokio::spawn(runtime::poll_loop(
            updates,
            store,
            poller_line,
            wake_handler,
            vitals,
            stop_rx,
        )));
    }
    tracing::info!(
        group = group.get(),
        sqlite = settings.is_sqlite(),
        %listen_addr,
        mode = if settings.webhook_url.is_some() { "webhook" } else { "polling" },
        "bot started"
    );
    Ok(Running {
        stop: stop_tx,
        lease_lost: lost_rx,
        lease: (db, holder),
        tasks,
        listen_addr,
    })
}

/// The Bot API clients and what keeps Telegram's limits.
struct Telegram {
    /// Long polling (its client's timeout is longer than any poll).
    updates: UpdateSource,
    admin: BotAdmin,
    limiter: Arc<RateLimiter>,
    gateway: Arc<TelegramGateway>,
}

/// Builds the Bot API clients and checks the token: a token Telegram rejects stops start-up,
/// a Telegram that does not answer yet does not (the loops retry).
async fn connect_telegram(settings: &Settings) -> anyhow::Result<Telegram> {
    let token = settings.bot_token.expose();
    let base = settings.telegram_api_url.as_str();
    let poll_bot = adapters_telegram::bot(
        base,
        token,
        Duration::from_secs(u64::from(POLL_TIMEOUT_SECS) + 15),
    );
    let send_bot = adapters_telegram::bot(base, token, Duration::from_secs(30));
    let admin = BotAdmin::new(send_bot.clone());
    match admin.me().await {
        Ok(me) => {
            tracing::info!(bot_id = me.id, username = ?me.username, "Telegram accepts the token")
        }
        Err(ChatError::Unauthorized(e)) => {
            anyhow::bail!("BOT_TOKEN is rejected by Telegram ({e})")
        }
        Err(e) => tracing::warn!(error = %e, "Telegram does not answer yet; will keep trying"),
    }
    let limiter = Arc::new(RateLimiter::new(settings.rate_limits));
    let gateway = Arc::new(
        TelegramGateway::new(send_bot, settings.support_group).with_limiter(limiter.clone()),
    );
    Ok(Telegram {
        updates: UpdateSource::new(poll_bot, POLL_TIMEOUT_SECS),
        admin,
        limiter,
        gateway,
    })
}

/// The rules' settings, from the configuration.
fn desk_settings(settings: &Settings) -> anyhow::Result<DeskSettings> {
    let mut desk = DeskSettings::new(settings.support_group);
    desk.bot_username = settings.bot_username.clone();
    desk.note_prefix = settings.note_prefix.clone();
    desk.link_ttl = chrono::Duration::from_std(settings.link_ttl)?;
    desk.phone_prompt_interval = chrono::Duration::from_std(settings.phone_prompt_interval)?;
    desk.schedule = settings.schedule.clone();
    desk.first_response_target = settings
        .first_response_target
        .map(chrono::Duration::from_std)
        .transpose()?;
    desk.auto_close_after = settings
        .auto_close_after
        .map(chrono::Duration::from_std)
        .transpose()?;
    desk.report_at = settings.report_at;
    Ok(desk)
}

/// Webhook mode's URL and endpoint, when `WEBHOOK_URL` (and its secret) is set.
fn webhook(settings: &Settings) -> Option<(String, Webhook)> {
    match (&settings.webhook_url, &settings.webhook_secret) {
        (Some(url), Some(secret)) => Some((
            url.clone(),
            Webhook {
                path: webhook_path(url),
                secret: secret.expose().to_owned(),
            },
        )),
        _ => None,
    }
}

/// Tells Telegram how updates reach the bot and registers the command menus, retrying until
/// Telegram answers (it may be unreachable at start-up).
async fn register_with_telegram(
    admin: BotAdmin,
    gateway: Arc<TelegramGateway>,
    webhook: Option<(String, String)>,
    mut stop: watch::Receiver<bool>,
) {
    let mut failures = 0u32;
    let mut hook_done = false;
    let mut menus_done = false;
    while !(hook_done && menus_done) {
        if !hook_done {
            let result = match &webhook {
                Some((url, secret)) => admin.set_webhook(url, secret).await,
                // A webhook left by an earlier run would make getUpdates answer 409.
                None => admin.delete_webhook().await,
            };
            match result {
                Ok(()) => hook_done = true,
                Err(e) => tracing::warn!(error = %e, "cannot set up the update delivery; retrying"),
            }
        }
        if !menus_done {
            let mut ok = true;
            for (scope, commands) in [
                (CommandScope::Staff, STAFF_COMMANDS),
                (CommandScope::Clients, CLIENT_COMMANDS),
            ] {
                if let Err(e) = gateway.set_commands(scope, commands).await {
                    tracing::warn!(error = %e, ?scope, "cannot register the command menu; retrying");
                    ok = false;
                }
            }
            menus_done = ok;
        }
        if hook_done && menus_done {
            break;
        }
        failures += 1;
        let wait = Duration::from_secs((2u64 << failures.min(6)).min(120));
        tokio::select! {
            _ = tokio::time::sleep(wait) => {}
            _ = stop.changed() => return,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::sqlite_dir;
    use std::path::PathBuf;

    #[test]
    fn the_sqlite_directory_is_read_from_the_url() {
        assert_eq!(sqlite_dir("sqlite://parents.db?mode=rwc"), None);
        assert_eq!(
            sqlite_dir("sqlite:///data/db/parents.db?mode=rwc"),
            Some(PathBuf::from("/data/db"))
        );
        assert_eq!(
            sqlite_dir("sqlite:state/parents.db"),
            Some(PathBuf::from("state"))
        );
        assert_eq!(sqlite_dir("sqlite::memory:"), None);
        assert_eq!(sqlite_dir("mysql://u@h/db"), None);
    }
}
