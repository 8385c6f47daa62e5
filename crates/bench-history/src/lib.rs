//! Years of a clinic's history, loaded straight into a migrated database with a handful of
//! set-based SQL statements (not through the bot), so the benchmarks can measure the bot and its
//! reports on tables the size a clinic reaches, not on empty ones.
//!
//! What [`History::year`] holds, spread evenly over the year before [`History::end`]:
//! - 100,000 clients, each with a topic in the support group and a closed appeal;
//! - 1,000,000 relayed messages, ten an appeal a minute apart, every other one a staff answer
//!   from one of ten staff members, each with its copy mapping (the private message's id and its
//!   copy's id in the group);
//! - 200,000 audit rows (an assignment and a close for every appeal), a rating on every third;
//! - the last six days of handled updates and the last week of delivered outbox entries, as the
//!   hourly housekeeping leaves them.
//!
//! Ids are chosen so they never meet the ones a benchmark's fake Telegram hands out: history
//! clients are `5,000,000 + n`, their topics `10,000,000 + n`, group copies `20,000,000 + k`,
//! handled update ids below the fake's first one.

use chrono::{DateTime, Duration, TimeZone, Utc};
use sea_orm::{ConnectionTrait, DatabaseBackend, DbErr, Statement};

/// How much history to load.
#[derive(Debug, Clone, Copy)]
pub struct History {
    /// Clients, one closed appeal each (a multiple of 1,000).
    pub appeals: u64,
    /// Messages per appeal (at most 1,000).
    pub messages_per_appeal: u64,
    /// Handled updates still in the inbox (a multiple of 1,000).
    pub inbox: u64,
    /// Delivered entries still in the outbox (a multiple of 1,000).
    pub outbox: u64,
    /// The support group the topics live in.
    pub group_id: i64,
}

impl History {
    /// A year of a busy clinic.
    pub fn year(group_id: i64) -> Self {
        Self {
            appeals: 100_000,
            messages_per_appeal: 10,
            inbox: 20_000,
            outbox: 30_000,
            group_id,
        }
    }

    /// A tenth of [`History::year`], for quick runs.
    pub fn quick(group_id: i64) -> Self {
        Self {
            appeals: 10_000,
            inbox: 2_000,
            outbox: 3_000,
            ..Self::year(group_id)
        }
    }

    /// Relayed messages in all.
    pub fn messages(&self) -> u64 {
        self.appeals * self.messages_per_appeal
    }

    /// Audit rows in all.
    pub fn audit_rows(&self) -> u64 {
        self.appeals * 2
    }

