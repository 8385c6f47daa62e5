//! The test bench: a fake Bot API, a fresh database (an SQLite file, or a fresh MariaDB
//! database when asked), and the bot — either the real app assembly in this process
//! ([`Bench::start`]) or the real `parents-bot` binary as a child process ([`Bench::spawn`]),
//! which is what a SIGKILL needs.

use app::Settings;
use fake_telegram::{FakeConfig, FakeTelegram, State, StoredMessage, TgUser};
use std::collections::HashMap;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

/// How long a test waits for something the bot should do promptly.
pub const PROMPT: Duration = Duration::from_secs(20);

static NEXT: AtomicU32 = AtomicU32::new(0);

fn unique(prefix: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    format!(
        "{prefix}_{}_{}_{nanos}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    )
}

/// Which database the bot gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    MariaDb,
}

/// A fake Telegram, a database and the settings to run the bot on them.
pub struct Bench {
    pub tg: FakeTelegram,
    pub dir: PathBuf,
    env: HashMap<String, String>,
    mysql_cleanup: Option<(String, String)>,
}

impl Bench {
    /// A bench on SQLite with generous rate limits, so tests run at the bot's own speed.
    pub async fn new() -> Bench {
        Self::with(FakeConfig::default(), Backend::Sqlite)
            .await
            .expect("SQLite bench")
    }

    /// A bench on the given backend; `None` for MariaDB when `TEST_MYSQL_URL` is not set.
    /// Panics when it is set but unreachable: in CI the MariaDB runs must run.
    pub async fn with(config: FakeConfig, backend: Backend) -> Option<Bench> {
        let dir = std::env::temp_dir().join(unique("pp-e2e"));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let (database_url, mysql_cleanup) = match backend {
            Backend::Sqlite => (
                format!("sqlite://{}?mode=rwc", dir.join("parents.db").display()),
                None,
            ),
            Backend::MariaDb => {
                let root = std::env::var("TEST_MYSQL_URL").ok()?;
                let name = unique("pp_e2e");
                exec_mysql(
                    &root,
                    &format!("CREATE DATABASE `{name}` CHARACTER SET utf8mb4"),
                )
                .await;
                let (base, _) = root
                    .rsplit_once('/')
                    .expect("TEST_MYSQL_URL has a database");
                (format!("{base}/{name}"), Some((root.clone(), name)))
            }
        };
        let tg = FakeTelegram::start(config)
            .await
            .expect("fake Bot API starts");
        let mut env = HashMap::new();
        for (k, v) in [
            ("BOT_TOKEN", tg.token().to_owned()),
            ("SUPPORT_GROUP_ID", tg.group_id().to_string()),
            ("TELEGRAM_API_URL", tg.base_url()),
            ("DATABASE_URL", database_url.clone()),
            ("LISTEN_ADDR", "127.0.0.1:0".to_owned()),
            ("LOG_DIR", dir.join("logs").display().to_string()),
            ("BOT_USERNAME", "petwealth_parents_bot".to_owned()),
            // The fake does not limit unless a test asks it to; neither does the bot.
            ("TELEGRAM_RATE_GLOBAL", "1000".to_owned()),
            ("TELEGRAM_RATE_PER_CHAT", "1000".to_owned()),
            ("TELEGRAM_RATE_PER_GROUP", "60000".to_owned()),
        ] {
            env.insert(k.to_owned(), v);
        }
        Some(Bench {
            tg,
            dir,
            env,
            mysql_cleanup,
        })
    }

    /// Sets (or overrides) a setting for the next start.
    pub fn set(&mut self, key: &str, value: impl Into<String>) {
        self.env.insert(key.to_owned(), value.into());
    }

    /// The settings as the bot would load them from its environment.
    pub fn settings(&self) -> Settings {
        Settings::load(None, Some(self.env.clone())).expect("valid test settings")
    }

    /// The bot's database, for tests that look at what it stored.
    #[allow(dead_code)]
    pub fn database_url(&self) -> &str {
        &self.env["DATABASE_URL"]
    }

    /// Starts the real app assembly in this process.
    pub async fn start(&self) -> app::Running {
        app::start(self.settings()).await.expect("the bot starts")
    }

