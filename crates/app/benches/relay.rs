//! # The relay benchmark
//!
//! Runs the release `parents-bot` as a child process against the in-repo fake Bot API (in this
//! process), on a fresh database per scenario, and prints a table of figures against the
//! targets. Results and their explanation: `docs/benchmarks.md`.
//!
//! ```text
//! cargo bench -p app --bench relay                          # full run, both backends
//! cargo bench -p app --bench relay -- --quick               # a smaller run
//! cargo bench -p app --bench relay -- --backend sqlite      # sqlite | mariadb | both
//! cargo bench -p app --bench relay -- --only throughput     # throughput,latency,limits
//! cargo bench -p app --bench relay -- --only scale          # history, backlogs, a steady day
//! cargo bench -p app --bench relay -- --only steady,backlog # parts of scale alone
//! ```
//!
//! `BENCH_BOT=/path/to/parents-bot` runs another build of the bot (e.g. with symbols, to attach
//! `perf`); `BENCH_RUST_LOG` sets its `RUST_LOG` (default `info`). MariaDB: `BENCH_MYSQL_URL` (default `mysql://root@127.0.0.1:3306/mysql`, what
//! `scripts/mariadb.sh` provides); each scenario creates a database `pp_bench_…` and drops it.
//!
//! Scenarios:
//! 1. **throughput** — N clients × M messages queued at once in the fake (no limits in the fake,
//!    huge `TELEGRAM_RATE_*` in the bot); updates/s from the first update getUpdates handed out
//!    to the last copyMessage into the group. A client's first message costs three group calls
//!    (createForumTopic, the card, the copy) and a phone prompt to the client.
//! 2. **latency** — warm clients (topics exist) write at a steady rate; per update, the fake's
//!    instant of the copyMessage for it minus the instant getUpdates returned it. This includes
//!    the two loopback HTTP legs (the getUpdates answer, the copyMessage request); the loopback
//!    round trip to the fake is measured separately for scale.
//! 3. **limits** — the fake enforces Telegram's limits (30/s, 1/s per private chat, 20/min per
//!    group), the bot runs with its default rate settings; one client with a backlog of
//!    messages, then one-message clients (returning ones, whose topics exist, and a new one)
//!    arriving during the backlog. Group sends per minute, 429s, and each one-message client's
//!    wait (getUpdates → its copy) in send slots of 3 s.
//! 4. **footprint** — start-up (spawn → first getUpdates, migrations on a fresh database; every
//!    spawn on a fresh database counts), VmRSS at idle, VmHWM (peak) at the end of each
//!    scenario, the release binary's size.
//! 5. **scale** (only with `--only scale`) — the latency and throughput runs again on a database
//!    that first gets a year of history (`bench-history`: 100,000 clients and closed appeals,
//!    1,000,000 messages with their copy mappings, 200,000 audit rows; a tenth with `--quick`);
//!    a backlog of 10,000 and of 100,000 updates (2,000 and 20,000 with `--quick`) queued
//!    before the bot starts, as after an outage, with its peak RSS; and a steady day: 20 client
//!    messages a second from 200 warm clients, staff answering every fifth, with the bot's CPU
//!    and context switches per message handled (client messages and staff answers) from
//!    `/proc` (the switches: how often its threads slept and were woken). Ends with one line
//!    per backend:
//!    `scale: backend=… empty_p99_ms=… history_p99_ms=… empty_ups=… history_ups=…
//!    backlog10k_rss_mib=… backlog100k_rss_mib=… steady_cpu_ms=…`

use anyhow::{Context, bail};
use bench_history::History;
use fake_telegram::{CallRecord, EnforcedLimits, FakeConfig, FakeTelegram, Injected, TgUser};
use std::collections::HashMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

/// The bot built with the bench (release) profile; `BENCH_BOT` may point at another build of it
/// (e.g. one with symbols, for profiling).
fn bot_path() -> String {
    std::env::var("BENCH_BOT").unwrap_or_else(|_| env!("CARGO_BIN_EXE_parents-bot").to_owned())
}
/// One send slot into the group at 20/min.
const SLOT: Duration = Duration::from_secs(3);
const GROUP_METHODS: [&str; 4] = [
    "createForumTopic",
    "sendMessage",
    "copyMessage",
    "editForumTopic",
];

// ---------------------------------------------------------------------------------------------
// options

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Backend {
    Sqlite,
    MariaDb,
}

impl Backend {
    fn name(self) -> &'static str {
        match self {
            Self::Sqlite => "SQLite",
            Self::MariaDb => "MariaDB",
        }
    }
}

#[derive(Debug, Clone)]
struct Opts {
    quick: bool,
    backends: Vec<Backend>,
    throughput: bool,
    latency: bool,
    limits: bool,
    scale: bool,
    /// Only the scale scenario's steady day, or its backlogs (for profiling them).
    steady: bool,
    backlog_only: bool,
    /// Throughput: clients × messages each.
    tp_clients: u64,
    tp_messages: u64,
    /// Latency: warm clients, updates per second, seconds.
    lat_clients: u64,
    lat_rate: u64,
    lat_secs: u64,
    /// Limits: the backlog client's messages; arrivals (seconds after the burst) of
    /// returning and new one-message clients.
    backlog: u64,
    returning_at: Vec<u64>,
    new_at: Vec<u64>,
    /// Scale: the history loaded before the "history" runs; the two backlogs (updates queued
    /// before the bot starts, from `backlog_clients` clients); the steady run (client messages
    /// a second, clients, seconds, a staff answer after every `steady_staff_every`-th).
    history: fn(i64) -> History,
    backlogs: [u64; 2],
    backlog_clients: u64,
    steady_rate: u64,
    steady_clients: u64,
    steady_secs: u64,
    steady_staff_every: u64,
}

impl Opts {
    fn parse() -> anyhow::Result<Self> {
        let mut quick = false;
        let mut backend = "both".to_owned();
        let mut only: Option<String> = None;
        let mut args = std::env::args().skip(1);
        while let Some(a) = args.next() {
            match a.as_str() {
                "--quick" => quick = true,
                "--backend" => backend = args.next().context("--backend needs a value")?,
                "--only" => only = Some(args.next().context("--only needs a value")?),
                // cargo bench passes --bench to harness=false targets.
                "--bench" => {}
                other => bail!(
                    "unknown argument {other:?}; use --quick, --backend sqlite|mariadb|both, \
                     --only throughput,latency,limits,scale,steady,backlog"
                ),
            }
        }
        let backends = match backend.as_str() {
            "sqlite" => vec![Backend::Sqlite],
            "mariadb" | "mysql" => vec![Backend::MariaDb],
            "both" => vec![Backend::Sqlite, Backend::MariaDb],
            b => bail!("unknown backend {b:?}"),
        };
        let has = |s: &str| only.as_deref().is_none_or(|o| o.split(',').any(|x| x == s));
        // Scale and its parts run only when named: they take long and load the database.
        let named = |s: &str| {
            only.as_deref()
                .is_some_and(|o| o.split(',').any(|x| x == s))
        };
        let o = if quick {
            Self {
                quick,
                backends,
                throughput: has("throughput"),
                latency: has("latency"),
                limits: has("limits"),
                scale: named("scale"),
                steady: named("steady"),
                backlog_only: named("backlog"),
                tp_clients: 200,
                tp_messages: 5,
                lat_clients: 100,
                lat_rate: 50,
                lat_secs: 10,
                backlog: 30,
                returning_at: vec![10, 20],
                new_at: vec![15],
                history: History::quick,
                backlogs: [2_000, 20_000],
                backlog_clients: 200,
                steady_rate: 20,
                steady_clients: 200,
                steady_secs: 20,
                steady_staff_every: 5,
            }
        } else {
            Self {
                quick,
                backends,
                throughput: has("throughput"),
                latency: has("latency"),
                limits: has("limits"),
                scale: named("scale"),
                steady: named("steady"),
                backlog_only: named("backlog"),
                tp_clients: 1000,
                tp_messages: 10,
                lat_clients: 200,
                lat_rate: 50,
                lat_secs: 20,
                backlog: 60,
                returning_at: vec![15, 30, 45],
                new_at: vec![20],
                history: History::year,
                backlogs: [10_000, 100_000],
                backlog_clients: 1_000,
                steady_rate: 20,
                steady_clients: 200,
                steady_secs: 60,
                steady_staff_every: 5,
            }
        };
        Ok(o)
    }
}

