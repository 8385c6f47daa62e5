//! Configuration: built-in defaults < optional `config.toml` (path by `--config` or
//! `PARENTS_CONFIG`) < `.env` in the working directory < the environment. The original bot's
//! `.env` names are kept, so its `.env` works unchanged. Secrets never appear in `Debug`, in
//! configuration errors, or (through [`Settings::redact`]) in errors that libraries report.

use crate::http::ListenerLimits;
use adapters_enote::{EnoteConfig, EnoteConfigError};
use adapters_telegram::limiter::Limits;
use config::{Config as Layers, Environment, File, FileFormat};
use domain::ids::GroupId;
use domain::working_hours::{Schedule, WorkingHours, parse_time_zone};
use percent_encoding::{NON_ALPHANUMERIC, percent_decode_str, utf8_percent_encode};
use serde::Deserialize;
use std::collections::HashMap;
use std::fmt;
use std::net::{Ipv6Addr, SocketAddr};
use std::path::PathBuf;
use std::time::Duration;

/// The embedded default database.
pub const DEFAULT_DATABASE_URL: &str = "sqlite://parents.db?mode=rwc";

/// A value that must not be printed.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// The secret itself, for the one place that needs it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

/// Why the configuration cannot be used: one line naming the setting.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    /// A required setting is absent.
    #[error("{0} is not set (put it in .env or the environment)")]
    Missing(&'static str),
    /// A setting has a value that cannot be used.
    #[error("{name} is invalid: {reason}")]
    Invalid {
        /// The setting.
        name: &'static str,
        /// Why.
        reason: String,
    },
    /// `config.toml` could not be read.
    #[error("the configuration file cannot be read: {0}")]
    File(String),
}

fn invalid(name: &'static str, reason: impl Into<String>) -> ConfigError {
    ConfigError::Invalid {
        name,
        reason: reason.into(),
    }
}

/// Log output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    /// JSON lines (production).
    Json,
    /// Human-readable.
    Pretty,
}

/// Enote settings as given; `None` when Enote is not configured at all.
#[derive(Clone, PartialEq, Eq)]
pub struct EnoteSettings {
    /// `ENOTE_ODATA_URL`.
    pub odata_url: Option<String>,
    /// `ENOTE_ODATA_USER`.
    pub odata_user: Option<String>,
    /// `ENOTE_ODATA_PASS`.
    pub odata_pass: Option<Secret>,
    /// `ENOTE_API_URL`.
    pub api_url: Option<String>,
    /// `ENOTE_API_KEY`.
    pub api_key: Option<Secret>,
    /// `ENOTE_TIMEOUT`.
    pub timeout: Duration,
}

impl EnoteSettings {
    /// The Enote client's configuration: `None` when no `ENOTE_*` setting is given, an error
    /// naming what is missing when only some are.
    pub fn client_config(&self) -> Option<Result<EnoteConfig, EnoteConfigError>> {
        let parts = EnoteConfig::from_parts(
            self.odata_url.clone(),
            self.odata_user.clone(),
            self.odata_pass.as_ref().map(|s| s.expose().to_owned()),
            self.api_url.clone(),
            self.api_key.as_ref().map(|s| s.expose().to_owned()),
        );
        parts.map(|config| {
            config.map(|mut c| {
                c.timeout = self.timeout;
                c
            })
        })
    }
}

impl fmt::Debug for EnoteSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EnoteSettings")
            .field("odata_url", &self.odata_url)
            .field("odata_user", &self.odata_user)
            .field("odata_pass", &self.odata_pass)
            .field("api_url", &self.api_url)
            .field("api_key", &self.api_key)
            .field("timeout", &self.timeout)
            .finish()
    }
}