    /// The real binary with exactly these settings as its environment, in the bench's
    /// directory (so no stray `.env` or `config.toml` is read).
    pub fn command(&self) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_parents-bot"));
        cmd.current_dir(&self.dir)
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("RUST_LOG", "info")
            .envs(&self.env)
            .stdin(Stdio::null());
        cmd
    }

    /// Starts the real binary, its output going to a log file in the bench's directory.
    pub fn spawn(&self) -> Child {
        let log = std::fs::File::create(self.dir.join(unique("bot")).with_extension("log"))
            .expect("log file");
        self.command()
            .stdout(log.try_clone().expect("log file"))
            .stderr(log)
            .spawn()
            .expect("parents-bot runs")
    }

    /// Waits until `cond` holds on the fake's state.
    pub async fn wait(&self, what: &str, cond: impl FnMut(&State) -> bool) {
        if !self.tg.wait_until(PROMPT, cond).await {
            panic!("timed out waiting: {what}\n{}", self.child_logs());
        }
    }

    /// What the child bots wrote (for failure messages).
    pub fn child_logs(&self) -> String {
        let mut logs = String::new();
        for entry in std::fs::read_dir(&self.dir).into_iter().flatten().flatten() {
            if entry.path().extension().is_some_and(|x| x == "log") {
                logs.push_str(&format!("--- {}\n", entry.path().display()));
                logs.push_str(&std::fs::read_to_string(entry.path()).unwrap_or_default());
            }
        }
        logs
    }

    /// Waits until the bot's outbox is empty: every send done and recorded (the copy ids a
    /// reply mapping needs included). Seen through `/healthz`.
    #[allow(dead_code)]
    pub async fn settled(&self, bot: &app::Running) {
        let url = format!("http://{}/healthz", bot.listen_addr());
        let deadline = tokio::time::Instant::now() + PROMPT;
        loop {
            let depth = match reqwest::get(&url).await {
                Ok(r) => r.json::<serde_json::Value>().await.ok(),
                Err(_) => None,
            }
            .and_then(|v| v["outbox_depth"].as_u64());
            if depth == Some(0) {
                return;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "the outbox never emptied"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// The client's topic, once the bot created it.
    pub async fn topic_of(&self, name: &str) -> i32 {
        self.wait(&format!("a topic named {name:?}"), |s| {
            s.topic_named(name).is_some()
        })
        .await;
        self.tg.topic_named(name).expect("topic").thread_id
    }

    /// Copies the bot made of `(chat, message)`, anywhere.
    pub fn copies_of(&self, chat: i64, message: i32) -> Vec<StoredMessage> {
        self.tg.read(|s| copies(s, chat, message))
    }
}

impl Drop for Bench {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
        if let Some((root, name)) = self.mysql_cleanup.take() {
            // Best effort, on a runtime of its own: Drop cannot await.
            let _ = std::thread::spawn(move || {
                if let Ok(rt) = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                {
                    rt.block_on(exec_mysql(
                        &root,
                        &format!("DROP DATABASE IF EXISTS `{name}`"),
                    ));
                }
            })
            .join();
        }
    }
}

async fn exec_mysql(url: &str, sql: &str) {
    use sea_orm::ConnectionTrait;
    let db = sea_orm::Database::connect(url)
        .await
        .unwrap_or_else(|e| panic!("TEST_MYSQL_URL is set but MariaDB is unreachable: {e}"));
    db.execute_unprepared(sql).await.expect(sql);
}

/// Every bot-made copy of `(chat, message)` in any chat.
pub fn copies(s: &State, chat: i64, message: i32) -> Vec<StoredMessage> {
    all_chats(s)
        .into_iter()
        .flat_map(|c| s.messages(c))
        .filter(|m| m.copied_from == Some((chat, message)))
        .cloned()
        .collect()
}

fn all_chats(s: &State) -> Vec<i64> {
    let mut chats: Vec<i64> = s
        .calls()
        .iter()
        .filter_map(|c| c.chat_id)
        .chain([s.group_id()])
        .collect();
    chats.sort_unstable();
    chats.dedup();
    chats
}

/// What the group shows of a client's messages, in the group's order: the source message id
/// of each copy, and the topics they landed in (consecutive repeats merged).
#[allow(dead_code)]
pub fn relayed_sources(bench: &Bench, user: &TgUser) -> (Vec<i32>, Vec<Option<i32>>) {
    bench.tg.read(|s| {
        // Messages come in id order, which is the group's order.
        let in_group: Vec<(i32, Option<i32>)> = s
            .messages(s.group_id())
            .iter()
            .filter_map(|m| match m.copied_from {
                Some((chat, src)) if chat == user.id as i64 => Some((src, m.thread_id)),
                _ => None,
            })
            .collect();
        let mut threads: Vec<Option<i32>> = in_group.iter().map(|(_, t)| *t).collect();
        threads.dedup();
        (in_group.into_iter().map(|(src, _)| src).collect(), threads)
    })
}

/// Texts (or captions) of what the bot itself wrote into a topic, oldest first.
pub fn bot_texts_in(s: &State, thread: i32) -> Vec<String> {
    s.bot_messages_in(Some(thread))
        .iter()
        .filter(|m| m.copied_from.is_none())
        .filter_map(|m| m.content().map(str::to_owned))
        .collect()
}

/// Texts the bot wrote to a client (not copies), oldest first.
pub fn bot_texts_to(s: &State, user: u64) -> Vec<String> {
    s.messages(user as i64)
        .iter()
        .filter(|m| m.by_bot && m.copied_from.is_none())
        .filter_map(|m| m.content().map(str::to_owned))
        .collect()
}

/// A client of the clinic.
pub fn client(id: u64, first: &str, username: Option<&str>) -> TgUser {
    let u = TgUser::new(id, first);
    match username {
        Some(name) => u.with_username(name),
        None => u,
    }
}

/// A staff member.
pub fn staff(id: u64, first: &str) -> TgUser {
    TgUser::new(id, first).with_username(format!("staff{id}"))
}

/// Kills a child with SIGKILL (no chance to clean up) and reaps it.
pub fn kill_hard(child: &mut Child) {
    child.kill().expect("SIGKILL");
    let _ = child.wait();
}

/// Sends SIGTERM and waits for the exit status.
pub fn terminate(child: &mut Child) -> std::process::ExitStatus {
    let pid = child.id().to_string();
    let status = Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .expect("kill -TERM");
    assert!(status.success(), "kill -TERM {pid}");
    child.wait().expect("the bot exits")
}