// ---------------------------------------------------------------------------------------------
// databases

static SEQ: AtomicU32 = AtomicU32::new(0);

fn unique(prefix: &str) -> String {
    format!(
        "{prefix}_{}_{}",
        std::process::id(),
        SEQ.fetch_add(1, Ordering::Relaxed)
    )
}

struct Db {
    url: String,
    mysql: Option<(String, String)>,
}

fn mysql_root() -> String {
    std::env::var("BENCH_MYSQL_URL").unwrap_or_else(|_| "mysql://root@127.0.0.1:3306/mysql".into())
}

async fn exec_mysql(url: &str, sql: &str) -> anyhow::Result<()> {
    use sea_orm::ConnectionTrait;
    let db = sea_orm::Database::connect(url)
        .await
        .with_context(|| format!("MariaDB unreachable at {url} (run scripts/mariadb.sh)"))?;
    db.execute_unprepared(sql).await.context(sql.to_owned())?;
    db.close().await.ok();
    Ok(())
}

async fn fresh_db(backend: Backend, dir: &Path) -> anyhow::Result<Db> {
    match backend {
        Backend::Sqlite => Ok(Db {
            url: format!("sqlite://{}?mode=rwc", dir.join("parents.db").display()),
            mysql: None,
        }),
        Backend::MariaDb => {
            let root = mysql_root();
            let name = unique("pp_bench");
            exec_mysql(
                &root,
                &format!("CREATE DATABASE `{name}` CHARACTER SET utf8mb4"),
            )
            .await?;
            let (base, _) = root
                .rsplit_once('/')
                .context("BENCH_MYSQL_URL names a database")?;
            Ok(Db {
                url: format!("{base}/{name}"),
                mysql: Some((root, name)),
            })
        }
    }
}

async fn drop_db(db: Db) {
    if let Some((root, name)) = db.mysql {
        let _ = exec_mysql(&root, &format!("DROP DATABASE IF EXISTS `{name}`")).await;
    }
}

// ---------------------------------------------------------------------------------------------
// the bot as a child process

struct Bot {
    child: Child,
    spawned: Instant,
    log: PathBuf,
}

/// The release bot's command line, as the scenarios run it. `unlimited`: rate settings far above
/// anything reached, so the bot runs at its own speed; otherwise the defaults (30/s, 1/s per
/// chat, 20/min per group).
fn bot_command(tg: &FakeTelegram, db: &Db, dir: &Path, unlimited: bool) -> Command {
    let mut cmd = Command::new(bot_path());
    cmd.current_dir(dir)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env(
            "RUST_LOG",
            std::env::var("BENCH_RUST_LOG").unwrap_or_else(|_| "info".into()),
        )
        .env("BOT_TOKEN", tg.token())
        .env("SUPPORT_GROUP_ID", tg.group_id().to_string())
        .env("TELEGRAM_API_URL", tg.base_url())
        .env("DATABASE_URL", &db.url)
        .env("LISTEN_ADDR", "127.0.0.1:0")
        .env("LOG_DIR", dir.join("logs"))
        .env("BOT_USERNAME", "petwealth_parents_bot")
        .stdin(Stdio::null());
    // The allocator's and the runtime's knobs, for trying them (`MALLOC_ARENA_MAX=2 cargo bench …`).
    for (k, v) in std::env::vars() {
        if k.starts_with("MALLOC_") || k == "GLIBC_TUNABLES" || k == "TOKIO_WORKER_THREADS" {
            cmd.env(k, v);
        }
    }
    if unlimited {
        cmd.env("TELEGRAM_RATE_GLOBAL", "1000000")
            .env("TELEGRAM_RATE_PER_CHAT", "1000000")
            .env("TELEGRAM_RATE_PER_GROUP", "60000000");
    }
    cmd
}

/// Starts the release bot (see [`bot_command`]).
fn spawn_bot(
    tg: &FakeTelegram,
    db: &Db,
    dir: &Path,
    unlimited: bool,
    tag: &str,
) -> anyhow::Result<Bot> {
    let log = dir.join(format!("bot-{tag}.log"));
    let out = std::fs::File::create(&log)?;
    let mut cmd = bot_command(tg, db, dir, unlimited);
    cmd.stdout(out.try_clone()?).stderr(out);
    let spawned = Instant::now();
    let child = cmd.spawn().context("cannot run parents-bot")?;
    Ok(Bot {
        child,
        spawned,
        log,
    })
}

