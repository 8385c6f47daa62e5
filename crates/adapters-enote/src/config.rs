//! The Enote settings: five `ENOTE_*` values that come all together or not at all, plus the
//! timeout and retry policy.

use std::fmt;
use std::time::Duration;

/// Per-request timeout when `ENOTE_TIMEOUT` is not set (15–25 s suits a 1C base).
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(20);
/// Retries after the first attempt: one or two are enough for a 1C base (more only piles load on
/// a struggling server); more is clamped to this.
pub const MAX_RETRIES: u32 = 2;
/// The wait before the first retry; the n-th retry waits n times this.
pub const DEFAULT_RETRY_BACKOFF: Duration = Duration::from_millis(500);

/// How to reach Enote. The password and the API key never appear in `Debug`.
#[derive(Clone, PartialEq, Eq)]
pub struct EnoteConfig {
    /// `ENOTE_ODATA_URL`, e.g. `https://host/base/odata/standard.odata`.
    pub odata_url: String,
    /// `ENOTE_ODATA_USER`: the 1C user for basic auth.
    pub odata_user: String,
    /// `ENOTE_ODATA_PASS` (secret).
    pub odata_pass: String,
    /// `ENOTE_API_URL`, e.g. `https://host/base/hs/api/v2`.
    pub api_url: String,
    /// `ENOTE_API_KEY` (secret), sent as the `apikey` header.
    pub api_key: String,
    /// Timeout of one attempt, connection and body included (`ENOTE_TIMEOUT`).
    pub timeout: Duration,
    /// Retries after a timeout, a connection failure or a 5xx (at most [`MAX_RETRIES`]).
    pub max_retries: u32,
    /// Wait before the first retry; the second waits twice as long.
    pub retry_backoff: Duration,
}

/// Some `ENOTE_*` settings are set and others are not.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EnoteConfigError {
    /// The settings that are missing, by their environment names.
    #[error(
        "Enote is configured only in part: {} missing (set all five ENOTE_* settings, or none to run without Enote)",
        .0.join(", ")
    )]
    Missing(Vec<&'static str>),
}

/// Why [`EnoteDirectory::new`](crate::EnoteDirectory::new) refused a configuration. The texts
/// name settings, never their secret values.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EnoteSetupError {
    /// Not an `http(s)://` URL usable as a base.
    #[error("{setting} is not a usable http(s) URL: {reason}")]
    InvalidUrl {
        /// `ENOTE_ODATA_URL` or `ENOTE_API_URL`.
        setting: &'static str,
        /// What is wrong with it.
        reason: String,
    },
    /// `https://user:pass@host/…`: credentials belong in their own settings, where they are
    /// kept out of logs.
    #[error(
        "{setting} must not contain a user name or password; use ENOTE_ODATA_USER / ENOTE_ODATA_PASS"
    )]
    CredentialsInUrl {
        /// `ENOTE_ODATA_URL` or `ENOTE_API_URL`.
        setting: &'static str,
    },
    /// A value that cannot travel in an HTTP header (line breaks, control characters, or a `:` in
    /// the basic-auth user name).
    #[error("{setting} contains characters that cannot be sent over HTTP")]
    InvalidCredential {
        /// The setting's name.
        setting: &'static str,
    },
    /// `ENOTE_TIMEOUT` of zero would fail every request.
    #[error("ENOTE_TIMEOUT must be greater than zero")]
    ZeroTimeout,
    /// reqwest could not build a client (TLS setup).
    #[error("cannot build the HTTP client: {0}")]
    Client(String),
}

impl EnoteConfig {
    /// A configuration with the default timeout and retry policy.
    pub fn new(
        odata_url: impl Into<String>,
        odata_user: impl Into<String>,
        odata_pass: impl Into<String>,
        api_url: impl Into<String>,
        api_key: impl Into<String>,
    ) -> Self {
        Self {
            odata_url: odata_url.into(),
            odata_user: odata_user.into(),
            odata_pass: odata_pass.into(),
            api_url: api_url.into(),
            api_key: api_key.into(),
            timeout: DEFAULT_TIMEOUT,
            max_retries: MAX_RETRIES,
            retry_backoff: DEFAULT_RETRY_BACKOFF,
        }
    }