    /// The end of the history (the benchmarks' "now" for reports).
    pub fn end() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, 1, 9, 0, 0).unwrap()
    }

    /// Loads the history into `db`, whose schema must be migrated and whose history tables must
    /// be empty; refreshes the planner's statistics after.
    pub async fn load(&self, db: &impl ConnectionTrait) -> Result<(), DbErr> {
        assert!(
            self.appeals.is_multiple_of(1000) && self.appeals > 0,
            "appeals: a multiple of 1,000"
        );
        assert!((1..=1000).contains(&self.messages_per_appeal));
        assert!(self.inbox.is_multiple_of(1000) && self.outbox.is_multiple_of(1000));
        let backend = db.get_database_backend();
        let sql = Sql { backend };
        let exec = |text: String| async move {
            db.execute_raw(Statement::from_string(backend, text.clone()))
                .await
                .map_err(|e| DbErr::Custom(format!("{e}\n{text}")))
        };
        // A 1,000-row table of numbers, crossed with itself for up to 1,000,000 rows.
        exec("CREATE TABLE bench_seq (n BIGINT PRIMARY KEY)".into()).await?;
        exec("INSERT INTO bench_seq (n) WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s WHERE n < 1000) SELECT n FROM s".into()).await?;
        let rows = |count: u64| {
            format!(
                "FROM bench_seq a, bench_seq b WHERE a.n <= {}",
                count / 1000
            )
        };
        // i: 1..=appeals; an appeal every `step` seconds over the year: opened, answered 10 min
        // later, closed an hour later.
        let i = "((a.n - 1) * 1000 + b.n)";
        let step = 365 * 86_400 / self.appeals;
        let opened = sql.at(&format!("{i} * {step}"));
        let answered = sql.at(&format!("{i} * {step} + 600"));
        let closed = sql.at(&format!("{i} * {step} + 3600"));
        let group = self.group_id;
        exec(format!(
            "INSERT INTO pp_clients (telegram_id, username, first_name, last_name, phone, \
             phone_confirmed, label, total_closed, created_at, updated_at, last_phone_prompt_at, \
             owner_ref_key, owner_name_enote, owner_phone_enote, linked_contract_number, linked_by, \
             linked_at, thread_id, blocked, topic_group_id) \
             SELECT 5000000 + {i}, {username}, 'Client', NULL, {phone}, 1, {label}, 1, {opened}, \
             {closed}, NULL, NULL, NULL, NULL, NULL, NULL, NULL, 10000000 + {i}, {no}, {group} {rows}",
            username = sql.concat("'client_'", i),
            phone = sql.concat("'+380'", &format!("(500000000 + {i})")),
            label = sql.concat("'Client '", i),
            no = sql.boolean(false),
            rows = rows(self.appeals),
        ))
        .await?;
        exec(format!(
            "INSERT INTO tickets (id, thread_id, chat_id, client_user_id, status, label, assigned_to, \
             created_at, updated_at, closed_at, first_response_at, open_client_id, waiting_since, \
             last_client_message_at, last_staff_message_at, taken_via, reminders_sent, rating, rated_at) \
             SELECT {i}, 10000000 + {i}, {group}, 5000000 + {i}, 'closed', {label}, {assignee}, \
             {opened}, {closed}, {closed}, {answered}, NULL, NULL, {opened}, {answered}, 'button', 0, \
             CASE WHEN {i} % 3 = 0 THEN {i} % 5 + 1 ELSE NULL END, \
             CASE WHEN {i} % 3 = 0 THEN {closed} ELSE NULL END {rows}",
            label = sql.concat("'Client '", i),
            assignee = sql.concat("'@staff_'", &format!("{i} % 10")),
            rows = rows(self.appeals),
        ))
        .await?;
        // k: 0..messages; message `nth` of appeal `ticket`, a minute apart.
        let k = "((a.n - 1) * 1000 + b.n - 1)";
        let ticket = format!("({k} % {} + 1)", self.appeals);
        let nth = format!("({k} / {})", self.appeals);
        let at = sql.at(&format!("{ticket} * {step} + {nth} * 60"));
        exec(format!(
            "INSERT INTO messages (ticket_id, direction, telegram_message_id, text, media, created_at, \
             client_user_id, client_message_id, group_message_id, staff_id) \
             SELECT {ticket}, CASE WHEN {nth} % 2 = 0 THEN 'client_to_staff' ELSE 'staff_to_client' END, \
             {k}, 'text', 'text', {at}, 5000000 + {ticket}, {k}, 20000000 + {k}, \
             CASE WHEN {nth} % 2 = 0 THEN NULL ELSE 600 + {ticket} % 10 END {rows}",
            rows = rows(self.messages()),
        ))
        .await?;
        for (action, when) in [("assign", &answered), ("close", &closed)] {
            exec(format!(
                "INSERT INTO audit_log (actor_id, action, client_user_id, detail, created_at) \
                 SELECT 600 + {i} % 10, '{action}', 5000000 + {i}, 'ticket', {when} {rows}",
                rows = rows(self.appeals),
            ))
            .await?;
        }
        // The housekeeping's leftovers: six days of handled updates, a week of delivered sends.
        let recent = |days: i64, count: u64, n: &str| {
            let span = days * 86_400 / count as i64;
            sql.at(&format!("{} + {n} * {span}", 365 * 86_400 - days * 86_400))
        };
        exec(format!(
            "INSERT INTO update_inbox (update_id, chat_id, payload, handled, handled_at, received_at) \
             SELECT 100000000 + {i}, 5000000 + {i}, {payload}, {yes}, {at}, {at} {rows}",
            payload = sql.concat(
                "'{\"update_id\":'",
                &sql.concat(&format!("(100000000 + {i})"), "',\"message\":{\"message_id\":1,\"date\":1764579600,\"chat\":{\"id\":5000001,\"type\":\"private\"},\"text\":\"hello\"}}'"),
            ),
            yes = sql.boolean(true),
            at = recent(6, self.inbox, i),
            rows = rows(self.inbox),
        ))
        .await?;
        exec(format!(
            "INSERT INTO outbox (destination, action, attempts, not_before, last_error, status, \
             created_at, finished_at) \
             SELECT {group}, {action}, 1, NULL, NULL, 'done', {at}, {at} {rows}",
            action = sql.concat(
                "'{\"ClientMessageToTopic\":{\"client\":'",
                &sql.concat(
                    &format!("(5000000 + {i})"),
                    "',\"message\":1,\"reply_to\":null}}'"
                ),
            ),
            at = recent(7, self.outbox, i),
            rows = rows(self.outbox),
        ))
        .await?;
        exec("DROP TABLE bench_seq".into()).await?;
        match backend {
            DatabaseBackend::Sqlite => exec("ANALYZE".into()).await?,
            _ => {
                exec(
                    "ANALYZE TABLE pp_clients, tickets, messages, audit_log, update_inbox, outbox"
                        .into(),
                )
                .await?
            }
        };
        Ok(())
    }
}

/// Spelling differences between the backends.
struct Sql {
    backend: DatabaseBackend,
}

impl Sql {
    /// The instant `seconds` (an SQL expression) after the history's start.
    fn at(&self, seconds: &str) -> String {
        let start = (History::end() - Duration::days(365)).format("%Y-%m-%d %H:%M:%S");
        match self.backend {
            DatabaseBackend::Sqlite => {
                format!("datetime('{start}', '+' || ({seconds}) || ' seconds')")
            }
            _ => format!("DATE_ADD('{start}', INTERVAL ({seconds}) SECOND)"),
        }
    }

    fn concat(&self, a: &str, b: &str) -> String {
        match self.backend {
            DatabaseBackend::Sqlite => format!("{a} || {b}"),
            _ => format!("CONCAT({a}, {b})"),
        }
    }

    fn boolean(&self, v: bool) -> &'static str {
        match (self.backend, v) {
            (DatabaseBackend::Sqlite, true) => "1",
            (DatabaseBackend::Sqlite, false) => "0",
            (_, true) => "TRUE",
            (_, false) => "FALSE",
        }
    }
}