/// Migrates the fresh database with the bot itself, then loads `history` into it with bulk SQL.
async fn load_history(
    tg: &FakeTelegram,
    db: &Db,
    dir: &Path,
    history: History,
) -> anyhow::Result<Duration> {
    let started = Instant::now();
    let out = bot_command(tg, db, dir, true).arg("migrate").output()?;
    if !out.status.success() {
        bail!(
            "parents-bot migrate failed:\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let conn = sea_orm::Database::connect(&db.url).await?;
    history.load(&conn).await?;
    conn.close().await?;
    Ok(started.elapsed())
}

impl Bot {
    fn pid(&self) -> u32 {
        self.child.id()
    }

    fn log_tail(&self) -> String {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(20)..].join("\n")
    }

    /// Spawn → the first getUpdates the fake sees (after `polls_before`).
    async fn started(&mut self, tg: &FakeTelegram, polls_before: u64) -> anyhow::Result<Duration> {
        let ok = tg
            .wait_until(Duration::from_secs(60), |s| {
                s.polls_started() > polls_before
            })
            .await;
        let took = self.spawned.elapsed();
        if !ok || self.child.try_wait()?.is_some() {
            bail!("the bot did not start polling:\n{}", self.log_tail());
        }
        Ok(took)
    }

    /// SIGTERM, then waits (up to 20 s; SIGKILL after that).
    async fn stop(mut self) -> anyhow::Result<()> {
        let _ = Command::new("kill")
            .args(["-TERM", &self.pid().to_string()])
            .status();
        for _ in 0..200 {
            if self.child.try_wait()?.is_some() {
                return Ok(());
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        self.child.kill()?;
        self.child.wait()?;
        bail!("the bot did not stop within 20 s")
    }
}

/// (VmRSS, VmHWM) in KiB.
fn memory(pid: u32) -> (u64, u64) {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.split_whitespace().next())
            .and_then(|v| v.parse().ok())
            .unwrap_or(0)
    };
    (field("VmRSS:"), field("VmHWM:"))
}

/// CPU time (user + system) a process has used, from `/proc/<pid>/stat` (100 ticks/s).
fn cpu_time(pid: &str) -> Duration {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // Fields after the command (which may hold spaces) start after the last ')'.
    let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let f: Vec<u64> = rest
        .split_whitespace()
        .map(|x| x.parse().unwrap_or(0))
        .collect();
    // utime and stime are fields 14 and 15; `rest` starts at field 3.
    let ticks = f.get(11).copied().unwrap_or(0) + f.get(12).copied().unwrap_or(0);
    Duration::from_millis(ticks * 10)
}

/// How often the bot's threads were switched off a core so far — voluntarily (to sleep until
/// woken: a wake-up each) or not — summed over its live threads (`/proc/<pid>/task/*/status`).
/// A thread that ended took its count with it; the bot's threads live as long as it does,
/// except tokio's blocking pool, idle ones of which end after ten seconds.
fn context_switches(pid: u32) -> u64 {
    let Ok(tasks) = std::fs::read_dir(format!("/proc/{pid}/task")) else {
        return 0;
    };
    tasks
        .flatten()
        .filter_map(|t| std::fs::read_to_string(t.path().join("status")).ok())
        .map(|status| {
            status
                .lines()
                .filter(|l| l.contains("ctxt_switches:"))
                .filter_map(|l| l.split_whitespace().last()?.parse::<u64>().ok())
                .sum::<u64>()
        })
        .sum()
}

/// The MariaDB server's pid, if it runs on this machine.
fn db_server_pid() -> Option<String> {
    std::fs::read_dir("/proc").ok()?.flatten().find_map(|e| {
        let comm = std::fs::read_to_string(e.path().join("comm")).ok()?;
        matches!(comm.trim(), "mariadbd" | "mysqld")
            .then(|| e.file_name().to_string_lossy().into_owned())
    })
}

/// CPU used by the bot, by this process (the fake and the load generator) and by the database
/// server, between two snapshots.
#[derive(Debug, Default, Clone, Copy)]
struct Cpu {
    bot: Duration,
    bench: Duration,
    db: Duration,
    /// The bot's context switches ([`context_switches`]).
    bot_switches: u64,
}

impl Cpu {
    fn now(bot: u32) -> Self {
        Self {
            bot: cpu_time(&bot.to_string()),
            bench: cpu_time("self"),
            db: db_server_pid().map_or(Duration::ZERO, |p| cpu_time(&p)),
            bot_switches: context_switches(bot),
        }
    }

    fn since(self, before: Self) -> Self {
        Self {
            bot: self.bot.saturating_sub(before.bot),
            bench: self.bench.saturating_sub(before.bench),
            db: self.db.saturating_sub(before.db),
            bot_switches: self.bot_switches.saturating_sub(before.bot_switches),
        }
    }

    fn show(self, wall: f64) -> String {
        let pct = |d: Duration| d.as_secs_f64() / wall.max(1e-9) * 100.0;
        format!(
            "bot {:.1} s ({:.0}%), fake+load {:.1} s ({:.0}%), DB server {:.1} s ({:.0}%) of {:.1} s wall × 2 cores",
            self.bot.as_secs_f64(),
            pct(self.bot),
            self.bench.as_secs_f64(),
            pct(self.bench),
            self.db.as_secs_f64(),
            pct(self.db),
            wall
        )
    }
}

// ---------------------------------------------------------------------------------------------
// reading the fake

/// Reads the fake's call log incrementally (cloning only what is new).
#[derive(Default)]
struct CallLog {
    next: usize,
    calls: Vec<CallRecord>,
}

impl CallLog {
    fn at_end(tg: &FakeTelegram) -> Self {
        Self {
            next: tg.read(|s| s.calls().len()),
            calls: Vec::new(),
        }
    }

    fn fetch(&mut self, tg: &FakeTelegram) {
        let from = self.next;
        let new = tg.read(|s| s.calls()[from..].to_vec());
        self.next += new.len();
        self.calls.extend(new);
    }

    fn copies_into(&self, group: i64) -> impl Iterator<Item = &CallRecord> {
        self.calls
            .iter()
            .filter(move |c| c.ok && c.method == "copyMessage" && c.chat_id == Some(group))
    }

    fn group_sends(&self, group: i64) -> Vec<&CallRecord> {
        self.calls
            .iter()
            .filter(|c| c.ok && c.chat_id == Some(group))
            .filter(|c| GROUP_METHODS.contains(&c.method.as_str()))
            .collect()
    }

    fn count(&self, method: &str, group: i64, in_group: bool) -> usize {
        self.calls
            .iter()
            .filter(|c| c.ok && c.method == method && (c.chat_id == Some(group)) == in_group)
            .count()
    }

    /// Polls until `want` copies reached the group or `limit` passed; true if they all did.
    async fn wait_copies(&mut self, tg: &FakeTelegram, want: usize, limit: Duration) -> bool {
        let deadline = Instant::now() + limit;
        let group = tg.group_id();
        loop {
            self.fetch(tg);
            if self.copies_into(group).count() >= want {
                return true;
            }
            if Instant::now() >= deadline {
                return false;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

/// For each copy into the group: the update it copied (by its source message) and the copy's
/// arrival at the fake.
fn copy_times(
    tg: &FakeTelegram,
    log: &CallLog,
    sources: &HashMap<(i64, i32), i64>,
) -> Vec<(i64, Duration)> {
    let group = tg.group_id();
    tg.read(|s| {
        log.copies_into(group)
            .filter_map(|c| {
                let copy = s.message(group, *c.message_ids.first()?)?;
                let update = sources.get(&copy.copied_from?)?;
                Some((*update, c.at))
            })
            .collect()
    })
}

fn served(tg: &FakeTelegram, update: i64) -> Option<Duration> {
    tg.read(|s| s.served_at(update))
}

fn client(i: u64) -> TgUser {
    TgUser::new(8_100_000_000 + i, format!("Client {i}"))
}

fn percentile(sorted: &[Duration], q: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let idx = ((q * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len()) - 1;
    sorted[idx]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn mib(kib: u64) -> f64 {
    kib as f64 / 1024.0
}

// ---------------------------------------------------------------------------------------------
// scenario 1: throughput

#[derive(Debug, Default, Clone)]
struct Throughput {
    updates: u64,
    copied: u64,
    complete: bool,
    secs: f64,
    group_calls: u64,
    topics: u64,
    cards: u64,
    prompts: u64,
    startup: Duration,
    rss_idle: u64,
    hwm_end: u64,
    cpu: Cpu,
    wall: f64,
    gap_p50: Duration,
    gap_p99: Duration,
}

impl Throughput {
    fn rate(&self) -> f64 {
        self.copied as f64 / self.secs.max(1e-9)
    }

    /// Updates/s, how many, peak RSS and the bot's CPU per update, on one line.
    fn summary(&self) -> String {
        format!(
            "{:.0} updates/s ({}/{} in {:.1} s), peak RSS {:.1} MiB, bot CPU {:.2} ms/update",
            self.rate(),
            self.copied,
            self.updates,
            self.secs,
            mib(self.hwm_end),
            ms(self.cpu.bot) / self.copied.max(1) as f64
        )
    }
}

/// What a throughput run queues, and on what.
#[derive(Debug, Clone, Copy)]
struct Burst {
    clients: u64,
    messages: u64,
    /// Loaded before the bot starts.
    history: Option<fn(i64) -> History>,
    /// Every update is queued before the bot starts (a backlog after an outage); otherwise they
    /// are queued at once while it idles.
    queued_before_start: bool,
    limit: Duration,
}

impl Burst {
    fn of(o: &Opts) -> Self {
        Self {
            clients: o.tp_clients,
            messages: o.tp_messages,
            history: None,
            queued_before_start: false,
            limit: Duration::from_secs(if o.quick { 90 } else { 180 }),
        }
    }
}

async fn throughput(backend: Backend, b: Burst) -> anyhow::Result<Throughput> {
    let tg = FakeTelegram::start(FakeConfig::default()).await?;
    let dir = std::env::temp_dir().join(unique("pp-bench-tp"));
    std::fs::create_dir_all(&dir)?;
    let db = fresh_db(backend, &dir).await?;
    if let Some(history) = b.history {
        load_history(&tg, &db, &dir, history(tg.group_id())).await?;
    }
    let total = b.clients * b.messages;
    let users: Vec<TgUser> = (0..b.clients).map(client).collect();
    let mut ids = Vec::with_capacity(total as usize);
    // Round robin: every client's first message, then every client's second, …
    let queue = |ids: &mut Vec<Injected>| {
        for m in 0..b.messages {
            for u in &users {
                ids.push(tg.client_text(u, &format!("message {m} from {}", u.first_name)));
            }
        }
    };
    if b.queued_before_start {
        queue(&mut ids);
    }
    let mut log = CallLog::at_end(&tg);
    let mut bot = spawn_bot(&tg, &db, &dir, true, "throughput")?;
    let startup = bot.started(&tg, 0).await?;
    let mut rss_idle = 0;
    let mut cpu_before = Cpu::default();
    if !b.queued_before_start {
        tokio::time::sleep(Duration::from_secs(2)).await;
        rss_idle = memory(bot.pid()).0;
        log = CallLog::at_end(&tg);
        cpu_before = Cpu::now(bot.pid());
    }
    let wall = Instant::now();
    if !b.queued_before_start {
        queue(&mut ids);
    }
    let complete = log.wait_copies(&tg, total as usize, b.limit).await;
    let cpu = Cpu::now(bot.pid()).since(cpu_before);
    let wall = wall.elapsed().as_secs_f64();
    log.fetch(&tg);
    let (_, hwm_end) = memory(bot.pid());
    let group = tg.group_id();
    let first_served = ids
        .iter()
        .filter_map(|i| served(&tg, i.update_id))
        .min()
        .unwrap_or_default();
    let last_copy = log
        .copies_into(group)
        .map(|c| c.at)
        .max()
        .unwrap_or_default();
    let copied = log.copies_into(group).count() as u64;
    // The sender's cycle: the group's sends go one at a time, so the gap between two of them
    // is what one group send costs the bot end to end (due() scan, the call, the commit).
    let mut at: Vec<Duration> = log.group_sends(group).iter().map(|c| c.at).collect();
    at.sort();
    let mut gaps: Vec<Duration> = at.windows(2).map(|w| w[1] - w[0]).collect();
    gaps.sort();
    let r = Throughput {
        gap_p50: percentile(&gaps, 0.5),
        gap_p99: percentile(&gaps, 0.99),
        updates: total,
        copied,
        complete,
        secs: last_copy.saturating_sub(first_served).as_secs_f64(),
        group_calls: log.group_sends(group).len() as u64,
        topics: log.count("createForumTopic", group, true) as u64,
        cards: log.count("sendMessage", group, true) as u64,
        prompts: log.count("sendMessage", group, false) as u64,
        startup,
        rss_idle,
        hwm_end,
        cpu,
        wall,
    };
    if !complete {
        eprintln!(
            "  incomplete ({copied}/{total}); the bot's log:\n{}",
            bot.log_tail()
        );
    }
    bot.stop().await?;
    tg.stop().await;
    drop_db(db).await;
    let _ = std::fs::remove_dir_all(&dir);
    Ok(r)
}

// ---------------------------------------------------------------------------------------------
// scenario 2: latency

#[derive(Debug, Default, Clone)]
struct Latency {
    sent: u64,
    measured: u64,
    p50: Duration,
    p90: Duration,
    p99: Duration,
    max: Duration,
    rtt_p50: Duration,
    rtt_p99: Duration,
    startup: Duration,
    hwm_end: u64,
    cpu: Cpu,
    wall: f64,
    /// Messages handled during the measured run: client messages and staff answers.
    messages: u64,
    /// Of them, relayed (copied to the other side).
    relayed: u64,
    /// The bot's CPU while idle (before the run), in milliseconds a second.
    idle_cpu_ms_per_s: f64,
    /// The bot's context switches a second while idle.
    idle_switches_per_s: f64,
}

impl Latency {
    /// The bot's CPU per message handled, in milliseconds.
    fn cpu_per_message(&self) -> f64 {
        ms(self.cpu.bot) / self.messages.max(1) as f64
    }

    /// The bot's context switches per message handled: about how often a thread of it went to
    /// sleep and was woken again for each.
    fn switches_per_message(&self) -> f64 {
        self.cpu.bot_switches as f64 / self.messages.max(1) as f64
    }
}

/// Sequential getMe round trips from this process to the fake: what one loopback HTTP exchange
/// with the fake costs (the bot's latency contains about one: two one-way legs).
async fn loopback_rtt(tg: &FakeTelegram, n: usize) -> anyhow::Result<Vec<Duration>> {
    let http = reqwest::Client::new();
    let url = format!("{}/getMe", tg.api_url());
    let mut v = Vec::with_capacity(n);
    for _ in 0..n {
        let t = Instant::now();
        let r = http
            .post(&url)
            .header("content-type", "application/json")
            .body("{}")
            .send()
            .await?;
        r.bytes().await?;
        v.push(t.elapsed());
    }
    v.sort();
    Ok(v)
}

/// A steady run: warm clients write at a fixed rate; staff may answer.
#[derive(Debug, Clone, Copy)]
struct Steady {
    clients: u64,
    /// Client messages a second.
    rate: u64,
    secs: u64,
    /// Staff answer in the topic after every n-th client message.
    staff_every: Option<u64>,
    history: Option<fn(i64) -> History>,
}

impl Steady {
    fn latency(o: &Opts) -> Self {
        Self {
            clients: o.lat_clients,
            rate: o.lat_rate,
            secs: o.lat_secs,
            staff_every: None,
            history: None,
        }
    }

    fn day(o: &Opts) -> Self {
        Self {
            clients: o.steady_clients,
            rate: o.steady_rate,
            secs: o.steady_secs,
            staff_every: Some(o.steady_staff_every),
            history: None,
        }
    }
}

async fn latency(backend: Backend, st: Steady) -> anyhow::Result<Latency> {
    let tg = FakeTelegram::start(FakeConfig::default()).await?;
    let dir = std::env::temp_dir().join(unique("pp-bench-lat"));
    std::fs::create_dir_all(&dir)?;
    let db = fresh_db(backend, &dir).await?;
    if let Some(history) = st.history {
        load_history(&tg, &db, &dir, history(tg.group_id())).await?;
    }
    let mut bot = spawn_bot(&tg, &db, &dir, true, "latency")?;
    let startup = bot.started(&tg, 0).await?;

    // Warm-up: every client's topic and card exist, phone prompts sent.
    let users: Vec<TgUser> = (0..st.clients).map(|i| client(10_000 + i)).collect();
    let mut warm = CallLog::at_end(&tg);
    for u in &users {
        tg.client_text(u, "hello");
    }
    if !warm
        .wait_copies(&tg, users.len(), Duration::from_secs(120))
        .await
    {
        bail!("latency warm-up did not finish:\n{}", bot.log_tail());
    }
    // Each client's topic, from the copy of their hello.
    let group = tg.group_id();
    let topics: HashMap<i64, i32> = tg.read(|s| {
        warm.copies_into(group)
            .filter_map(|c| {
                let copy = s.message(group, *c.message_ids.first()?)?;
                Some((copy.copied_from?.0, copy.thread_id?))
            })
            .collect()
    });
    let staff = TgUser::new(600, "Olena").with_username("olena_vet");
    tokio::time::sleep(Duration::from_secs(1)).await;
    // What the bot spends with nothing to do: every steady message pays a share of it.
    let idle_before = Cpu::now(bot.pid());
    let idle_wall = Instant::now();
    tokio::time::sleep(Duration::from_secs(5)).await;
    let idle_cpu = Cpu::now(bot.pid()).since(idle_before);
    let idle_secs = idle_wall.elapsed().as_secs_f64();
    let idle = idle_cpu.bot.as_secs_f64() * 1000.0 / idle_secs;
    let idle_switches = idle_cpu.bot_switches as f64 / idle_secs;

    let mut log = CallLog::at_end(&tg);
    let cpu_before = Cpu::now(bot.pid());
    let wall = Instant::now();
    let n = st.rate * st.secs;
    let mut answers = 0usize;
    let mut sources = HashMap::new();
    let mut tick = tokio::time::interval(Duration::from_secs_f64(1.0 / st.rate as f64));
    for k in 0..n {
        tick.tick().await;
        let u = &users[(k % st.clients) as usize];
        let i: Injected = tg.client_text(u, &format!("steady {k}"));
        sources.insert((i.chat_id, i.message_id), i.update_id);
        if st.staff_every.is_some_and(|e| (k + 1) % e == 0) {
            let thread = *topics
                .get(&(u.id as i64))
                .context("a warm client without a topic")?;
            tg.staff_text(&staff, thread, &format!("answer {k}"))
                .map_err(anyhow::Error::msg)?;
            answers += 1;
        }
    }
    log.wait_copies(&tg, n as usize, Duration::from_secs(60))
        .await;
    // The staff answers' copies to the clients.
    let deadline = Instant::now() + Duration::from_secs(30);
    while log.count("copyMessage", group, false) < answers && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(50)).await;
        log.fetch(&tg);
    }
    let cpu = Cpu::now(bot.pid()).since(cpu_before);
    let wall = wall.elapsed().as_secs_f64();
    let mut lat: Vec<Duration> = copy_times(&tg, &log, &sources)
        .into_iter()
        .filter_map(|(update, at)| Some(at.saturating_sub(served(&tg, update)?)))
        .collect();
    lat.sort();
    let rtt = loopback_rtt(&tg, 300).await?;
    let (_, hwm_end) = memory(bot.pid());
    let r = Latency {
        sent: n,
        measured: lat.len() as u64,
        p50: percentile(&lat, 0.50),
        p90: percentile(&lat, 0.90),
        p99: percentile(&lat, 0.99),
        max: lat.last().copied().unwrap_or_default(),
        rtt_p50: percentile(&rtt, 0.50),
        rtt_p99: percentile(&rtt, 0.99),
        startup,
        hwm_end,
        cpu,
        wall,
        messages: n + answers as u64,
        idle_cpu_ms_per_s: idle,
        idle_switches_per_s: idle_switches,
        relayed: lat.len() as u64 + log.count("copyMessage", group, false) as u64,
    };
    bot.stop().await?;
    tg.stop().await;
    drop_db(db).await;
    let _ = std::fs::remove_dir_all(&dir);
    Ok(r)
}

// ---------------------------------------------------------------------------------------------
// scenario 3: under Telegram's limits

#[derive(Debug, Default, Clone)]
struct LimitsRun {
    complete: bool,
    group_sends: u64,
    /// Group sends per minute: 20·w sends over the time from the first to the 20·w-th.
    per_min: f64,
    /// Sends in each full minute since the first group send, while the backlog lasted.
    minutes: Vec<u64>,
    rate_limited: u64,
    violations: u64,
    /// (who, arrival after the burst, wait, backlog copies sent meanwhile)
    waits: Vec<(String, Duration, Duration, u64)>,
    rss_idle: u64,
    hwm_end: u64,
    duration: Duration,
}

async fn under_limits(backend: Backend, o: Opts) -> anyhow::Result<LimitsRun> {
    let tg = FakeTelegram::start(FakeConfig::default()).await?;
    let group = tg.group_id();
    let dir = std::env::temp_dir().join(unique("pp-bench-lim"));
    std::fs::create_dir_all(&dir)?;
    let db = fresh_db(backend, &dir).await?;

    // Warm-up without limits: the backlog client and the returning clients get their topics.
    let backlog_client = TgUser::new(8_200_000_000, "Backlog");
    let returning: Vec<TgUser> = (0..o.returning_at.len() as u64)
        .map(|i| TgUser::new(8_200_000_001 + i, format!("Returning {i}")))
        .collect();
    let newcomers: Vec<TgUser> = (0..o.new_at.len() as u64)
        .map(|i| TgUser::new(8_200_000_100 + i, format!("New {i}")))
        .collect();
    let mut bot = spawn_bot(&tg, &db, &dir, true, "limits-warmup")?;
    bot.started(&tg, 0).await?;
    let mut warm = CallLog::at_end(&tg);
    for u in std::iter::once(&backlog_client).chain(&returning) {
        tg.client_text(u, "hello");
    }
    if !warm
        .wait_copies(&tg, 1 + returning.len(), Duration::from_secs(60))
        .await
    {
        bail!("limits warm-up did not finish:\n{}", bot.log_tail());
    }
    bot.stop().await?;

    // Telegram's limits in the fake, the bot's defaults.
    tg.set_limits(EnforcedLimits::telegram());
    let polls = tg.read(|s| s.polls_started());
    let mut bot = spawn_bot(&tg, &db, &dir, false, "limits")?;
    bot.started(&tg, polls).await?;
    tokio::time::sleep(Duration::from_secs(2)).await;
    let (rss_idle, _) = memory(bot.pid());
    let mut log = CallLog::at_end(&tg);
    let burst_at = tg.read(|s| s.now());

    let mut sources = HashMap::new();
    let mut backlog_ids = Vec::new();
    for k in 0..o.backlog {
        let i = tg.client_text(&backlog_client, &format!("backlog {k}"));
        sources.insert((i.chat_id, i.message_id), i.update_id);
        backlog_ids.push(i.update_id);
    }
    // One-message clients arrive while the backlog drains.
    let mut arrivals: Vec<(u64, String, TgUser)> = o
        .returning_at
        .iter()
        .zip(&returning)
        .map(|(t, u)| (*t, u.first_name.clone(), u.clone()))
        .chain(
            o.new_at
                .iter()
                .zip(&newcomers)
                .map(|(t, u)| (*t, u.first_name.clone(), u.clone())),
        )
        .collect();
    arrivals.sort_by_key(|a| a.0);
    let start = Instant::now();
    let mut singles = Vec::new();
    for (t, who, u) in &arrivals {
        tokio::time::sleep_until((start + Duration::from_secs(*t)).into()).await;
        let i = tg.client_text(u, "one question");
        sources.insert((i.chat_id, i.message_id), i.update_id);
        singles.push((who.clone(), i.update_id));
    }
    let want = (o.backlog + arrivals.len() as u64) as usize;
    // 72 group sends at 20/min take 3.6 min; allow twice the budget's time.
    let sends = o.backlog + o.returning_at.len() as u64 + 3 * o.new_at.len() as u64;
    let limit = Duration::from_secs(60 + sends * 6);
    let complete = log.wait_copies(&tg, want, limit).await;
    let (_, hwm_end) = memory(bot.pid());

    let times: HashMap<i64, Duration> = copy_times(&tg, &log, &sources).into_iter().collect();
    let mut sends: Vec<Duration> = log.group_sends(group).iter().map(|c| c.at).collect();
    sends.sort();
    let first = sends.first().copied().unwrap_or_default();
    let last = sends.last().copied().unwrap_or_default();
    // The bot may send 20 at once into an empty window, then 20 more each time the window
    // frees: the 20·w-th send can come at first + 60·w s at the earliest. The budget used is
    // that ideal over what happened, for every whole window of the backlog.
    let windows = sends.len().saturating_sub(1) / 20;
    let per_min = if windows > 0 {
        let span = sends[20 * windows].saturating_sub(first).as_secs_f64();
        (20 * windows) as f64 / span * 60.0
    } else {
        0.0
    };
    let full_minutes = last.saturating_sub(first).as_secs() / 60;
    let minutes = (0..full_minutes)
        .map(|m| {
            let (a, b) = (
                first + Duration::from_secs(60 * m),
                first + Duration::from_secs(60 * (m + 1)),
            );
            sends.iter().filter(|t| **t >= a && **t < b).count() as u64
        })
        .collect();
    let backlog_copies: Vec<Duration> = backlog_ids
        .iter()
        .filter_map(|id| times.get(id).copied())
        .collect();
    let waits = singles
        .iter()
        .map(|(who, id)| {
            let arrived = served(&tg, *id).unwrap_or_default();
            let copied = times.get(id).copied();
            let wait = copied.map_or(Duration::MAX, |c| c.saturating_sub(arrived));
            let ahead = backlog_copies
                .iter()
                .filter(|t| **t > arrived && copied.is_none_or(|c| **t < c))
                .count() as u64;
            (who.clone(), arrived.saturating_sub(burst_at), wait, ahead)
        })
        .collect();
    let r = LimitsRun {
        complete,
        group_sends: sends.len() as u64,
        per_min,
        minutes,
        rate_limited: tg.rate_limited_count(),
        violations: tg.violations(),
        waits,
        rss_idle,
        hwm_end,
        duration: last.saturating_sub(first),
    };
    bot.stop().await?;
    tg.stop().await;
    drop_db(db).await;
    let _ = std::fs::remove_dir_all(&dir);
    Ok(r)
}

// ---------------------------------------------------------------------------------------------
// scenario 5: scale

/// The scale scenario's runs on one backend.
struct Scale {
    empty_latency: anyhow::Result<Latency>,
    history_latency: anyhow::Result<Latency>,
    empty_burst: anyhow::Result<Throughput>,
    history_burst: anyhow::Result<Throughput>,
    backlogs: Vec<(u64, anyhow::Result<Throughput>)>,
    steady: anyhow::Result<Latency>,
}

/// Latency and throughput on an empty database and on one holding `o.history`; peak memory
/// with each backlog queued before the bot starts; the bot's CPU per message on a steady day.
async fn scale(b: Backend, o: &Opts) -> Scale {
    let step = |what: &str| eprintln!("{} scale: {what} …", b.name());
    step("latency, empty database");
    let empty_latency = latency(b, Steady::latency(o)).await;
    step("latency, with history");
    let history_latency = latency(
        b,
        Steady {
            history: Some(o.history),
            ..Steady::latency(o)
        },
    )
    .await;
    step("throughput, empty database");
    let empty_burst = throughput(b, Burst::of(o)).await;
    step("throughput, with history");
    let history_burst = throughput(
        b,
        Burst {
            history: Some(o.history),
            ..Burst::of(o)
        },
    )
    .await;
    let backlogs = backlogs(b, o).await;
    step(&format!(
        "a steady {}/s for {} s",
        o.steady_rate, o.steady_secs
    ));
    let steady = latency(b, Steady::day(o)).await;
    Scale {
        empty_latency,
        history_latency,
        empty_burst,
        history_burst,
        backlogs,
        steady,
    }
}

/// Each of `o.backlogs` queued before the bot starts.
async fn backlogs(b: Backend, o: &Opts) -> Vec<(u64, anyhow::Result<Throughput>)> {
    let mut backlogs = Vec::new();
    for n in o.backlogs {
        eprintln!("{} scale: a backlog of {n} updates …", b.name());
        let clients = o.backlog_clients.min(n);
        let r = throughput(
            b,
            Burst {
                clients,
                messages: n / clients,
                history: None,
                queued_before_start: true,
                limit: Duration::from_secs(600),
            },
        )
        .await;
        backlogs.push((n, r));
    }
    backlogs
}

impl Scale {
    /// The one-line summary, for comparing runs at a glance and by script.
    fn summary(&self, b: Backend) -> String {
        fn num<T>(r: &anyhow::Result<T>, f: impl Fn(&T) -> f64) -> String {
            r.as_ref().map_or("nan".into(), |v| format!("{:.2}", f(v)))
        }
        let backlog = |i: usize| {
            self.backlogs
                .get(i)
                .map_or("nan".into(), |(_, r)| num(r, |t| mib(t.hwm_end)))
        };
        format!(
            "scale: backend={} empty_p99_ms={} history_p99_ms={} empty_ups={} history_ups={} backlog10k_rss_mib={} backlog100k_rss_mib={} steady_cpu_ms={}",
            match b {
                Backend::Sqlite => "sqlite",
                Backend::MariaDb => "mariadb",
            },
            num(&self.empty_latency, |l| ms(l.p99)),
            num(&self.history_latency, |l| ms(l.p99)),
            num(&self.empty_burst, Throughput::rate),
            num(&self.history_burst, Throughput::rate),
            backlog(0),
            backlog(1),
            num(&self.steady, Latency::cpu_per_message),
        )
    }

    /// Every figure behind the summary, and the errors of runs that failed.
    fn details(&self, b: Backend) -> String {
        let mut out = String::new();
        let lat = |l: &Latency| {
            format!(
                "p50 {:.1} / p99 {:.1} / max {:.1} ms ({} of {} measured); bot CPU {:.2} ms/message",
                ms(l.p50),
                ms(l.p99),
                ms(l.max),
                l.measured,
                l.sent,
                l.cpu_per_message()
            )
        };
        let burst = Throughput::summary;
        let show = |out: &mut String, name: &str, line: anyhow::Result<String>| {
            let _ = match line {
                Ok(v) => writeln!(out, "  {} {name}: {v}", b.name()),
                Err(e) => writeln!(out, "  {} {name}: FAILED: {e:#}", b.name()),
            };
        };
        fn ok<T>(r: &anyhow::Result<T>) -> anyhow::Result<&T> {
            r.as_ref().map_err(|e| anyhow::anyhow!("{e:#}"))
        }
        show(&mut out, "latency, empty", ok(&self.empty_latency).map(lat));
        show(
            &mut out,
            "latency, history",
            ok(&self.history_latency).map(lat),
        );
        show(&mut out, "burst, empty", ok(&self.empty_burst).map(burst));
        show(
            &mut out,
            "burst, history",
            ok(&self.history_burst).map(burst),
        );
        for (n, r) in &self.backlogs {
            show(&mut out, &format!("backlog of {n}"), ok(r).map(burst));
        }
        show(
            &mut out,
            "steady day",
            ok(&self.steady).map(|l| {
                format!(
                    "{} messages ({} relayed) in {:.1} s; {}; bot CPU {:.2} s, {:.0} context switches a message; idle {:.1} ms/s, {:.0} switches/s",
                    l.messages,
                    l.relayed,
                    l.wall,
                    lat(l),
                    l.cpu.bot.as_secs_f64(),
                    l.switches_per_message(),
                    l.idle_cpu_ms_per_s,
                    l.idle_switches_per_s
                )
            }),
        );
        out
    }
}

// ---------------------------------------------------------------------------------------------
// the report

#[derive(Default)]
struct Results {
    throughput: Option<anyhow::Result<Throughput>>,
    latency: Option<anyhow::Result<Latency>>,
    limits: Option<anyhow::Result<LimitsRun>>,
}

fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .unwrap_or_default()
        .lines()
        .find_map(|l| {
            l.strip_prefix("model name")
                .map(|v| v.trim_start_matches([' ', '\t', ':']).to_owned())
        })
        .unwrap_or_default();
    let mem = std::fs::read_to_string("/proc/meminfo")
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix("MemTotal:").map(|v| v.trim().to_owned()))
        .unwrap_or_default();
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let run = |cmd: &str, args: &[&str]| {
        Command::new(cmd)
            .args(args)
            .output()
            .ok()
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
            .unwrap_or_default()
    };
    let os = std::fs::read_to_string("/etc/os-release")
        .unwrap_or_default()
        .lines()
        .find_map(|l| {
            l.strip_prefix("PRETTY_NAME=")
                .map(|v| v.trim_matches('"').to_owned())
        })
        .unwrap_or_default();
    format!(
        "{cores} cores, {cpu}, {mem} RAM, {os}, Linux {}, {}",
        run("uname", &["-r"]),
        run("rustc", &["--version"])
    )
}

fn cell<T>(r: Option<&anyhow::Result<T>>, f: impl Fn(&T) -> String) -> String {
    match r {
        None => "—".into(),
        Some(Err(_)) => "failed".into(),
        Some(Ok(v)) => f(v),
    }
}

fn report(
    o: &Opts,
    results: &[(Backend, Results)],
    binary: u64,
    startups: &[(Backend, Vec<Duration>)],
) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "machine: {}", machine());
    let _ = writeln!(
        out,
        "command: cargo bench -p app --bench relay{}",
        if o.quick { " -- --quick" } else { "" }
    );
    let _ = writeln!(
        out,
        "scenarios: throughput {}×{}; latency {}/s for {} s over {} warm clients; limits: backlog of {}, returning clients at {:?} s, new at {:?} s\n",
        o.tp_clients,
        o.tp_messages,
        o.lat_rate,
        o.lat_secs,
        o.lat_clients,
        o.backlog,
        o.returning_at,
        o.new_at
    );
    let mut head = "| metric | target |".to_owned();
    let mut rule = "|---|---|".to_owned();
    for (b, _) in results {
        let _ = write!(head, " {} |", b.name());
        rule.push_str("---|");
    }
    let _ = writeln!(out, "{head}\n{rule}");
    type Row<'a> = (&'a str, &'a str, Box<dyn Fn(&Results) -> String + 'a>);
    let rows: Vec<Row> = vec![
        (
            "throughput: updates/s end to end (copies into topics)",
            "≥ 2,000 SQLite / ≥ 1,000 MariaDB",
            Box::new(|r| {
                cell(r.throughput.as_ref(), |t| {
                    format!(
                        "{:.0}{}",
                        t.rate(),
                        if t.complete {
                            String::new()
                        } else {
                            format!(" (incomplete: {}/{})", t.copied, t.updates)
                        }
                    )
                })
            }),
        ),
        (
            "throughput: group API calls/s (topic + card + copy)",
            "",
            Box::new(|r| {
                cell(r.throughput.as_ref(), |t| {
                    format!(
                        "{:.0} ({} calls: {} topics, {} cards, {} copies; +{} phone prompts)",
                        t.group_calls as f64 / t.secs.max(1e-9),
                        t.group_calls,
                        t.topics,
                        t.cards,
                        t.copied,
                        t.prompts
                    )
                })
            }),
        ),
        (
            "throughput: wall time for all updates",
            "",
            Box::new(|r| cell(r.throughput.as_ref(), |t| format!("{:.1} s", t.secs))),
        ),
        (
            "throughput: gap between consecutive group sends p50 / p99",
            "",
            Box::new(|r| {
                cell(r.throughput.as_ref(), |t| {
                    format!("{:.2} / {:.2} ms", ms(t.gap_p50), ms(t.gap_p99))
                })
            }),
        ),
        (
            "throughput: CPU used while it ran",
            "",
            Box::new(|r| cell(r.throughput.as_ref(), |t| t.cpu.show(t.wall))),
        ),
        (
            "latency getUpdates → copyMessage p50 / p90",
            "",
            Box::new(|r| {
                cell(r.latency.as_ref(), |l| {
                    format!("{:.1} / {:.1} ms", ms(l.p50), ms(l.p90))
                })
            }),
        ),
        (
            "latency p99 / max",
            "p99 ≤ 5 ms",
            Box::new(|r| {
                cell(r.latency.as_ref(), |l| {
                    format!(
                        "{:.1} / {:.1} ms ({} of {} measured)",
                        ms(l.p99),
                        ms(l.max),
                        l.measured,
                        l.sent
                    )
                })
            }),
        ),
        (
            "loopback HTTP round trip to the fake p50 / p99 (for scale)",
            "",
            Box::new(|r| {
                cell(r.latency.as_ref(), |l| {
                    format!("{:.2} / {:.2} ms", ms(l.rtt_p50), ms(l.rtt_p99))
                })
            }),
        ),
        (
            "latency: CPU used during the steady run",
            "",
            Box::new(|r| cell(r.latency.as_ref(), |l| l.cpu.show(l.wall))),
        ),
        (
            "limits: group sends/min over whole 20-send windows of the backlog",
            "≥ 95% of 20/min",
            Box::new(|r| {
                cell(r.limits.as_ref(), |l| {
                    format!(
                        "{:.2}/min = {:.1}% (per full minute: {:?}; {} sends in {:.0} s{})",
                        l.per_min,
                        l.per_min / 20.0 * 100.0,
                        l.minutes,
                        l.group_sends,
                        l.duration.as_secs_f64(),
                        if l.complete { "" } else { ", INCOMPLETE" }
                    )
                })
            }),
        ),
        (
            "limits: 429s received / sends inside a retry_after",
            "0 / 0",
            Box::new(|r| {
                cell(r.limits.as_ref(), |l| {
                    format!("{} / {}", l.rate_limited, l.violations)
                })
            }),
        ),
        (
            "limits: one-message clients' wait behind the backlog",
            "a few 3-s slots",
            Box::new(|r| {
                cell(r.limits.as_ref(), |l| {
                    l.waits
                        .iter()
                        .map(|(who, at, wait, ahead)| {
                            if *wait == Duration::MAX {
                                format!("{who} @{}s: not copied", at.as_secs())
                            } else {
                                format!(
                                    "{who} @{}s: {:.0} s = {:.1} slots ({} backlog copies first)",
                                    at.as_secs(),
                                    wait.as_secs_f64(),
                                    wait.as_secs_f64() / SLOT.as_secs_f64(),
                                    ahead
                                )
                            }
                        })
                        .collect::<Vec<_>>()
                        .join("; ")
                })
            }),
        ),
        (
            "start-up: spawn → first getUpdates, fresh DB (min / median / max)",
            "≤ 300 ms",
            Box::new(|_| String::new()),
        ),
        (
            "RSS idle (after start-up)",
            "≤ 20 MB",
            Box::new(|r| {
                let a = cell(r.throughput.as_ref(), |t| {
                    format!("{:.1} MiB", mib(t.rss_idle))
                });
                let b = cell(r.limits.as_ref(), |l| format!("{:.1} MiB", mib(l.rss_idle)));
                format!("{a} (fresh) / {b} (after warm-up)")
            }),
        ),
        (
            "peak RSS (VmHWM) under the limits burst",
            "≤ 40 MB",
            Box::new(|r| cell(r.limits.as_ref(), |l| format!("{:.1} MiB", mib(l.hwm_end)))),
        ),
        (
            "peak RSS (VmHWM) after the throughput run / latency run",
            "",
            Box::new(|r| {
                let a = cell(r.throughput.as_ref(), |t| format!("{:.1}", mib(t.hwm_end)));
                let b = cell(r.latency.as_ref(), |l| format!("{:.1}", mib(l.hwm_end)));
                format!("{a} / {b} MiB")
            }),
        ),
    ];
    for (name, target, f) in &rows {
        let mut line = format!("| {name} | {target} |");
        for (b, r) in results {
            let v = if name.starts_with("start-up") {
                let mut s = startups
                    .iter()
                    .find(|(x, _)| x == b)
                    .map(|(_, v)| v.clone())
                    .unwrap_or_default();
                s.sort();
                if s.is_empty() {
                    "—".into()
                } else {
                    format!(
                        "{:.0} / {:.0} / {:.0} ms ({} starts)",
                        ms(s[0]),
                        ms(s[s.len() / 2]),
                        ms(s[s.len() - 1]),
                        s.len()
                    )
                }
            } else {
                f(r)
            };
            let _ = write!(line, " {v} |");
        }
        let _ = writeln!(out, "{line}");
    }
    let _ = writeln!(
        out,
        "| release binary size | | {:.1} MiB ({} bytes) |",
        mib(binary / 1024),
        binary
    );
    for (b, r) in results {
        for (what, e) in [
            (
                "throughput",
                r.throughput.as_ref().and_then(|x| x.as_ref().err()),
            ),
            ("latency", r.latency.as_ref().and_then(|x| x.as_ref().err())),
            ("limits", r.limits.as_ref().and_then(|x| x.as_ref().err())),
        ] {
            if let Some(e) = e {
                let _ = writeln!(out, "\n{} {what} failed: {e:#}", b.name());
            }
        }
    }
    out
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let o = Opts::parse()?;
    let binary = std::fs::metadata(bot_path()).map(|m| m.len()).unwrap_or(0);
    eprintln!("relay bench: {}; bot {}", machine(), bot_path());
    let mut results: Vec<(Backend, Results)> = Vec::new();
    let mut startups: Vec<(Backend, Vec<Duration>)> = Vec::new();
    // The CPU-bound scenarios one at a time.
    for &b in &o.backends {
        let mut r = Results::default();
        let mut starts = Vec::new();
        if o.throughput {
            eprintln!(
                "{}: throughput {}×{} …",
                b.name(),
                o.tp_clients,
                o.tp_messages
            );
            let t = throughput(b, Burst::of(&o)).await;
            if let Ok(t) = &t {
                starts.push(t.startup);
                eprintln!(
                    "  {:.0} updates/s ({}/{} in {:.1} s)",
                    t.rate(),
                    t.copied,
                    t.updates,
                    t.secs
                );
            }
            r.throughput = Some(t);
        }
        if o.latency {
            eprintln!(
                "{}: latency {}/s for {} s …",
                b.name(),
                o.lat_rate,
                o.lat_secs
            );
            let l = latency(b, Steady::latency(&o)).await;
            if let Ok(l) = &l {
                starts.push(l.startup);
                eprintln!(
                    "  p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
                    ms(l.p50),
                    ms(l.p99),
                    ms(l.max)
                );
            }
            r.latency = Some(l);
        }
        // A few more fresh-database starts for the start-up figure.
        for _ in 0..if o.throughput || o.latency { 3 } else { 0 } {
            if let Ok(d) = startup_once(b).await {
                starts.push(d);
            }
        }
        results.push((b, r));
        startups.push((b, starts));
    }
    // The limits scenarios wait on Telegram's budget, not on the CPU: all backends at once.
    if o.limits {
        eprintln!(
            "limits: backlog {} + one-message clients (~{} min) …",
            o.backlog,
            (o.backlog + 30) * 3 / 60 + 1
        );
        let tasks: Vec<_> = o
            .backends
            .iter()
            .map(|&b| (b, tokio::spawn(under_limits(b, o.clone()))))
            .collect();
        for (b, t) in tasks {
            let l = t.await.map_err(anyhow::Error::from).and_then(|r| r);
            if let Some((_, r)) = results.iter_mut().find(|(x, _)| *x == b) {
                r.limits = Some(l);
            }
        }
    }
    if o.steady {
        for &b in &o.backends {
            eprintln!(
                "{}: a steady {}/s for {} s …",
                b.name(),
                o.steady_rate,
                o.steady_secs
            );
            match latency(b, Steady::day(&o)).await {
                Ok(l) => println!(
                    "{} steady day: {} messages; bot CPU {:.2} ms/message ({:.0} context switches), idle {:.1} ms/s ({:.0} switches/s); p50 {:.1} / p99 {:.1} ms",
                    b.name(),
                    l.messages,
                    l.cpu_per_message(),
                    l.switches_per_message(),
                    l.idle_cpu_ms_per_s,
                    l.idle_switches_per_s,
                    ms(l.p50),
                    ms(l.p99)
                ),
                Err(e) => println!("{} steady day failed: {e:#}", b.name()),
            }
        }
    }
    if o.backlog_only {
        for &b in &o.backends {
            for (n, r) in backlogs(b, &o).await {
                match r {
                    Ok(t) => println!("{} backlog of {n}: {}", b.name(), t.summary()),
                    Err(e) => println!("{} backlog of {n} failed: {e:#}", b.name()),
                }
            }
        }
    }
    if o.scale {
        let mut lines = Vec::new();
        for &b in &o.backends {
            let r = scale(b, &o).await;
            println!("{}", r.details(b));
            lines.push(r.summary(b));
        }
        for l in lines {
            println!("{l}");
        }
    }
    if !(o.throughput || o.latency || o.limits) {
        return Ok(());
    }
    println!("{}", report(&o, &results, binary, &startups));
    Ok(())
}

/// One start on a fresh database: spawn → first getUpdates.
async fn startup_once(b: Backend) -> anyhow::Result<Duration> {
    let tg = FakeTelegram::start(FakeConfig::default()).await?;
    let dir = std::env::temp_dir().join(unique("pp-bench-start"));
    std::fs::create_dir_all(&dir)?;
    let db = fresh_db(b, &dir).await?;
    let mut bot = spawn_bot(&tg, &db, &dir, true, "startup")?;
    let d = bot.started(&tg, 0).await;
    bot.stop().await?;
    tg.stop().await;
    drop_db(db).await;
    let _ = std::fs::remove_dir_all(&dir);
    d
}