    /// From the five settings as read: `None` when none is set (the bot runs without Enote),
    /// an error naming the missing ones when only some are. Blank values count as unset.
    pub fn from_parts(
        odata_url: Option<String>,
        odata_user: Option<String>,
        odata_pass: Option<String>,
        api_url: Option<String>,
        api_key: Option<String>,
    ) -> Option<Result<EnoteConfig, EnoteConfigError>> {
        let parts = [
            ("ENOTE_ODATA_URL", odata_url),
            ("ENOTE_ODATA_USER", odata_user),
            ("ENOTE_ODATA_PASS", odata_pass),
            ("ENOTE_API_URL", api_url),
            ("ENOTE_API_KEY", api_key),
        ]
        .map(|(name, value)| {
            // URLs and the user name may carry stray blanks from a .env file; secrets are kept
            // as typed, except that an all-blank value is no value.
            (name, value.filter(|v| !v.trim().is_empty()))
        });
        let missing: Vec<&'static str> = parts
            .iter()
            .filter(|(_, v)| v.is_none())
            .map(|(name, _)| *name)
            .collect();
        if missing.len() == parts.len() {
            return None;
        }
        if !missing.is_empty() {
            return Some(Err(EnoteConfigError::Missing(missing)));
        }
        let [url, user, pass, api, key] = parts.map(|(_, v)| v.unwrap_or_default());
        Some(Ok(Self::new(
            url.trim(),
            user.trim(),
            pass,
            api.trim(),
            key.trim(),
        )))
    }
}

impl fmt::Debug for EnoteConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EnoteConfig")
            .field("odata_url", &self.odata_url)
            .field("odata_user", &self.odata_user)
            .field("odata_pass", &"<redacted>")
            .field("api_url", &self.api_url)
            .field("api_key", &"<redacted>")
            .field("timeout", &self.timeout)
            .field("max_retries", &self.max_retries)
            .field("retry_backoff", &self.retry_backoff)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &str) -> Option<String> {
        Some(v.to_owned())
    }

    #[test]
    fn nothing_set_means_not_configured() {
        assert_eq!(EnoteConfig::from_parts(None, None, None, None, None), None);
        assert_eq!(
            EnoteConfig::from_parts(s(""), s("  "), None, s(""), None),
            None
        );
    }

    #[test]
    fn all_set_gives_defaults() {
        let c = EnoteConfig::from_parts(
            s(" https://h/b/odata/standard.odata "),
            s("bot"),
            s("p w"),
            s("https://h/b/hs/api/v2"),
            s("k"),
        )
        .unwrap()
        .unwrap();
        assert_eq!(c.odata_url, "https://h/b/odata/standard.odata");
        assert_eq!(c.odata_pass, "p w");
        assert_eq!(c.timeout, DEFAULT_TIMEOUT);
        assert_eq!(c.max_retries, 2);
    }

    #[test]
    fn some_set_names_the_missing_ones() {
        let err = EnoteConfig::from_parts(s("https://h"), None, s("pw"), s(" "), None)
            .unwrap()
            .unwrap_err();
        assert_eq!(
            err,
            EnoteConfigError::Missing(vec!["ENOTE_ODATA_USER", "ENOTE_API_URL", "ENOTE_API_KEY"])
        );
        let text = err.to_string();
        assert!(text.contains("ENOTE_ODATA_USER, ENOTE_API_URL, ENOTE_API_KEY"));
        assert!(!text.contains("pw"));
    }

    #[test]
    fn debug_hides_secrets() {
        let c = EnoteConfig::new("https://h", "bot", "Pa55w0rd!", "https://h/api", "K3y-123");
        let d = format!("{c:?}");
        assert!(d.contains("bot") && d.contains("<redacted>"));
        assert!(!d.contains("Pa55w0rd!") && !d.contains("K3y-123"));
    }
}