/// The validated configuration.
#[derive(Debug, Clone)]
pub struct Settings {
    /// `BOT_TOKEN`.
    pub bot_token: Secret,
    /// `BOT_USERNAME`.
    pub bot_username: Option<String>,
    /// `SUPPORT_GROUP_ID`.
    pub support_group: GroupId,
    /// `DATABASE_URL`, else built from `DB_*`, else the embedded SQLite file.
    pub database_url: Secret,
    /// Enote.
    pub enote: EnoteSettings,
    /// `TELEGRAM_API_URL`.
    pub telegram_api_url: String,
    /// `WEBHOOK_URL`.
    pub webhook_url: Option<String>,
    /// `WEBHOOK_SECRET`.
    pub webhook_secret: Option<Secret>,
    /// `LISTEN_ADDR`.
    pub listen_addr: SocketAddr,
    /// `LOG_DIR`.
    pub log_dir: PathBuf,
    /// `LOG_FORMAT`.
    pub log_format: LogFormat,
    /// `NOTE_PREFIX`.
    pub note_prefix: String,
    /// `LINK_TTL`.
    pub link_ttl: Duration,
    /// `PHONE_PROMPT_INTERVAL`.
    pub phone_prompt_interval: Duration,
    /// `TELEGRAM_RATE_GLOBAL` (sends/s), `TELEGRAM_RATE_PER_CHAT` (sends/s to one private
    /// chat), `TELEGRAM_RATE_PER_GROUP` (sends/min to the support group, all topics together).
    pub rate_limits: Limits,
    /// `LEASE_TTL`: how long the instance lease lasts unless renewed (a second instance on the
    /// same database takes over this long after the first one dies).
    pub lease_ttl: Duration,
    /// `LISTEN_HEADER_TIMEOUT`, `LISTEN_REQUEST_TIMEOUT`, `LISTEN_MAX_CONNECTIONS`: what the
    /// HTTP listener allows one client.
    pub listener: ListenerLimits,
    /// `WORKING_HOURS` in `TIMEZONE`: when the clinic answers (unset: always).
    pub schedule: Schedule,
    /// `FIRST_RESPONSE_TARGET`: how long a client may wait for a first answer, in working time,
    /// before the topic is reminded; `None` (`0`) turns reminders off.
    pub first_response_target: Option<Duration>,
    /// `AUTO_CLOSE_AFTER`: how long a client may stay silent after staff's last answer before
    /// the appeal closes by itself; `None` (`0`) turns auto-close off.
    pub auto_close_after: Option<Duration>,
    /// `REPORT_AT`: when the daily report is posted in General, in `TIMEZONE`; `None` (unset):
    /// no daily report.
    pub report_at: Option<chrono::NaiveTime>,
}

/// Every setting as text, as the layers give them.
#[derive(Debug, Default, Deserialize)]
struct Raw {
    bot_token: Option<String>,
    bot_username: Option<String>,
    support_group_id: Option<String>,
    db_host: Option<String>,
    db_port: Option<String>,
    db_user: Option<String>,
    db_password: Option<String>,
    db_name: Option<String>,
    database_url: Option<String>,
    enote_odata_url: Option<String>,
    enote_odata_user: Option<String>,
    enote_odata_pass: Option<String>,
    enote_api_url: Option<String>,
    enote_api_key: Option<String>,
    enote_timeout: Option<String>,
    telegram_api_url: Option<String>,
    webhook_url: Option<String>,
    webhook_secret: Option<String>,
    listen_addr: Option<String>,
    log_dir: Option<String>,
    log_format: Option<String>,
    note_prefix: Option<String>,
    link_ttl: Option<String>,
    phone_prompt_interval: Option<String>,
    telegram_rate_global: Option<String>,
    telegram_rate_per_chat: Option<String>,
    telegram_rate_per_group: Option<String>,
    lease_ttl: Option<String>,
    listen_header_timeout: Option<String>,
    listen_request_timeout: Option<String>,
    listen_max_connections: Option<String>,
    working_hours: Option<String>,
    timezone: Option<String>,
    first_response_target: Option<String>,
    auto_close_after: Option<String>,
    report_at: Option<String>,
}

/// The longest duration any setting takes: ten years. Longer ones are refused at start-up, so
/// that no later `now + duration` can overflow a timestamp.
pub const MAX_DURATION: Duration = Duration::from_secs(10 * 365 * 86_400);

/// Parses `20`, `20s`, `10m`, `24h`, `1d` (plain numbers are seconds), and `500ms`; at most
/// [`MAX_DURATION`].
pub fn parse_duration(raw: &str) -> Result<Duration, String> {
    let s = raw.trim();
    let split = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
    let (num, unit) = s.split_at(split);
    let n: u64 = num
        .parse()
        .map_err(|_| format!("{raw:?} is not a duration like 20, 20s, 10m or 24h"))?;
    let too_long = || format!("{raw:?} is longer than the 10 years a setting may take");
    let duration = match unit.trim() {
        "" | "s" => Duration::from_secs(n),
        "ms" => Duration::from_millis(n),
        "m" => Duration::from_secs(n.checked_mul(60).ok_or_else(too_long)?),
        "h" => Duration::from_secs(n.checked_mul(3600).ok_or_else(too_long)?),
        "d" => Duration::from_secs(n.checked_mul(86_400).ok_or_else(too_long)?),
        other => {
            return Err(format!(
                "unknown unit {other:?} in {raw:?} (use s, m, h or d)"
            ));
        }
    };
    if duration > MAX_DURATION {
        return Err(too_long());
    }
    Ok(duration)
}

/// How to write a database URL's special characters; said whenever a URL is refused, because
/// an unescaped character in the password is the usual cause.
const URL_ESCAPE_HINT: &str = "the URL is not shown as it may hold the password; in the user \
    name and password write # as %23, / as %2F, ? as %3F, @ as %40, : as %3A and % as %25";

