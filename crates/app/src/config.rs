//! Configuration (SPEC §9): built-in defaults < optional `config.toml` (path by `--config` or
//! `PARENTS_CONFIG`) < `.env` in the working directory < the environment. The original bot's
//! `.env` names are kept, so its `.env` works unchanged. Secrets never appear in `Debug`.

use adapters_telegram::limiter::Limits;
use config::{Config as Layers, Environment, File, FileFormat};
use domain::ids::GroupId;
use percent_encoding::{NON_ALPHANUMERIC, utf8_percent_encode};
use serde::Deserialize;
use std::collections::HashMap;
use std::fmt;
use std::net::SocketAddr;
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
}

/// Parses `20`, `20s`, `10m`, `24h`, `1d` (plain numbers are seconds).
pub fn parse_duration(raw: &str) -> Result<Duration, String> {
    let s = raw.trim();
    let split = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
    let (num, unit) = s.split_at(split);
    let n: u64 = num
        .parse()
        .map_err(|_| format!("{raw:?} is not a duration like 20, 20s, 10m or 24h"))?;
    let secs = match unit.trim() {
        "" | "s" => n,
        "m" => n * 60,
        "h" => n * 3600,
        "d" => n * 86_400,
        other => {
            return Err(format!(
                "unknown unit {other:?} in {raw:?} (use s, m, h or d)"
            ));
        }
    };
    Ok(Duration::from_secs(secs))
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
            Some(url) => url,
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
                    let enc = |s: &str| utf8_percent_encode(s, NON_ALPHANUMERIC).to_string();
                    let auth = match r.db_password.filter(|p| !p.is_empty()) {
                        Some(p) => format!("{}:{}", enc(&user), enc(&p)),
                        None => enc(&user),
                    };
                    format!("mysql://{auth}@{host}:{port}/{}", enc(&name))
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

        Ok(Self {
            lease_ttl,
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
        })
    }

    /// Whether the database is the embedded SQLite file.
    pub fn is_sqlite(&self) -> bool {
        self.database_url.expose().starts_with("sqlite:")
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