/// Checks a database URL the way the driver will read it (the same `url` parser), so a URL the
/// driver cannot use is refused here, naming the setting — the driver's own error would quote
/// the whole URL, password included. The reason never contains any part of the URL.
fn check_database_url(url: &str) -> Result<(), String> {
    let mysql = url.starts_with("mysql:") || url.starts_with("mariadb:");
    if !mysql && !url.starts_with("sqlite:") {
        return Err(format!(
            "it must start with mysql://, mariadb:// or sqlite: ({URL_ESCAPE_HINT})"
        ));
    }
    let parsed = url::Url::parse(url).map_err(|e| format!("{e} ({URL_ESCAPE_HINT})"))?;
    if !mysql {
        // An SQLite URL names a file; it holds no credentials and the driver reports its own
        // problems (an unknown `?` option) without secrets.
        return Ok(());
    }
    if parsed.host_str().is_none_or(str::is_empty) {
        return Err(format!("it has no host ({URL_ESCAPE_HINT})"));
    }
    // These parse, but not as meant: the user info was cut short at an unescaped `/`, `?` or
    // `#`, and the rest became the host, port, path, query or fragment.
    if parsed.fragment().is_some() {
        return Err(format!("it contains an unescaped # ({URL_ESCAPE_HINT})"));
    }
    if url.contains('@') && parsed.username().is_empty() {
        return Err(format!(
            "the user name or password contains an unescaped /, ? or # ({URL_ESCAPE_HINT})"
        ));
    }
    if parsed.path().trim_start_matches('/').contains('/') {
        return Err(format!(
            "the database name contains a / ({URL_ESCAPE_HINT})"
        ));
    }
    Ok(())
}

/// Reads `REPORT_AT`: a time of day as `HH:MM` (24-hour clock).
fn parse_report_at(raw: &str) -> Result<chrono::NaiveTime, String> {
    chrono::NaiveTime::parse_from_str(raw.trim(), "%H:%M")
        .map_err(|_| format!("{raw:?} is not a time of day like 09:00 (HH:MM, 24-hour clock)"))
}

fn non_empty(v: Option<String>) -> Option<String> {
    v.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty())
}

impl Settings {
    /// Loads the layers: `config_file` (optional), then `.env` (already loaded into the
    /// environment by the caller), then `env` (the process environment when `None`).
    pub fn load(
        config_file: Option<PathBuf>,
        env: Option<HashMap<String, String>>,
    ) -> Result<Self, ConfigError> {
        let mut layers = Layers::builder();
        match config_file {
            Some(path) => {
                layers =
                    layers.add_source(File::from(path).format(FileFormat::Toml).required(true));
            }
            None => {
                layers = layers.add_source(
                    File::with_name("config")
                        .format(FileFormat::Toml)
                        .required(false),
                );
            }
        }
        layers = layers.add_source(Environment::default().source(env));
        let raw: Raw = layers
            .build()
            .and_then(|c| c.try_deserialize())
            .map_err(|e| ConfigError::File(e.to_string()))?;
        Self::from_raw(raw)
    }

    fn from_raw(r: Raw) -> Result<Self, ConfigError> {
        let bot_token = non_empty(r.bot_token).ok_or(ConfigError::Missing("BOT_TOKEN"))?;
        if !bot_token.contains(':') {
            return Err(invalid(
                "BOT_TOKEN",
                "a token looks like 123456789:AA… (from @BotFather)",
            ));
        }
        let group_raw =
            non_empty(r.support_group_id).ok_or(ConfigError::Missing("SUPPORT_GROUP_ID"))?;
        let group_num: i64 = group_raw
            .parse()
            .map_err(|_| invalid("SUPPORT_GROUP_ID", format!("{group_raw:?} is not a number")))?;
        let support_group =
            GroupId::new(group_num).map_err(|e| invalid("SUPPORT_GROUP_ID", e.to_string()))?;

        let database_url = match non_empty(r.database_url) {
            Some(url) => {
                check_database_url(&url).map_err(|e| invalid("DATABASE_URL", e))?;
                url
            }
            None => match non_empty(r.db_host) {
                Some(host) => {
                    let user = non_empty(r.db_user).ok_or(ConfigError::Missing("DB_USER"))?;
                    let name = non_empty(r.db_name).ok_or(ConfigError::Missing("DB_NAME"))?;
                    let port: u16 = match non_empty(r.db_port) {
                        Some(p) => p
                            .parse()
                            .map_err(|_| invalid("DB_PORT", format!("{p:?} is not a port")))?,
                        None => 3306,
                    };
                    // The driver percent-decodes the user, password and database name, so any
                    // character in them is fine once encoded.
                    let enc = |s: &str| utf8_percent_encode(s, NON_ALPHANUMERIC).to_string();
                    let auth = match r.db_password.filter(|p| !p.is_empty()) {
                        Some(p) => format!("{}:{}", enc(&user), enc(&p)),
                        None => enc(&user),
                    };
                    let host = match host.parse::<Ipv6Addr>() {
                        Ok(ip) => format!("[{ip}]"),
                        Err(_) => host,
                    };
                    let url = format!("mysql://{auth}@{host}:{port}/{}", enc(&name));
                    // Only the host can still break the URL; its reason quotes nothing.
                    check_database_url(&url).map_err(|_| {
                        invalid(
                            "DB_HOST",
                            "not a host name or IP address (no port, path or scheme: those \
                             are DB_PORT, DB_NAME and implied)",
                        )
                    })?;
                    url
                }
                None => DEFAULT_DATABASE_URL.to_owned(),
            },
        };

        let duration = |name: &'static str,
                        v: Option<String>,
                        default: u64|
         -> Result<Duration, ConfigError> {
            match non_empty(v) {
                Some(s) => parse_duration(&s).map_err(|e| invalid(name, e)),
                None => Ok(Duration::from_secs(default)),
            }
        };
        let time_zone = parse_time_zone(r.timezone.as_deref().unwrap_or(""))
            .map_err(|e| invalid("TIMEZONE", e.to_string()))?;
        let hours = match non_empty(r.working_hours) {
            Some(text) => {
                WorkingHours::parse(&text).map_err(|e| invalid("WORKING_HOURS", e.to_string()))?
            }
            None => WorkingHours::always(),
        };
        let schedule = Schedule::new(hours, time_zone);
        let listen_raw = non_empty(r.listen_addr).unwrap_or_else(|| "127.0.0.1:8080".into());
        let listen_addr = listen_raw.parse().map_err(|_| {
            invalid(
                "LISTEN_ADDR",
                format!("{listen_raw:?} is not host:port like 127.0.0.1:8080"),
            )
        })?;
        let log_format = match non_empty(r.log_format).as_deref() {
            None | Some("pretty") => LogFormat::Pretty,
            Some("json") => LogFormat::Json,
            Some(other) => {
                return Err(invalid(
                    "LOG_FORMAT",
                    format!("{other:?} is neither json nor pretty"),
                ));
            }
        };
        let telegram_api_url =
            non_empty(r.telegram_api_url).unwrap_or_else(|| "https://api.telegram.org".into());
        if !telegram_api_url.starts_with("http://") && !telegram_api_url.starts_with("https://") {
            return Err(invalid(
                "TELEGRAM_API_URL",
                "must start with http:// or https://",
            ));
        }
        let webhook_url = non_empty(r.webhook_url);
        let webhook_secret = non_empty(r.webhook_secret).map(Secret);
        if webhook_url.is_some() && webhook_secret.is_none() {
            return Err(ConfigError::Missing("WEBHOOK_SECRET"));
        }
        if let Some(secret) = &webhook_secret {
            // Telegram's own rule for `secret_token`; it refuses anything else at setWebhook.
            let ok = (1..=256).contains(&secret.0.len())
                && secret
                    .0
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
            if !ok {
                return Err(invalid(
                    "WEBHOOK_SECRET",
                    "use 1-256 characters from A-Z, a-z, 0-9, _ and -",
                ));
            }
        }
        if let Some(url) = &webhook_url
            && !url.starts_with("https://")
            && !url.starts_with("http://")
        {
            return Err(invalid(
                "WEBHOOK_URL",
                "must start with https:// (or http:// behind a local proxy)",
            ));
        }

        let rate = |name: &'static str, v: Option<String>, default: u32| match non_empty(v) {
            Some(s) => match s.parse::<u32>() {
                Ok(n) if n > 0 => Ok(n),
                _ => Err(invalid(
                    name,
                    format!("{s:?} is not a positive whole number"),
                )),
            },
            None => Ok(default),
        };
        let defaults = Limits::default();
        let rate_limits = Limits {
            global_per_sec: rate(
                "TELEGRAM_RATE_GLOBAL",
                r.telegram_rate_global,
                defaults.global_per_sec,
            )?,
            private_per_sec: rate(
                "TELEGRAM_RATE_PER_CHAT",
                r.telegram_rate_per_chat,
                defaults.private_per_sec,
            )?,
            group_per_min: rate(
                "TELEGRAM_RATE_PER_GROUP",
                r.telegram_rate_per_group,
                defaults.group_per_min,
            )?,
        };

        let lease_ttl = duration("LEASE_TTL", r.lease_ttl, 30)?;
        if lease_ttl < Duration::from_secs(3) {
            return Err(invalid("LEASE_TTL", "must be at least 3 seconds"));
        }

        let listen_defaults = ListenerLimits::default();
        let positive = |name: &'static str, v: Option<String>, default: Duration| {
            let d = match non_empty(v) {
                Some(s) => parse_duration(&s).map_err(|e| invalid(name, e))?,
                None => default,
            };
            if d.is_zero() {
                return Err(invalid(name, "must be more than 0"));
            }
            Ok(d)
        };
        let listener = ListenerLimits {
            header_timeout: positive(
                "LISTEN_HEADER_TIMEOUT",
                r.listen_header_timeout,
                listen_defaults.header_timeout,
            )?,
            request_timeout: positive(
                "LISTEN_REQUEST_TIMEOUT",
                r.listen_request_timeout,
                listen_defaults.request_timeout,
            )?,
            max_connections: rate(
                "LISTEN_MAX_CONNECTIONS",
                r.listen_max_connections,
                u32::try_from(listen_defaults.max_connections).unwrap_or(u32::MAX),
            )? as usize,
        };

        Ok(Self {
            lease_ttl,
            listener,
            rate_limits,
            bot_token: Secret(bot_token),
            bot_username: non_empty(r.bot_username).map(|u| u.trim_start_matches('@').to_owned()),
            support_group,
            database_url: Secret(database_url),
            enote: EnoteSettings {
                odata_url: non_empty(r.enote_odata_url),
                odata_user: non_empty(r.enote_odata_user),
                odata_pass: non_empty(r.enote_odata_pass).map(Secret),
                api_url: non_empty(r.enote_api_url),
                api_key: non_empty(r.enote_api_key).map(Secret),
                timeout: duration("ENOTE_TIMEOUT", r.enote_timeout, 20)?,
            },
            telegram_api_url,
            webhook_url,
            webhook_secret,
            listen_addr,
            log_dir: PathBuf::from(non_empty(r.log_dir).unwrap_or_else(|| "logs".into())),
            log_format,
            note_prefix: r
                .note_prefix
                .filter(|p| !p.trim().is_empty())
                .unwrap_or_else(|| "//".into()),
            link_ttl: duration("LINK_TTL", r.link_ttl, 600)?,
            phone_prompt_interval: duration(
                "PHONE_PROMPT_INTERVAL",
                r.phone_prompt_interval,
                86_400,
            )?,
            schedule,
            first_response_target: Some(duration(
                "FIRST_RESPONSE_TARGET",
                r.first_response_target,
                15 * 60,
            )?)
            .filter(|d| !d.is_zero()),
            report_at: match non_empty(r.report_at) {
                Some(t) => Some(parse_report_at(&t).map_err(|e| invalid("REPORT_AT", e))?),
                None => None,
            },
            auto_close_after: Some(duration("AUTO_CLOSE_AFTER", r.auto_close_after, 72 * 3600)?)
                .filter(|d| !d.is_zero()),
        })
    }

    /// Whether the database is the embedded SQLite file.
    pub fn is_sqlite(&self) -> bool {
        self.database_url.expose().starts_with("sqlite:")
    }

    /// `text` with every secret of these settings replaced by `<redacted>`: for texts that come
    /// back from libraries, which may quote what they were given (a driver quoting the database
    /// URL, an HTTP client its request URL with the token).
    pub fn redact(&self, text: &str) -> String {
        let mut secrets: Vec<String> = vec![
            self.database_url.expose().to_owned(),
            self.bot_token.expose().to_owned(),
        ];
        // The token's secret half, in case only that is quoted.
        if let Some((_, half)) = self.bot_token.expose().split_once(':') {
            secrets.push(half.to_owned());
        }
        if let Some(password) = url::Url::parse(self.database_url.expose())
            .ok()
            .and_then(|u| u.password().map(str::to_owned))
        {
            // As written in the URL, and as the driver decodes it.
            secrets.push(
                percent_decode_str(&password)
                    .decode_utf8_lossy()
                    .into_owned(),
            );
            secrets.push(password);
        }
        secrets.extend(
            [
                &self.webhook_secret,
                &self.enote.odata_pass,
                &self.enote.api_key,
            ]
            .into_iter()
            .flatten()
            .map(|s| s.expose().to_owned()),
        );
        // Longest first, so a URL goes whole before the password inside it. Values under three
        // characters are left: replacing every "a" would garble the text and hide nothing.
        secrets.retain(|s| s.chars().count() >= 3);
        secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
        let mut out = text.to_owned();
        for secret in &secrets {
            if out.contains(secret.as_str()) {
                out = out.replace(secret.as_str(), "<redacted>");
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(pairs: &[(&str, &str)]) -> Result<Settings, ConfigError> {
        let map = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        // No config.toml lives in the crate directory, so only `map` counts.
        Settings::load(None, Some(map))
    }

    const MIN: [(&str, &str); 2] = [
        ("BOT_TOKEN", "123456:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"),
        ("SUPPORT_GROUP_ID", "-1002992147362"),
    ];

    #[test]
    fn two_settings_are_enough_and_the_defaults_apply() {
        let s = load(&MIN).unwrap();
        assert_eq!(s.support_group.get(), -1002992147362);
        assert_eq!(s.database_url.expose(), DEFAULT_DATABASE_URL);
        assert_eq!(s.telegram_api_url, "https://api.telegram.org");
        assert_eq!(s.listen_addr, "127.0.0.1:8080".parse().unwrap());
        assert_eq!(s.note_prefix, "//");
        assert_eq!(s.link_ttl, Duration::from_secs(600));
        assert_eq!(s.phone_prompt_interval, Duration::from_secs(86_400));
        assert_eq!(s.enote.timeout, Duration::from_secs(20));
        assert_eq!(s.enote.odata_url, None);
        assert_eq!(s.rate_limits, Limits::default());
        assert_eq!(s.lease_ttl, Duration::from_secs(30));
    }

    #[test]
    fn telegram_rates_are_positive_numbers() {
        let s = load(&[MIN[0], MIN[1], ("TELEGRAM_RATE_PER_GROUP", "600")]).unwrap();
        assert_eq!(s.rate_limits.group_per_min, 600);
        assert_eq!(s.rate_limits.global_per_sec, 30);
        let err = load(&[MIN[0], MIN[1], ("TELEGRAM_RATE_GLOBAL", "0")]).unwrap_err();
        assert!(
            err.to_string()
                .starts_with("TELEGRAM_RATE_GLOBAL is invalid"),
            "{err}"
        );
    }

    #[test]
    fn missing_or_invalid_settings_are_named() {
        assert_eq!(
            load(&[MIN[1]]).unwrap_err(),
            ConfigError::Missing("BOT_TOKEN")
        );
        assert_eq!(
            load(&[MIN[0]]).unwrap_err(),
            ConfigError::Missing("SUPPORT_GROUP_ID")
        );
        let err = load(&[MIN[0], ("SUPPORT_GROUP_ID", "abc")]).unwrap_err();
        assert!(
            err.to_string().starts_with("SUPPORT_GROUP_ID is invalid"),
            "{err}"
        );
        let err = load(&[MIN[0], ("SUPPORT_GROUP_ID", "12345")]).unwrap_err();
        assert!(
            err.to_string().starts_with("SUPPORT_GROUP_ID is invalid"),
            "{err}"
        );
        let err = load(&[MIN[0], MIN[1], ("LINK_TTL", "ten minutes")]).unwrap_err();
        assert!(err.to_string().starts_with("LINK_TTL is invalid"), "{err}");
    }

    #[test]
    fn the_original_env_builds_a_mysql_url_with_escaped_credentials() {
        let s = load(&[
            MIN[0],
            MIN[1],
            ("DB_HOST", "127.0.0.1"),
            ("DB_PORT", "3306"),
            ("DB_USER", "pw_bot"),
            ("DB_PASSWORD", "p@ss:w/rd"),
            ("DB_NAME", "petwealth"),
        ])
        .unwrap();
        assert_eq!(
            s.database_url.expose(),
            "mysql://pw%5Fbot:p%40ss%3Aw%2Frd@127.0.0.1:3306/petwealth"
        );
        assert!(
            !format!("{s:?}").contains("p@ss"),
            "secrets are redacted in Debug"
        );
    }

    #[test]
    fn db_settings_with_any_character_reach_the_driver_intact() {
        use sea_orm::sqlx::mysql::MySqlConnectOptions;
        use std::str::FromStr;
        let password = "p#ss/w?rd@:% ü";
        let s = load(&[
            MIN[0],
            MIN[1],
            ("DB_HOST", "db.example"),
            ("DB_USER", "pw#bot"),
            ("DB_PASSWORD", password),
            ("DB_NAME", "pet/wealth"),
        ])
        .unwrap();
        let url = s.database_url.expose();
        let opts = MySqlConnectOptions::from_str(url).expect("the driver reads it");
        assert_eq!(opts.get_host(), "db.example");
        assert_eq!(opts.get_port(), 3306);
        assert_eq!(opts.get_username(), "pw#bot");
        assert_eq!(opts.get_database(), Some("pet/wealth"));
        let parsed = url::Url::parse(url).unwrap();
        let decoded = percent_decode_str(parsed.password().unwrap()).decode_utf8_lossy();
        assert_eq!(decoded, password);

        let s = load(&[
            MIN[0],
            MIN[1],
            ("DB_HOST", "::1"),
            ("DB_USER", "u"),
            ("DB_NAME", "d"),
        ])
        .unwrap();
        assert_eq!(s.database_url.expose(), "mysql://u@[::1]:3306/d");
        let err = load(&[
            MIN[0],
            MIN[1],
            ("DB_HOST", "db.example:3306"),
            ("DB_USER", "u"),
            ("DB_PASSWORD", "Zirka-Secret-42"),
            ("DB_NAME", "d"),
        ])
        .unwrap_err();
        assert!(err.to_string().starts_with("DB_HOST is invalid"), "{err}");
        assert!(!err.to_string().contains("Zirka"), "{err}");
    }

    #[test]
    fn a_database_url_the_driver_cannot_read_is_named_and_never_echoed() {
        for url in [
            "mysql://pw_bot:Zirka#Secret42@127.0.0.1:3306/petwealth",
            "mysql://pw_bot:42#ZirkaSecret@127.0.0.1:3306/petwealth",
            "mysql://pw_bot:Zirka/Secret42@127.0.0.1:3306/petwealth",
            "mysql://pw_bot:42/ZirkaSecret@127.0.0.1:3306/petwealth",
            "mysql://pw_bot:Zirka?Secret42@127.0.0.1:3306/petwealth",
            "mysql://pw_bot:42?ZirkaSecret@127.0.0.1:3306/petwealth",
            "mysql://pw_bot:ZirkaSecret42@127.0.0.1:99999/petwealth",
            "mysql://pw_bot:ZirkaSecret42@127.0.0.1:abc/petwealth",
            "mysql://pw_bot:ZirkaSecret42@/petwealth",
            "postgres://pw_bot:ZirkaSecret42@127.0.0.1/petwealth",
            "pw_bot:ZirkaSecret42@127.0.0.1/petwealth",
        ] {
            let err = load(&[MIN[0], MIN[1], ("DATABASE_URL", url)]).unwrap_err();
            let text = err.to_string();
            assert!(
                text.starts_with("DATABASE_URL is invalid: "),
                "{url}: {text}"
            );
            assert!(!text.contains("Zirka"), "{url}: {text}");
            assert!(!text.contains("Secret"), "{url}: {text}");
            assert!(text.contains("%23"), "the hint says how to escape: {text}");
        }
    }

    #[test]
    fn every_database_url_accepted_is_one_the_driver_reads() {
        use sea_orm::sqlx::mysql::MySqlConnectOptions;
        use sea_orm::sqlx::sqlite::SqliteConnectOptions;
        use std::str::FromStr;
        for url in [
            "mysql://pw_bot:p%23ss%2Fw%3Frd@127.0.0.1:3306/petwealth",
            "mysql://pw_bot@db.example/petwealth",
            "mariadb://pw_bot:pass@db.example:3307/petwealth?ssl-mode=required",
            "mysql://user:p@ss@db.example/petwealth",
        ] {
            let s = load(&[MIN[0], MIN[1], ("DATABASE_URL", url)])
                .unwrap_or_else(|e| panic!("{url}: {e}"));
            let url = s.database_url.expose().replacen("mariadb:", "mysql:", 1);
            MySqlConnectOptions::from_str(&url).unwrap_or_else(|e| panic!("{url}: {e}"));
        }
        for url in [
            DEFAULT_DATABASE_URL,
            "sqlite:///var/lib/parents-bot/parents.db?mode=rwc",
            "sqlite:state/parents.db",
        ] {
            load(&[MIN[0], MIN[1], ("DATABASE_URL", url)]).unwrap_or_else(|e| panic!("{url}: {e}"));
            SqliteConnectOptions::from_str(url).unwrap_or_else(|e| panic!("{url}: {e}"));
        }
    }

    #[test]
    fn redact_removes_every_secret_in_every_form() {
        let s = load(&[
            MIN[0],
            MIN[1],
            (
                "DATABASE_URL",
                "mysql://pw_bot:Zirka%23Secret@db.example/petwealth",
            ),
            ("WEBHOOK_URL", "https://bot.example/tg"),
            ("WEBHOOK_SECRET", "hook-Secret-77"),
        ])
        .unwrap();
        let text = format!(
            "connection string 'mysql://pw_bot:Zirka%23Secret@db.example/petwealth'; \
             password Zirka#Secret or Zirka%23Secret; token {}; half {}; hook hook-Secret-77",
            MIN[0].1,
            MIN[0].1.split_once(':').unwrap().1
        );
        let clean = s.redact(&text);
        for secret in ["Zirka", "hook-Secret", "AAAAAAAA", "pw_bot:"] {
            assert!(!clean.contains(secret), "{secret} in {clean}");
        }
        assert!(
            clean.starts_with("connection string '<redacted>'"),
            "{clean}"
        );
        assert_eq!(s.redact("nothing secret here"), "nothing secret here");
    }

    #[test]
    fn listener_limits_have_defaults_and_take_milliseconds() {
        let s = load(&MIN).unwrap();
        assert_eq!(s.listener, ListenerLimits::default());
        let s = load(&[
            MIN[0],
            MIN[1],
            ("LISTEN_HEADER_TIMEOUT", "300ms"),
            ("LISTEN_REQUEST_TIMEOUT", "2s"),
            ("LISTEN_MAX_CONNECTIONS", "8"),
        ])
        .unwrap();
        assert_eq!(s.listener.header_timeout, Duration::from_millis(300));
        assert_eq!(s.listener.request_timeout, Duration::from_secs(2));
        assert_eq!(s.listener.max_connections, 8);
        for (name, value) in [
            ("LISTEN_HEADER_TIMEOUT", "0"),
            ("LISTEN_REQUEST_TIMEOUT", "soon"),
            ("LISTEN_MAX_CONNECTIONS", "0"),
        ] {
            let err = load(&[MIN[0], MIN[1], (name, value)]).unwrap_err();
            assert!(
                err.to_string().starts_with(&format!("{name} is invalid")),
                "{err}"
            );
        }
    }

    #[test]
    fn database_url_wins_over_db_settings() {
        let s = load(&[
            MIN[0],
            MIN[1],
            ("DATABASE_URL", "mysql://x@db/y"),
            ("DB_HOST", "ignored"),
        ])
        .unwrap();
        assert_eq!(s.database_url.expose(), "mysql://x@db/y");
    }

    #[test]
    fn durations() {
        for (raw, secs) in [
            ("20", 20),
            ("20s", 20),
            ("10m", 600),
            ("24h", 86_400),
            ("1d", 86_400),
        ] {
            assert_eq!(parse_duration(raw), Ok(Duration::from_secs(secs)), "{raw}");
        }
        assert!(parse_duration("m").is_err());
        assert!(parse_duration("5y").is_err());
    }

    #[test]
    fn the_help_desk_settings_have_defaults_and_bad_ones_are_named() {
        let s = load(&MIN).unwrap();
        assert_eq!(s.first_response_target, Some(Duration::from_secs(900)));
        assert_eq!(s.auto_close_after, Some(Duration::from_secs(72 * 3600)));
        assert_eq!(s.report_at, None);
        assert_eq!(
            load(&[MIN[0], MIN[1], ("REPORT_AT", " 09:30 ")])
                .unwrap()
                .report_at,
            chrono::NaiveTime::from_hms_opt(9, 30, 0)
        );
        assert!(s.schedule.hours().is_always());
        assert_eq!(
            s.schedule.time_zone(),
            domain::working_hours::DEFAULT_TIME_ZONE
        );
        let s = load(&[
            MIN[0],
            MIN[1],
            ("FIRST_RESPONSE_TARGET", "0"),
            ("AUTO_CLOSE_AFTER", "0"),
            ("WORKING_HOURS", "mon-fri 09:00-20:00, sat 10:00-16:00"),
            ("TIMEZONE", "Europe/Warsaw"),
        ])
        .unwrap();
        assert_eq!(s.first_response_target, None);
        assert_eq!(s.auto_close_after, None);
        assert_eq!(
            load(&[MIN[0], MIN[1], ("AUTO_CLOSE_AFTER", "3s")])
                .unwrap()
                .auto_close_after,
            Some(Duration::from_secs(3))
        );
        assert!(!s.schedule.hours().is_always());
        assert_eq!(
            s.schedule.time_zone(),
            parse_time_zone("Europe/Warsaw").unwrap()
        );
        for (key, value) in [
            ("WORKING_HOURS", "mnn 09:00-18:00"),
            ("WORKING_HOURS", "mon 25:00-26:00"),
            ("TIMEZONE", "Europe/Atlantis"),
            ("FIRST_RESPONSE_TARGET", "soon"),
            ("AUTO_CLOSE_AFTER", "3 days"),
            ("AUTO_CLOSE_AFTER", "99999999999h"),
            ("REPORT_AT", "9am"),
            ("REPORT_AT", "25:00"),
        ] {
            let err = load(&[MIN[0], MIN[1], (key, value)]).unwrap_err();
            assert!(err.to_string().contains(key), "{key}={value}: {err}");
        }
    }

    #[test]
    fn a_huge_duration_is_refused_naming_its_setting_not_overflowed() {
        for raw in [
            "18446744073709551615h",
            "99999999999999999d",
            "315360001",
            "5256001m",
        ] {
            let err = parse_duration(raw).unwrap_err();
            assert!(err.contains("10 years"), "{raw}: {err}");
        }
        assert_eq!(parse_duration("3650d"), Ok(MAX_DURATION));
        let err = load(&[MIN[0], MIN[1], ("LINK_TTL", "99999999999999999999h")]).unwrap_err();
        assert!(err.to_string().contains("LINK_TTL"), "{err}");
        let err = load(&[
            MIN[0],
            MIN[1],
            ("PHONE_PROMPT_INTERVAL", "100000000000000d"),
        ])
        .unwrap_err();
        assert!(err.to_string().contains("PHONE_PROMPT_INTERVAL"), "{err}");
    }

    #[test]
    fn a_webhook_needs_its_secret() {
        let err = load(&[MIN[0], MIN[1], ("WEBHOOK_URL", "https://bot.example/tg")]).unwrap_err();
        assert_eq!(err, ConfigError::Missing("WEBHOOK_SECRET"));
        let err = load(&[
            MIN[0],
            MIN[1],
            ("WEBHOOK_URL", "https://bot.example/tg"),
            ("WEBHOOK_SECRET", "секрет"),
        ])
        .unwrap_err();
        assert!(
            err.to_string().starts_with("WEBHOOK_SECRET is invalid"),
            "{err}"
        );
        let ok = load(&[
            MIN[0],
            MIN[1],
            ("WEBHOOK_URL", "https://bot.example/tg"),
            ("WEBHOOK_SECRET", "s3cret_Value-42"),
        ]);
        assert!(ok.is_ok());
    }

    #[test]
    fn a_config_file_is_a_lower_layer() {
        let dir = std::env::temp_dir().join(format!("parents-cfg-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("config.toml");
        std::fs::write(
            &path,
            "note_prefix = \"##\"\nlink_ttl = \"5m\"\nsupport_group_id = \"-100777\"\n",
        )
        .unwrap();
        let env: HashMap<String, String> = [MIN[0], ("SUPPORT_GROUP_ID", "-100888")]
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let s = Settings::load(Some(path), Some(env)).unwrap();
        assert_eq!(s.note_prefix, "##");
        assert_eq!(s.link_ttl, Duration::from_secs(300));
        assert_eq!(
            s.support_group.get(),
            -100888,
            "the environment wins over the file"
        );
    }
}
